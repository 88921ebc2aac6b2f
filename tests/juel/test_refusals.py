"""What only Camunda 7's Java engine can run is refused at deployment, with where and why."""
from __future__ import annotations

import pytest

from bpmn_runtime.juel import JuelUnsupportedError, check


@pytest.mark.parametrize(("text", "line", "column", "reason"), [
    ("${orderService.check(order)}", 1, 3,
     "'orderService.check(...)' calls the Java method 'check', which only runs in Camunda 7's Java engine; "
     "use a service task with a handler instead"),
    ("Total: ${order.items.stream()}", 1, 10, "'order.items.stream(...)' calls the Java method 'stream'"),
    ("${genderBean.getGenderString(gender)}", 1, 3, "the Java method 'getGenderString'"),
    ("${a &&\n  bean.run()}", 2, 3, "the Java method 'run'"),
    ("${s.trim().hashCode()}", 1, 3, "'s.trim().hashCode(...)' calls the Java method 'hashCode'"),
    ("${s['hashCode']()}", 1, 3, "the Java method 'hashCode'"),
    ("${s[name]()}", 1, 4, "a method named by a computed value"),
    ('${execution.setVariable("x", 1)}', 1, 3,
     "'execution.setVariable(...)' would change the process instance, and expressions only read"),
    ('${task.setVariableLocal("x", 1)}', 1, 3, "would change the process instance"),
    ('${execution.removeVariable("x")}', 1, 3, "would change the process instance"),
    ("${execution.getProcessEngineServices()}", 1, 3, "the execution offers only getActivityId"),
    ("${XML(text)}", 1, 3, "'XML(...)' is Camunda Spin's XML reading, which this engine does not have"),
    ("${S(text, 'application/json')}", 1, 3, "S(...) takes one argument, the JSON to read"),
    ('${S(payload).prop("amount", 5)}', 1, 3, "'S(payload).prop(...)' with a value would change a JSON variable"),
    ("${S(payload).jsonPath('$.a').stringValue()}", 1, 3, "calls the Java method 'jsonPath'"),
    ("${currentUser()}", 1, 3, "reads who is logged in to Camunda 7's web apps"),
    ("${fn:toUpper(name)}", 1, 3, "'toUpper(...)' calls a function that Camunda 7 does not define; "
                                   "only dateTime(), now() and Spin's S(...) and JSON(...) can be called"),
    ("${now(1)}", 1, 3, "now() takes no arguments"),
    ("${__import__('os').system('ls')}", 1, 3, "'__import__(...)' calls a function that Camunda 7 does not define"),
])
def test_java_only_calls_are_refused_with_their_place(text: str, line: int, column: int, reason: str) -> None:
    with pytest.raises(JuelUnsupportedError) as caught:
        check(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f'refused "{text}": line {line}, column {column}: ')


@pytest.mark.parametrize("text", [
    '${name.toUpperCase().startsWith("A")}', "${items.size() > 0 && order.containsKey('id')}",
    "${x.intValue() + y.doubleValue()}", '${execution.getVariable("a")}', "${dateTime().plusDays(1).toDate()}",
    "${ns:now()}",  # Camunda 7 ignores a function's prefix
    '${S(payload).prop("amount").numberValue()}', "${JSON(text).hasProp('a')}",
    "${orderService.check}",  # reading a property is no call; an unknown variable fails only when it runs
])
def test_supported_calls_pass_the_check(text: str) -> None:
    check(text)
