"""Synchronous local handlers, as Camunda 7 runs a Java delegate: the handler of a service task runs inside
the transaction of the call that reached the task, and the instance goes on to its next wait state in the
same transaction, with no worker, no acquisition and no lease.

Chosen by the operator per runtime (`Runtime(local_handlers=registry)`): every handler job whose topic the
registry handles is run so. The job row is written and taken as a worker would take it, so the handler sees
the same `JobContext` (variables, idempotency key, attempt 1) as in job-based mode, and the history is the
same. An asynchronous continuation before the task (`camunda:asyncBefore`) is a transaction boundary as in
Camunda 7: the handler then runs in the transaction that fires the continuation.

Outcomes are those of job-based mode: a `BpmnError` goes to the model's error boundary event; any other
failure spends one retry of the job and leaves it, unlocked, due after the backoff, for a worker (or an
incident when no retries are left). A failure of the step *after* a handler (the outputs cannot be stored)
fails the whole call, as an exception thrown by a synchronous delegate rolls back Camunda 7's transaction.

At most LOCAL_RUNS_PER_CALL handlers run in one call, so that a loop through service tasks cannot hold the
transaction forever: the job past that bound is left for a worker.
"""
from __future__ import annotations

import os
import socket
import time
import traceback
from typing import TYPE_CHECKING

from bpmn_runtime.engine.state import JobWait
from bpmn_runtime.errors import BpmnError
from bpmn_runtime.runtime import jobs
from bpmn_runtime.runtime.variables import check_variables

if TYPE_CHECKING:
    from bpmn_runtime.handlers import HandlerRegistry
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

LOCAL_RUNS_PER_CALL = 1_000
OWNER = f"local:{socket.gethostname()}:{os.getpid()}"  # the lock owner of a job while its handler runs in-line


def run(unit: "UnitOfWork", registry: "HandlerRegistry", instance_id: int, wait_key: int) -> None:
    """Run the handler of the job of wait `wait_key`, which a step of instance `instance_id` made in this
    unit, and apply its outcome. The instance is taken as the unit holds it now: an earlier handler of this
    call (another branch) may have moved it on, and this handler sees what that one left."""
    if unit.local_runs >= LOCAL_RUNS_PER_CALL:
        return
    loaded = unit.load(instance_id)
    wait = loaded.state.waits.get(wait_key)
    job = jobs.take(unit, loaded, wait, OWNER, lease_seconds=60.0) if isinstance(wait, JobWait) else None
    if job is None:  # the instance moved on (an interrupting event) or ended in this call
        return
    unit.local_runs += 1
    started, metrics = time.perf_counter(), unit.runtime.metrics
    limits = unit.runtime.variable_limits
    try:
        result = registry.call(job, unit.runtime.tracing)
    except BpmnError as error:
        jobs.bpmn_error(unit, job.job_id, OWNER, error.code, error.message, check_variables(error.variables, limits))
    except Exception:
        jobs.fail(unit, job.job_id, OWNER, traceback.format_exc(), None, None)
    else:
        jobs.complete(unit, job.job_id, OWNER, check_variables(result, limits))
    finally:
        seconds, topic = time.perf_counter() - started, job.topic
        unit.after_commit(lambda: metrics.job_seconds.labels(topic).observe(seconds))
