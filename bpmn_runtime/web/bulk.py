"""Bulk actions of the console over the instances a filter matches: retry their incidents, cancel, suspend,
resume or migrate them to another version of their process. The operator confirms first (how many, which
filter); the work then runs in batches of BATCH instances, each instance in a transaction of its own, and a
page after each batch says how far it got and goes on when asked (no script runs on pages, so there is no
background progress bar to poll).

An instance the action does not apply to (already ended, already suspended) is counted as skipped, with
why; the walk goes by instance id, so instances that change meanwhile are neither skipped nor repeated.

A migration is checked first (`dry_run`: what would move where, what stands in the way, grouped), then runs
through the runtime's migration, which checks each instance again; one that cannot be migrated is skipped.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from flask import request

from bpmn_runtime.errors import Conflict, InvalidInput, NotFound
from bpmn_runtime.runtime.migration import MigrationRefused, parse_mapping
from bpmn_runtime.web.openapi import MAX_VERSION
from bpmn_runtime.web.paging import whole_number
from bpmn_runtime.web.services import actor, runtime

BATCH = 50
MAX_ID = 2**63 - 1
DRY_RUN_LIMIT = 5000  # instances one dry run checks; the run checks each instance again anyway
ACTIONS = {"retry": "Retry the incidents of", "suspend": "Suspend", "resume": "Resume", "cancel": "Cancel",
           "migrate": "Migrate"}
DONE = {"retry": "retried", "suspend": "suspended", "resume": "resumed", "cancel": "cancelled",
        "migrate": "migrated"}


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


@dataclass(frozen=True)
class Migration:
    """Where a bulk migration goes: a version of the filter's process, and element ids to map (OLD=NEW a line)."""

    version: int
    mapping_text: str  # as typed, carried from page to page
    mapping: dict[str, str]


@dataclass
class DryRun:
    """What migrating the matching instances would do: counts, and the moves and problems with how many
    instances each concerns."""

    checked: int = 0
    migratable: int = 0
    refused: int = 0  # cannot be migrated as asked
    already: int = 0  # run the target version already
    ended: int = 0
    complete: bool = True  # False when more than DRY_RUN_LIMIT matched and only those were checked
    moves: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)


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


def read_migration(chosen: Filter) -> Migration:
    """The migration the form asks for; InvalidInput unless the filter names a process and the version is one
    of its deployed versions, and the mapping is OLD_ID=NEW_ID lines."""
    require_process(chosen)
    version = whole_number(request.values.get("version", ""), MAX_VERSION)
    if version is None or version not in versions(chosen.process):
        raise InvalidInput(f"Choose a deployed version of process '{chosen.process}' to migrate to.")
    text = request.values.get("mapping", "").strip()
    return Migration(version, text, parse_mapping([line for line in text.splitlines() if line.strip()]))


def require_process(chosen: Filter) -> None:
    """InvalidInput unless the filter names the process whose versions a migration goes to."""
    if not chosen.process:
        raise InvalidInput("Choose a process in the filter first: instances are migrated to a version of their "
                           "own process.")


def versions(process_key: str) -> list[int]:
    """The deployed versions of a process, newest first."""
    return [d["version"] for d in runtime().queries.definitions() if d["key"] == process_key]


def dry_run(chosen: Filter, migration: Migration) -> DryRun:
    """Check migrating every instance the filter matches (up to DRY_RUN_LIMIT), changing nothing."""
    found, after = DryRun(), 0
    while found.checked < DRY_RUN_LIMIT:
        ids = _matching(chosen, after, min(BATCH, DRY_RUN_LIMIT - found.checked))
        if not ids:
            break
        for plan in runtime().migrate(ids, migration.version, migration.mapping, dry_run=True, batch=BATCH,
                                      actor=actor()):
            found.checked += 1
            found.ended += bool(plan.left_as_is)
            found.refused += bool(plan.problems)
            found.already += plan.from_version == plan.to_version and not plan.left_as_is
            found.migratable += not (plan.problems or plan.left_as_is or plan.from_version == plan.to_version)
            found.problems.update(plan.problems)
            if not plan.problems and plan.from_version != plan.to_version:
                found.moves.update(plan.moves)
        after = ids[-1]
    found.complete = not _matching(chosen, after, 1)
    return found


def _matching(chosen: Filter, after: int, limit: int) -> list[int]:
    return runtime().queries.instance_ids(process=chosen.process or None, status=chosen.status or None,
                                          key_start=chosen.business_key or None, after=after, limit=limit)


def run_batch(act: Callable[[int], bool], chosen: Filter, progress: Progress) -> Progress:
    """Apply `act` to the next BATCH instances the filter matches; the progress after them."""
    ids = _matching(chosen, progress.after, BATCH)
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


def action(name: str, reason: str) -> Callable[[int], bool]:
    """What the action does to one instance, as the signed-in operator; True when it changed it."""
    engine, operator = runtime(), actor()
    if name == "cancel":
        def cancel(instance_id: int) -> bool:
            engine.cancel(instance_id, reason, actor=operator)
            return True
        return cancel
    if name in ("suspend", "resume"):
        return lambda instance_id: bool(engine.suspend([instance_id], suspended=name == "suspend", actor=operator))

    def retry(instance_id: int) -> bool:
        incidents = engine.queries.open_incident_ids(instance_id)
        for incident_id in incidents:
            engine.retry_incident(incident_id, actor=operator)
        return bool(incidents)
    return retry


def migrating(migration: Migration) -> Callable[[int], bool]:
    """Migrate one instance through the runtime's migration (checked again there); True when it moved. One
    that cannot be migrated, or has ended, is a Conflict saying why; one on the version already is skipped."""
    engine, operator = runtime(), actor()

    def migrate(instance_id: int) -> bool:
        try:
            [plan] = engine.migrate([instance_id], migration.version, migration.mapping, actor=operator)
        except MigrationRefused as refused:
            raise Conflict("; ".join(refused.plans[0].problems)) from refused
        if plan.left_as_is:
            raise Conflict(plan.left_as_is)
        return plan.from_version != plan.to_version
    return migrate


def count(chosen: Filter) -> int:
    return runtime().queries.instances(process=chosen.process or None, status=chosen.status or None,
                                       key_start=chosen.business_key or None, limit=1)[1]
