"""Synchronous local handlers, as Camunda 7 runs a Java delegate: the handler of a service task runs inside
the transaction of the call that reached the task, and the instance goes on to its next wait state in the
same transaction, with no worker, no acquisition and no lease.

Chosen by the operator per runtime (`Runtime(local_handlers=registry)`): every handler job whose topic the
registry handles is run so. While its handler succeeds such a job has no row at all (Camunda 7 writes no
job for a synchronous delegate either): the handler sees the `JobContext` a worker's would (variables, the
same idempotency key, attempt 1; `job_id` 0, as there is no job), and the history is the same. An
asynchronous continuation before the task (`camunda:asyncBefore`) is a transaction boundary as in Camunda 7:
the handler then runs in the transaction that fires the continuation.

Outcomes are those of job-based mode, on a job row written then: a `BpmnError` goes to the model's error
boundary event (an incident when none catches it); any other failure spends one retry of the job and leaves
it, unlocked, due after the backoff, for a worker (or an incident when no retries are left). A failure of
the step *after* a handler (the outputs cannot be stored) fails the whole call, as an exception thrown by a
synchronous delegate rolls back Camunda 7's transaction.

At most LOCAL_RUNS_PER_CALL handlers run in one call, so that a loop through service tasks cannot hold the
transaction forever: the job past that bound gets its row and is left for a worker.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from typing import TYPE_CHECKING

from bpmn_runtime.engine.behaviours import task_listeners
from bpmn_runtime.engine.state import JobWait
from bpmn_runtime.errors import BpmnError
from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime import jobs
from bpmn_runtime.runtime.variables import check_variables
from bpmn_runtime.sensitive import redact

if TYPE_CHECKING:
    from bpmn_runtime.handlers import HandlerRegistry
    from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork

log = logging.getLogger("bpmn_runtime")

LOCAL_RUNS_PER_CALL = 1_000
OWNER = f"local:{socket.gethostname()}:{os.getpid()}"  # the lock owner of a job while its handler runs in-line


def run(unit: "UnitOfWork", registry: "HandlerRegistry", instance_id: int, wait_key: int) -> None:
    """Run the handler of the job of wait `wait_key`, which a step of instance `instance_id` made in this
    unit without a row, and apply its outcome. The instance is taken as the unit holds it now: an earlier
    handler of this call (another branch) may have moved it on, and this handler sees what that one left."""
    loaded = unit.load(instance_id)
    wait = loaded.state.waits.get(wait_key)
    if not isinstance(wait, JobWait) or loaded.state.status != "active":
        return  # the instance moved on (an interrupting event) or ended in this call
    if unit.local_runs >= LOCAL_RUNS_PER_CALL:
        unit.write_job(loaded, wait)
        return
    unit.local_runs += 1
    job = jobs.context(unit, loaded, wait, 0, wait.element, wait.topic, jobs.idempotency_key(loaded.id, wait), 1,
                       60.0)
    started, metrics = time.perf_counter(), unit.runtime.metrics
    limits = unit.runtime.variable_limits
    try:
        result = registry.call(job, unit.runtime.tracing)
        if wait.listener in task_listeners.EVENTS:  # a result a worker would have refused fails the job instead
            task_listeners.check_result(wait, result)
    except BpmnError as error:
        jobs.bpmn_error(unit, _held_row(unit, loaded, wait), OWNER, error.code, error.message,
                        check_variables(error.variables, limits))
    except Exception:
        jobs.fail(unit, _held_row(unit, loaded, wait), OWNER, traceback.format_exc(), None, None)
    else:
        values = check_variables(result, limits)
        if log.isEnabledFor(logging.DEBUG):
            fields = {**loaded.log_fields(), "element_id": wait.element, "topic": wait.topic}
            unit.after_commit(lambda: log_event(log, logging.DEBUG, "%s ran in-line; outputs: %s", wait.element,
                                                redact(dict(values)), **fields))
        unit.step(loaded, lambda s: s.trigger(wait_key, values))
    finally:
        seconds, topic = time.perf_counter() - started, wait.topic
        unit.after_commit(lambda: metrics.job_seconds.labels(topic).observe(seconds))


def _held_row(unit: "UnitOfWork", loaded: "LoadedInstance", wait: JobWait) -> int:
    """The handler failed: write the job's row as a worker would have held it (locked, one attempt), so that
    the failure is reported on it as a worker's is; its id."""
    unit.write_job(loaded, wait)
    taken = jobs.take(unit, loaded, wait, OWNER, lease_seconds=60.0)
    if taken is None:
        raise RuntimeError(f"the job row of {wait.element} written in this transaction could not be taken")
    return taken.job_id
