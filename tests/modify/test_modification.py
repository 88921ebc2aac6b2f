"""Process instance modification as Camunda's: cancel tokens, start before or after an activity, with variables,
in instructions that run in order and all together or not at all; each modification is in the instance's history
and the audit trail, and what this engine does not do as Camunda does is refused with the element named."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.errors import Conflict, Forbidden, InvalidInput
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.suspension import Suspended
from bpmn_runtime.runtime.task_rules import Actor

MODEL = Path(__file__).parent / "change.bpmn"
OPERATOR = Actor.person("olga", [], "operator")


def cancel(element: str) -> Instruction:
    return Instruction("cancel", element)


def before(element: str) -> Instruction:
    return Instruction("start_before", element)


def after(element: str) -> Instruction:
    return Instruction("start_after", element)


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    runtime = Runtime(sqlite_url)
    runtime.deploy(MODEL)
    yield runtime
    runtime.close()


def waiting_at(runtime: Runtime, instance_id: int) -> list[str]:
    return sorted(t.element_id for t in runtime.queries.instance(instance_id).tokens)


def test_moving_a_token_into_a_subprocess_cancels_its_task_and_is_recorded(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    review_task = runtime.queries.instance(instance_id).tasks[0].id
    [review] = runtime.queries.instance(instance_id).tokens
    done = runtime.modify(instance_id, [cancel("Review"), before("Check")], {"note": "moved"}, actor=OPERATOR)
    assert waiting_at(runtime, instance_id) == ["Inspect"]
    detail = runtime.queries.instance(instance_id)
    assert [t.element_id for t in detail.tasks] == ["Inspect"], "Review's task was withdrawn"
    assert review_task not in [t.id for t in detail.tasks]
    assert detail.variables == {"note": "moved"}
    assert done == ["set note", f"cancelled 'Review' (Review) (activity instance {review.activity_instance})",
                    "started before 'Check' (Check)"]
    [modified] = [h for h in detail.history if h.kind == "instance_modified"]
    assert modified.data is not None and modified.data["done"] == done
    [entry] = runtime.queries.audit(instance_id=instance_id, action="modify")[0]
    assert entry.actor == "olga" and entry.detail is not None
    assert entry.detail["instructions"] == [{"kind": "cancel", "element": "Review"},
                                            {"kind": "start_before", "element": "Check"}]


def test_start_after_takes_the_single_outgoing_flow_and_the_instance_goes_on(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), after("Approve")], {"amount": 21})
    assert waiting_at(runtime, instance_id) == ["Ship"], "Compute ran with the variable set, and the job waits"
    assert runtime.queries.instance(instance_id).variables == {"amount": 21, "total": 42}
    [job] = runtime.acquire_jobs("w1", ["ship"])
    runtime.complete_job(job.job_id, "w1")
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_an_incident_is_fixed_by_moving_its_token_and_the_incident_is_resolved(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), before("Compute")])
    [incident] = [i for i in runtime.queries.instance(instance_id).incidents if i.resolved_at is None]
    assert incident.element_id == "Compute"
    runtime.modify(instance_id, [cancel("Compute"), after("Compute")], {"total": 10})
    detail = runtime.queries.instance(instance_id)
    assert [i.resolved_at is not None for i in detail.incidents] == [True]
    assert waiting_at(runtime, instance_id) == ["Ship"]


def test_cancelling_every_token_cancels_the_instance_and_a_start_in_the_same_modification_keeps_it(
        runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), before("Approve")])
    assert waiting_at(runtime, instance_id) == ["Approve", "Approve"], "its two instances"
    tasks = runtime.queries.instance(instance_id).tasks
    assert len(tasks) == 2
    inner = next(t for t in runtime.queries.instance(instance_id).tokens if t.element_id == "Approve")
    with pytest.raises(InvalidInput, match="one instance of multi-instance 'Approve'"):
        runtime.modify(instance_id, [Instruction("cancel", activity_instance=inner.activity_instance)])
    runtime.modify(instance_id, [cancel("Approve")])
    summary = runtime.queries.instance(instance_id)
    assert summary.summary.status == "cancelled"
    assert summary.end_reason == "the modification cancelled every token of the instance"
    assert summary.tasks == []


def test_cancelling_the_last_token_of_a_subprocess_cancels_the_subprocess(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), before("Check"), after("Review")])
    assert waiting_at(runtime, instance_id) == ["Inspect", "Inspect"]
    runtime.modify(instance_id, [Instruction("cancel", activity_instance=next(
        t.activity_instance for t in runtime.queries.instance(instance_id).tokens if t.element_id == "Inspect"))])
    assert waiting_at(runtime, instance_id) == ["Inspect"], "one Check with its Inspect is gone"
    history = runtime.queries.instance(instance_id).history
    assert [h.element_id for h in history if h.kind == "element_terminated"][-2:] == ["Inspect", "Check"]


@pytest.mark.parametrize(("instructions", "message"), [
    ([before("Nope")], "process 'changeable' has no element 'Nope'"),
    ([before("F2")], "'F2' is a sequence flow; name the element it leads to \\('Check'\\)"),
    ([before("Inspect")], "'Inspect' \\(Inspect\\) is inside 'Check' \\(Check\\), which has no running instance; "
                          "this engine does not create it \\(Camunda 7 would\\). Start before 'Check' \\(Check\\)"),
    ([after("End")], "has 0 outgoing sequence flows"),
    ([cancel("Ship")], "no token is at 'Ship' \\(Ship\\)"),
    ([], "at least one instruction"),
])
def test_what_cannot_run_is_refused_and_changes_nothing(runtime: Runtime, instructions: list[Instruction],
                                                        message: str) -> None:
    instance_id = runtime.start("changeable")
    with pytest.raises(InvalidInput, match=message):
        runtime.modify(instance_id, [cancel("Review"), *instructions] if instructions else [], {"x": 1})
    detail = runtime.queries.instance(instance_id)
    assert waiting_at(runtime, instance_id) == ["Review"] and detail.variables == {}
    assert not [h for h in detail.history if h.kind == "instance_modified"]
    assert runtime.queries.audit(instance_id=instance_id, action="modify")[0] == []


def test_ended_and_suspended_instances_are_refused(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.suspend([instance_id])
    with pytest.raises(Suspended, match=f"instance {instance_id} is suspended"):
        runtime.modify(instance_id, [cancel("Review"), before("Check")])
    runtime.suspend([instance_id], suspended=False)
    runtime.cancel(instance_id)
    with pytest.raises(Conflict, match="has ended \\(cancelled\\); only a running instance can be modified"):
        runtime.modify(instance_id, [before("Review")])


def test_a_user_without_operate_permission_cannot_modify(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    with pytest.raises(Forbidden):
        runtime.modify(instance_id, [cancel("Review"), before("Check")], actor=Actor.person("sam", ["sales"]))
    assert waiting_at(runtime, instance_id) == ["Review"]


def test_variables_given_with_a_start_instruction_are_local_to_the_scope_its_token_creates(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable", {"note": "process"})
    done = runtime.modify(instance_id, [cancel("Review"), Instruction("start_before", "Check", variables={
        "note": "for the check", "reviewer": "olga"})], {"amount": 3}, actor=OPERATOR)
    assert done[-1] == "started before 'Check' (Check) with note, reviewer set in its scope"
    assert runtime.queries.instance(instance_id).variables == {"note": "process", "amount": 3}, \
        "the instruction's variables are not the process's"
    [task] = runtime.queries.instance(instance_id).tasks
    _, _, seen = runtime.queries.task_form(task.id)
    assert seen == {"note": "for the check", "reviewer": "olga", "amount": 3}, "the task inside sees them"
    runtime.complete_task(task.id, {"reviewer": "kim", "verdict": "fine"})
    detail = runtime.queries.instance(instance_id)
    assert detail.variables == {"note": "process", "amount": 3, "verdict": "fine"}, \
        "a write to a local variable stays in its scope and ends with it; a new one goes to the process"
    [modified] = [h for h in detail.history if h.kind == "instance_modified"]
    assert modified.data is not None
    assert modified.data["instructions"][1] == {"kind": "start_before", "element": "Check",
                                                "variables": ["note", "reviewer"]}


def test_variables_of_a_start_after_are_local_to_the_activity_its_flow_leads_to(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), Instruction("start_after", "Approve", variables={"amount": 21})])
    assert waiting_at(runtime, instance_id) == ["Ship"]
    assert runtime.queries.instance(instance_id).variables == {"total": 42}, \
        "Compute read its local amount, and its result went to the process"


def test_variables_of_a_multi_instance_start_are_seen_by_every_instance(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.modify(instance_id, [cancel("Review"), Instruction("start_before", "Approve", variables={"level": 2})])
    tasks = runtime.queries.instance(instance_id).tasks
    assert len(tasks) == 2
    seen = [runtime.queries.task_form(t.id)[2] for t in tasks]
    assert [s["level"] for s in seen] == [2, 2] and len({s["loopCounter"] for s in seen}) == 2
    assert runtime.queries.instance(instance_id).variables == {}


def test_variables_with_a_cancel_instruction_are_refused_and_nothing_changes(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    with pytest.raises(InvalidInput, match="cancelling at 'Review' .*starts no token.*note"):
        runtime.modify(instance_id, [Instruction("cancel", "Review", variables={"note": "x"}), before("Ship")])
    assert waiting_at(runtime, instance_id) == ["Review"]
    assert runtime.queries.instance(instance_id).variables == {}


def test_variables_for_a_token_that_joins_one_waiting_are_refused_and_nothing_changes(runtime: Runtime) -> None:
    runtime.deploy(MODEL.with_name("join_inclusive.bpmn"))
    instance_id = runtime.start("joining-inclusive")
    pack = next(t for t in runtime.queries.instance(instance_id).tasks if t.element_id == "Pack")
    runtime.complete_task(pack.id)
    assert waiting_at(runtime, instance_id) == ["Bill", "Join"]
    with pytest.raises(InvalidInput, match="the token started at 'All done' \\(Join\\) created no activity instance "
                                           "of its own .*so urgent has no scope"):
        runtime.modify(instance_id, [cancel("Bill"), Instruction("start_before", "Join", variables={"urgent": True})])
    assert waiting_at(runtime, instance_id) == ["Bill", "Join"]
    runtime.modify(instance_id, [cancel("Bill"), before("Join")], {"urgent": True})
    assert waiting_at(runtime, instance_id) == ["Send"], "as process variables they are taken, and the join goes on"
    assert runtime.queries.instance(instance_id).variables == {"urgent": True}


def test_starting_before_a_parallel_join_is_refused_as_it_would_wait_for_ever(runtime: Runtime) -> None:
    runtime.deploy(MODEL.with_name("join.bpmn"))
    instance_id = runtime.start("joining")
    pack = next(t for t in runtime.queries.instance(instance_id).tasks if t.element_id == "Pack")
    runtime.complete_task(pack.id)
    with pytest.raises(InvalidInput, match="'Both done' \\(Join\\) joins 2 incoming sequence flows, and a token "
                                           "started before it comes along none of them"):
        runtime.modify(instance_id, [cancel("Bill"), before("Join")])
    assert waiting_at(runtime, instance_id) == ["Bill", "Join"]
    runtime.modify(instance_id, [cancel("Bill"), after("Bill")])
    assert waiting_at(runtime, instance_id) == ["Send"]
