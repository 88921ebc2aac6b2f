"""Runs a real-world model end to end on the real runtime: a catch-all handler completes every job, each user
task is completed with a value for every required form field, and timers fire on a virtual clock."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import CATCH_ALL, HandlerRegistry, JobContext
from bpmn_runtime.model import FormField
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.conformance.betsy import run_timers

ROUNDS = 30  # rounds of jobs, tasks and timers
BATCHES = 50  # batches of jobs per round: a model that loops without end stops here


def answer(field: FormField) -> Any:
    """A value the field accepts: its default, its first option, or one of its type within its bounds."""
    if field.options:
        return [field.options[0][0]] if field.multiple else field.options[0][0]
    if field.type == "boolean":
        return True
    if field.type in ("long", "number"):
        return int(field.min) if field.min is not None else 1
    if field.type == "date":
        return date(2026, 12, 1).isoformat()
    return "x" * max(field.minlength or 1, 1)


def run_model(database: Path, model: Path, process_id: str, called: tuple[Path, ...] = (),
              variables: dict[str, Any] | None = None) -> tuple[str, list[str], list[str]]:
    """Deploy the `called` models and `model`, start `process_id` with `variables`, and drive it until nothing
    more happens: the instance's status, the topics the catch-all handler ran, and the user tasks completed, in
    order."""
    clock = VirtualClock()
    runtime = Runtime(f"sqlite:///{database}", clock=clock)
    topics: list[str] = []

    def anything(job: JobContext) -> dict[str, Any]:
        topics.append(job.topic)
        return {}

    registry = HandlerRegistry()
    registry.register(CATCH_ALL, anything)
    worker = Worker(runtime, registry)
    tasks: list[str] = []
    try:
        for path in (*called, model):
            runtime.deploy(path.read_bytes(), path.name)
        instance = runtime.start(process_id, variables or {})
        for _ in range(ROUNDS):
            worked = 0
            for _ in range(BATCHES):
                done = worker.run_once()
                worked += done
                if not done:
                    break
            open_tasks = runtime.queries.tasks(everyone=True)[0]
            for task in open_tasks:
                _, element, _ = runtime.queries.task_form(task.id)
                values = {f.id: answer(f) for f in element.extensions.form_fields
                          if f.type != "display" and not f.readonly}
                runtime.complete_task(task.id, values)
                tasks.append(task.element_id)
            run_timers(runtime, clock, timedelta(days=400))
            if not worked and not open_tasks:
                break
        return runtime.queries.instance(instance).summary.status, topics, tasks
    finally:
        runtime.close()
