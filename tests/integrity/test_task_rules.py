"""One place for the task rules: who may see, claim, give back, assign and complete a task, and which
values a completion may set. The runtime applies them to every caller, an embedding program included."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import Conflict, Forbidden, InvalidInput
from bpmn_runtime.forms import FormErrors
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.runtime.variables import VariableLimits
from tests.integrity.task_models import APPROVAL_FORM, task_process

MIA = Actor.person("mia", ["clerks"])
SAM = Actor.person("sam", ["sales"])
OLGA = Actor.person("olga", role="operator")


def started(runtime: Runtime, model: bytes, variables: dict[str, object] | None = None) -> tuple[int, int]:
    runtime.deploy(model, "approve.bpmn")
    instance_id = runtime.start("approve", variables or {"amount": 5000})
    return instance_id, runtime.queries.instance(instance_id).tasks[0].id


def test_a_form_task_takes_only_its_fields_whoever_completes_it(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    instance_id, task_id = started(runtime, task_process(form=APPROVAL_FORM))
    for actor in (MIA, OLGA, Actor.program()):
        with pytest.raises(FormErrors) as refused:
            runtime.complete_task(task_id, {"approved": "true", "amount": 1, "limit": 10**6}, actor=actor)
        assert refused.value.errors == {"amount": "is read-only in this form", "limit": "is not a field of this form"}
    with pytest.raises(FormErrors) as refused:
        runtime.complete_task(task_id, {"approved": "perhaps"})
    assert refused.value.errors == {"approved": "choose yes or no"}, "an embedding program is checked too"
    assert runtime.queries.instance(instance_id).variables == {"amount": 5000}, "nothing changed"
    runtime.complete_task(task_id, {"approved": "yes", "comment": "fine"}, actor=MIA)
    assert runtime.queries.instance(instance_id).variables == {"amount": 5000, "approved": True, "comment": "fine"}


def test_the_model_can_allow_more_than_the_form(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    model = task_process(form=APPROVAL_FORM, properties='<camunda:property name="allowVariables" value="note, tag"/>')
    instance_id, task_id = started(runtime, model)
    with pytest.raises(FormErrors, match="limit: is not a field of this form"):
        runtime.complete_task(task_id, {"limit": 1}, actor=MIA)
    runtime.complete_task(task_id, {"approved": True, "note": "n", "tag": "t"}, actor=MIA)
    assert runtime.queries.instance(instance_id).variables["note"] == "n"


def test_engine_variables_are_never_set_from_outside(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    instance_id, task_id = started(runtime, task_process(multi=True), {"items": [1, 2, 3]})
    for name in ("nrOfCompletedInstances", "loopCounter", "nrOfInstances"):
        with pytest.raises(FormErrors, match=f"{name}: is set by the engine"):
            runtime.complete_task(task_id, {name: 3}, actor=MIA)
        with pytest.raises(InvalidInput, match=f"variable '{name}' is set by the engine"):
            runtime.set_variables(instance_id, {name: 3})
        with pytest.raises(InvalidInput, match="is set by the engine"):
            runtime.start("approve", {"items": [], name: 1})
    for _ in range(3):
        runtime.complete_task(runtime.queries.instance(instance_id).tasks[0].id, {"seen": True}, actor=MIA)
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_values_are_bounded_in_size(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url, variable_limits=VariableLimits(value_bytes=1_000, instance_bytes=3_000))
    instance_id, task_id = started(runtime, task_process(), {"amount": 1})
    with pytest.raises(FormErrors, match="note: is 1,002 bytes; one value may have at most 1,000 bytes"):
        runtime.complete_task(task_id, {"note": "x" * 1_000}, actor=MIA)
    runtime.set_variables(instance_id, {"a": "x" * 900, "b": "x" * 900})
    with pytest.raises(InvalidInput, match=f"process instance {instance_id} would hold 3,.* bytes of variables; "
                                           "an instance may hold at most 3,000 bytes"):
        runtime.complete_task(task_id, {"c": "x" * 900, "d": "x" * 900}, actor=MIA)
    with pytest.raises(InvalidInput, match="at most 1,000 bytes"):
        runtime.start("approve", {"big": "x" * 2_000})
    assert set(runtime.queries.instance(instance_id).variables) == {"amount", "a", "b"}
    runtime.complete_task(task_id, {"c": "small"}, actor=MIA)


def test_an_instance_past_a_lowered_limit_may_shrink_but_not_grow(sqlite_url: str) -> None:
    """What the instance held when loaded is measured only when a step leaves it past the limit: then a step
    that shrinks it is let through and one that grows it is refused, whatever its size before."""
    instance_id, task_id = started(Runtime(sqlite_url), task_process(), {"amount": 1})
    Runtime(sqlite_url).set_variables(instance_id, {"a": "x" * 2_000, "b": "x" * 2_000})
    lowered = Runtime(sqlite_url, variable_limits=VariableLimits(value_bytes=2_000, instance_bytes=3_000))
    with pytest.raises(InvalidInput, match=f"process instance {instance_id} would hold 4,0.* bytes of variables"):
        lowered.set_variables(instance_id, {"c": "x" * 10})
    lowered.set_variables(instance_id, {"a": "x" * 1_500})  # still past 3,000 bytes, but smaller than it was
    assert len(lowered.queries.instance(instance_id).variables["a"]) == 1_500
    with pytest.raises(InvalidInput, match="an instance may hold at most 3,000 bytes"):
        lowered.complete_task(task_id, {"a": "x" * 1_501}, actor=MIA)
    lowered.complete_task(task_id, {"b": "x" * 900}, actor=MIA)
    assert lowered.queries.instance(instance_id).summary.status == "completed"


def test_who_may_claim_and_complete(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    _, task_id = started(runtime, task_process())
    with pytest.raises(Forbidden, match="not assigned or offered to you"):
        runtime.claim(task_id, actor=SAM)
    with pytest.raises(Forbidden, match="not assigned or offered to you"):
        runtime.complete_task(task_id, {}, actor=SAM)
    with pytest.raises(Forbidden, match="Only operators and administrators can give a task to someone else"):
        runtime.claim(task_id, "sam", actor=MIA)
    runtime.claim(task_id, actor=MIA)
    with pytest.raises(Conflict, match="already claimed by mia"):
        runtime.claim(task_id, actor=Actor.person("max", ["clerks"]))
    with pytest.raises(Conflict, match="claimed by mia"):
        runtime.complete_task(task_id, {}, actor=Actor.person("max", ["clerks"]))
    with pytest.raises(Forbidden, match="Only operators and administrators can assign"):
        runtime.assign(task_id, "max", actor=MIA)
    runtime.assign(task_id, "sam", actor=OLGA)
    assert runtime.queries.task(task_id, actor=SAM).assignee == "sam", "an assignee sees the task"
    runtime.complete_task(task_id, {}, actor=SAM)


def test_giving_back_a_task_the_model_assigned_returns_it_to_the_model(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    _, task_id = started(runtime, task_process(assignee="mia", groups=""))
    with pytest.raises(Conflict, match="'Approve' is assigned to you by the process, so it cannot be given back"):
        runtime.unclaim(task_id, actor=MIA)
    runtime.assign(task_id, "bob", actor=OLGA)
    assert runtime.unclaim(task_id, actor=Actor.person("bob")) == "mia"
    assert runtime.queries.task(task_id).assignee == "mia", "not offered to nobody"
    runtime.assign(task_id, "bob", actor=OLGA)
    assert runtime.unclaim(task_id, actor=OLGA) == "mia", "an operator's release follows the model too"

    _, offered = started(runtime, task_process(process_id="approve"))
    runtime.claim(offered, actor=MIA)
    assert runtime.unclaim(offered, actor=MIA) is None
    assert runtime.queries.task(offered).assignee is None


def test_the_inbox_list_and_a_single_task_follow_one_visibility_rule(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    _, task_id = started(runtime, task_process())
    listed, _ = runtime.queries.tasks(user="mia", groups=["clerks"])
    assert [t.id for t in listed] == [task_id]
    assert runtime.queries.task(task_id, actor=MIA).id == task_id
    assert runtime.queries.tasks(user="sam", groups=["sales"])[1] == 0
    with pytest.raises(Forbidden):
        runtime.queries.task(task_id, actor=SAM)
    with pytest.raises(Forbidden):
        runtime.queries.task(task_id, actor=Actor.person("mia", ["clerk"]))
