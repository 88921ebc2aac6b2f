"""Migrating running instances to a newer version, as Camunda 7's migration does: checked before anything
moves (each element to one of its own kind in the same scope, no event the new version adds left unwaited
for), a dry run that says what would happen, batches with progress, tasks and jobs kept with their ids,
and each migration in the instance's history and the audit trail."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.migration import MigrationRefused
from bpmn_runtime.runtime.task_rules import Actor
from tests.camunda8.models import extensions, flows, model

HERE = Path(__file__).parent
OPERATOR = Actor.person("olga", [], "operator")


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    runtime = Runtime(sqlite_url)
    runtime.deploy(HERE / "change.bpmn")
    yield runtime
    runtime.close()


def _version(runtime: Runtime, instance_id: int) -> int:
    return runtime.queries.instance(instance_id).summary.version


def test_a_renamed_activity_needs_a_mapping_and_the_dry_run_says_so(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    runtime.deploy(HERE / "change_v2.bpmn")
    [dry] = runtime.migrate([instance_id], 2, dry_run=True)
    assert dry.problems == ["'Review' (Review) has no counterpart in version 2; map it to an element of version 2 "
                            "(--map Review=NEW_ID)"]
    with pytest.raises(MigrationRefused, match=f"nothing was migrated: instance {instance_id}: 'Review' \\(Review\\)"):
        runtime.migrate([instance_id], 2)
    [dry] = runtime.migrate([instance_id], 2, {"Review": "ReviewOrder"}, dry_run=True)
    assert dry.problems == [] and dry.moves == ["'Review' (Review) to 'Review order' (ReviewOrder)"]
    assert _version(runtime, instance_id) == 1, "a dry run changes nothing"


def test_migrating_keeps_the_task_and_the_instance_goes_on_in_the_new_version(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    [task] = runtime.queries.instance(instance_id).tasks
    runtime.claim(task.id, "mia")
    runtime.deploy(HERE / "change_v2.bpmn")
    [done] = runtime.migrate([instance_id], 2, {"Review": "ReviewOrder"}, actor=OPERATOR)
    assert (done.from_version, done.to_version) == (1, 2)
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.version == 2
    [moved] = detail.tasks
    assert (moved.id, moved.element_id, moved.assignee) == (task.id, "ReviewOrder", "mia")
    assert [t.element_id for t in detail.tokens] == ["ReviewOrder"]
    [entry] = [h for h in detail.history if h.kind == "instance_migrated"]
    assert entry.data == {"from_version": 1, "to_version": 2, "moved": {"Review": "ReviewOrder"}}
    [audit] = runtime.queries.audit(instance_id=instance_id, action="migrate")[0]
    assert audit.actor == "olga" and audit.detail is not None and audit.detail["after"] == {"version": 2}
    runtime.complete_task(task.id)
    assert [t.element_id for t in runtime.queries.instance(instance_id).tokens] == ["Inspect"]
    runtime.modify(instance_id, [Instruction("cancel", "Check"), Instruction("start_before", "Ship")])
    assert "ShipLate" in {j.element_id for j in runtime.queries.instance(instance_id).jobs}, \
        "it runs version 2, whose Ship has a timer"


def test_an_event_the_new_version_adds_to_a_running_activity_is_refused(runtime: Runtime) -> None:
    at_ship = runtime.start("changeable")
    runtime.modify(at_ship, [Instruction("cancel", "Review"), Instruction("start_after", "Compute")])
    at_inspect = runtime.start("changeable")
    runtime.modify(at_inspect, [Instruction("cancel", "Review"), Instruction("start_before", "Check")])
    [job] = runtime.queries.instance(at_ship).jobs
    runtime.deploy(HERE / "change_v2.bpmn")
    plans = runtime.migrate([at_inspect, at_ship], 2, dry_run=True)
    assert plans[0].problems == [] and plans[0].moves == ["'Check' (Check) to 'Check' (Check)",
                                                          "'Inspect' (Inspect) to 'Inspect' (Inspect)"]
    assert plans[1].problems == ["version 2 adds 'Late' (ShipLate) to 'Ship' (Ship), which a migrated instance "
                                 "would not wait for"]
    with pytest.raises(MigrationRefused):
        runtime.migrate([at_inspect, at_ship], 2)
    assert (_version(runtime, at_inspect), _version(runtime, at_ship)) == (1, 1), "one refusal migrates none"
    runtime.migrate([at_inspect], 2)
    assert _version(runtime, at_inspect) == 2
    assert [j.id for j in runtime.queries.instance(at_ship).jobs] == [job.id]


def test_kinds_and_ended_instances_are_refused(runtime: Runtime) -> None:
    instance_id = runtime.start("changeable")
    ended = runtime.start("changeable")
    runtime.cancel(ended)
    runtime.deploy(HERE / "change_v2.bpmn")
    plans = runtime.migrate([instance_id, ended], 2, {"Review": "Compute"}, dry_run=True)
    assert plans[0].problems == ["'Review' (Review) is a userTask, but 'Compute total' (Compute) in version 2 is a "
                                 "scriptTask; an element moves only to one of its own kind"]
    assert plans[1].problems == [] and plans[1].left_as_is == "it has ended (cancelled); only running instances are " \
                                                             "migrated"
    [plan] = runtime.migrate([instance_id], 2, {"Nope": "ReviewOrder"}, dry_run=True)
    assert plan.problems == ["the mapping Nope=ReviewOrder names 'Nope', which the instance's version does not have"]


def test_batches_report_progress(runtime: Runtime) -> None:
    ids = [runtime.start("changeable") for _ in range(5)]
    runtime.deploy(HERE / "change_v2.bpmn")
    seen: list[tuple[int, int]] = []
    done = runtime.migrate(ids, 2, {"Review": "ReviewOrder"}, batch=2,
                           progress=lambda n, total: seen.append((n, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert [p.instance_id for p in done] == ids
    assert {_version(runtime, i) for i in ids} == {2}
    [again] = runtime.migrate(ids[:1], 2)
    assert again.moves == ["nothing: it runs version 2 already"]


def test_a_timer_moves_with_its_due_date_and_fires_in_the_new_version(sqlite_url: str) -> None:
    from bpmn_runtime.clock import VirtualClock
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    suspendable = HERE.parent / "console" / "suspend.bpmn"
    runtime.deploy(suspendable)
    instance_id = runtime.start("suspendable", business_key="b-1")
    runtime.complete_task(runtime.queries.instance(instance_id).tasks[0].id)
    [timer] = runtime.queries.instance(instance_id).jobs
    newer = suspendable.read_bytes().replace(b'name="An hour"', b'name="One hour"')
    runtime.deploy(newer, file_name="suspend.bpmn")
    runtime.migrate([instance_id], 2)
    [moved] = runtime.queries.instance(instance_id).jobs
    assert (moved.id, moved.due_at, moved.element_id) == (timer.id, timer.due_at, "Wait")
    clock.advance(3600)
    assert runtime.run_due_timers() == 1
    detail = runtime.queries.instance(instance_id)
    assert [t.element_id for t in detail.tokens] == ["Ship"] and detail.summary.version == 2
    runtime.close()


def test_a_renamed_message_signal_and_topic_are_waited_for_under_their_new_names(runtime: Runtime) -> None:
    runtime.deploy(HERE / "triggers.bpmn")
    instance_id = runtime.start("triggers")
    [job_before] = runtime.queries.jobs(instance_id=instance_id)
    runtime.deploy(HERE / "triggers_v2.bpmn")
    [dry] = runtime.migrate([instance_id], 2, dry_run=True)
    assert dry.problems == []
    assert [m for m in dry.moves if "instead of" in m] == [
        "'Paid' (WaitPaid) waits for message 'payment-received' instead of 'paid'",
        "'Charge card' (Charge) waits for a worker for topic 'charge-card' instead of 'charge'",
        "'Go' (WaitGo) waits for signal 'start' instead of 'go'"]
    runtime.migrate([instance_id], 2, actor=OPERATOR)
    assert _version(runtime, instance_id) == 2
    assert runtime.acquire_jobs("w1", ["charge"]) == [], "the old topic's workers no longer get it"
    [job] = runtime.acquire_jobs("w1", ["charge-card"])
    assert job.job_id == job_before.id, "the same job, under its new topic"
    runtime.complete_job(job.job_id, "w1")
    with pytest.raises(Exception, match="paid"):
        runtime.correlate_message("paid")
    assert runtime.correlate_message("payment-received") == instance_id
    assert runtime.broadcast_signal("go") == 0
    assert runtime.broadcast_signal("start") == 1
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_a_topic_the_new_version_computes_is_refused_before_anything_moves(runtime: Runtime) -> None:
    runtime.deploy(HERE / "triggers.bpmn")
    instance_id = runtime.start("triggers")
    runtime.deploy(HERE / "triggers_v2.bpmn")
    runtime.deploy(HERE / "triggers_v3.bpmn")
    with pytest.raises(MigrationRefused) as refused:
        runtime.migrate([instance_id], 3)
    assert refused.value.plans[0].problems == [
        "'Charge card' (Charge) takes its topic from the expression \"${topicName}\" in version 3; a migration does "
        "not evaluate it where the instance waits, so it would keep waiting for a worker for topic 'charge'. Move "
        "the token with a modification instead"]
    assert _version(runtime, instance_id) == 1
    assert [j.topic for j in runtime.acquire_jobs("w1", ["charge"])] == ["charge"], "nothing changed"


def _zeebe_waiting(message: str, key: str) -> bytes:
    """A Camunda 8 process 'p' waiting at 'Paid' (wait) for `message`, correlated by `key`."""
    declaration = (f'<bpmn:message id="paid" name="{message}">'
                   + extensions(f'<zeebe:subscription correlationKey="{key}"/>') + '</bpmn:message>')
    body = ('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait" name="Paid">'
            '<bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
            + flows("s", "wait", "e"))
    return model(body, declaration)


def test_a_correlated_subscription_keeps_its_key_under_a_new_name_and_a_new_key_is_refused(runtime: Runtime) -> None:
    runtime.deploy(_zeebe_waiting("payment-received", "=orderId"), "p.bpmn")
    instance_id = runtime.start("p", {"orderId": "A-7", "order": {"id": "B-8"}})
    runtime.deploy(_zeebe_waiting("payment-received", "=order.id"), "p.bpmn")
    runtime.deploy(_zeebe_waiting("payment-booked", "=orderId"), "p.bpmn")
    with pytest.raises(MigrationRefused) as refused:
        runtime.migrate([instance_id], 2)
    assert refused.value.plans[0].problems == [
        "'Paid' (wait) correlates its message by \"=order.id\" in version 2, not by \"=orderId\"; a migration does "
        "not work the key out again, so it would keep waiting under the old one. Move the token with a "
        "modification instead"]
    [plan] = runtime.migrate([instance_id], 3)
    assert plan.moves[-1] == "'Paid' (wait) waits for message 'payment-booked' instead of 'payment-received'"
    assert runtime.correlate_message("payment-booked", "A-7") == instance_id
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_a_conditional_event_waits_for_the_condition_of_the_new_version(runtime: Runtime) -> None:
    runtime.deploy(HERE / "condition.bpmn")
    instance_id = runtime.start("conditional", {"ready": False, "approved": False})
    runtime.deploy(HERE / "condition_v2.bpmn")
    [plan] = runtime.migrate([instance_id], 2)
    assert plan.moves[-1] == "'Ready' (WaitReady) waits for condition '${approved}' instead of '${ready}'"
    runtime.set_variables(instance_id, {"ready": True})
    assert runtime.queries.instance(instance_id).summary.status == "active", "the old condition no longer counts"
    runtime.set_variables(instance_id, {"approved": True})
    assert runtime.queries.instance(instance_id).summary.status == "completed"
