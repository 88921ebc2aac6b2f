"""Bulk actions of the console over the instances a filter matches: retry their incidents, cancel, suspend
or resume them. The operator confirms first (how many, which filter); the work then runs in batches of
BATCH instances, each instance in a transaction of its own, and a page after each batch says how far it
got and goes on when asked (no script runs on pages, so there is no background progress bar to poll).

An instance the action does not apply to (already ended, already suspended) is counted as skipped, with
why; the walk goes by instance id, so instances that change meanwhile are neither skipped nor repeated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import request

from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.web.paging import whole_number
from bpmn_runtime.web.services import actor, runtime

BATCH = 50
MAX_ID = 2**63 - 1
ACTIONS = {"retry": "Retry the incidents of", "suspend": "Suspend", "resume": "Resume", "cancel": "Cancel"}
DONE = {"retry": "retried", "suspend": "suspended", "resume": "resumed", "cancel": "cancelled"}


@dataclass(frozen=True)
class Filter:
    """The instances page's filter, as the bulk forms carry it."""

    process: str = ""
    status: str = ""
    business_key: str = ""


@dataclass
class Progress:
    """How far a bulk action got: counts so far, the last instance id handled, and the skipped with why."""

    total: int = 0  # how many matched when the operator confirmed
    done: int = 0
    skipped: int = 0
    after: int = 0
    finished: bool = False
    notes: list[str] = field(default_factory=list)


def read_filter(statuses: tuple[str, ...]) -> Filter:
    source = request.values
    status = source.get("status", "")
    return Filter(source.get("process", "").strip(), status if status in statuses else "",
                  source.get("business_key", "").strip())


def read_progress() -> Progress:
    """The counts the previous batch's page carried on (each bounded, so a forged form cannot overflow)."""
    def number(name: str) -> int:
        return whole_number(request.form.get(name, "0"), MAX_ID) or 0
    return Progress(number("total"), number("done"), number("skipped"), number("after"))


def run_batch(action: str, chosen: Filter, progress: Progress, reason: str) -> Progress:
    """Apply `action` to the next BATCH instances the filter matches; the progress after them."""
    ids = runtime().queries.instance_ids(process=chosen.process or None, status=chosen.status or None,
                                         key_start=chosen.business_key or None, after=progress.after, limit=BATCH)
    act = _action(action, reason)
    for instance_id in ids:
        try:
            changed = act(instance_id)
        except (Conflict, NotFound) as refused:
            changed, why = False, str(refused)
            if len(progress.notes) < 20:
                progress.notes.append(f"#{instance_id}: {why}")
        progress.done += int(changed)
        progress.skipped += int(not changed)
        progress.after = instance_id
    progress.finished = len(ids) < BATCH
    return progress


def _action(action: str, reason: str) -> Callable[[int], bool]:
    """What the action does to one instance; True when it changed it."""
    engine = runtime()
    if action == "cancel":
        def cancel(instance_id: int) -> bool:
            engine.cancel(instance_id, reason)
            return True
        return cancel
    if action in ("suspend", "resume"):
        return lambda instance_id: bool(engine.suspend([instance_id], suspended=action == "suspend", actor=actor()))

    def retry(instance_id: int) -> bool:
        incidents = engine.queries.open_incident_ids(instance_id)
        for incident_id in incidents:
            engine.retry_incident(incident_id)
        return bool(incidents)
    return retry


def count(chosen: Filter) -> int:
    return runtime().queries.instances(process=chosen.process or None, status=chosen.status or None,
                                       key_start=chosen.business_key or None, limit=1)[1]
