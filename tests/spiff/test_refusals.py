"""SpiffWorkflow settings this engine does not run are refused at the element, in the modeler's words: a
JSON-schema form off a user task says which file and what to do instead. Script unit tests change nothing."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import extensions, process


def test_a_json_schema_form_off_a_user_task_is_refused_naming_its_file(runtime: Runtime) -> None:
    form = extensions('<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
                      'value="order-schema.json"/></spiffworkflow:properties>')
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(process(f'<bpmn:manualTask id="work" name="Order">{form}</bpmn:manualTask>'), "p.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [("work", (
        "spiffworkflow:properties on 'Order' (work): the JSON-schema form 'order-schema.json' "
        "(formJsonSchemaFilename) is shown on user tasks only here, where people fill it in; make this a user task, "
        "or remove the form"))]


def test_script_unit_tests_change_nothing_and_are_accepted(runtime: Runtime) -> None:
    tests = extensions('<spiffworkflow:unitTests><spiffworkflow:unitTest id="t1"><spiffworkflow:inputJson>{}'
                       '</spiffworkflow:inputJson><spiffworkflow:expectedOutputJson>{"a": 1}'
                       '</spiffworkflow:expectedOutputJson></spiffworkflow:unitTest></spiffworkflow:unitTests>')
    runtime.deploy(process(f'<bpmn:scriptTask id="work">{tests}<bpmn:script>a = 2</bpmn:script></bpmn:scriptTask>'),
                   "p.bpmn")
    assert runtime.queries.instance(runtime.start("p", {})).variables == {"a": 2}
