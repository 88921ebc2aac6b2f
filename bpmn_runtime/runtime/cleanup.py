"""History cleanup: ended instances are removed with everything kept about them (history, incidents, ended
tasks, jobs) once their process version's time to live has passed since they ended, in batches, each batch
one short transaction, so a large backlog never holds a long lock.

A version's time to live is the model's `camunda:historyTimeToLive` (days, or an ISO duration of days such
as `P30D`), read at deployment; without one, the installation's default (`BPMN_RUNTIME_HISTORY_DAYS` or
`cleanup --default-days`); without that either, the version's instances are kept. A running instance is
never removed, and neither is an ended one whose caller still runs (it would lose its link).
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased

from bpmn_runtime.store.tables import Definition, EndedTask, HistoryEvent, Incident, Instance, Job, StateRow, Subscription, UserTask

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

LONGEST_DAYS = 365 * 1000
_DAYS = re.compile(r"\s*(?:P(\d{1,7})D|(\d{1,7}))\s*")


def time_to_live(value: str | None) -> int | None:
    """Days from a camunda:historyTimeToLive value ('30' or 'P30D'); None when absent or not such a value."""
    found = _DAYS.fullmatch(value or "")
    if found is None:
        return None
    days = int(found.group(1) or found.group(2))
    return days if days <= LONGEST_DAYS else None


def remove_batch(unit: "UnitOfWork", default_days: int | None, batch: int) -> list[int]:
    """Remove up to `batch` ended instances past their version's time to live, oldest first; their ids.
    Versions are few: each is asked for its own instances ended before its own cutoff."""
    versions = unit.connection.execute(select(Definition.id, Definition.history_ttl_days)).all()
    parent = aliased(Instance)
    removable: list[int] = []
    for version_id, days in versions:
        days = days if days is not None else default_days
        if days is None or len(removable) >= batch:
            continue
        cutoff = unit.now - timedelta(days=days)
        removable += unit.connection.execute(select(Instance.id).where(
            Instance.definition_id == version_id, Instance.ended_at.is_not(None), Instance.ended_at <= cutoff,
            Instance.status != "active",
            ~exists().where(parent.id == Instance.parent_id, parent.status == "active"))
            .order_by(Instance.ended_at, Instance.id).limit(batch - len(removable))).scalars()
    if removable:
        for column in (HistoryEvent.instance_id, Incident.instance_id, EndedTask.instance_id, Job.instance_id,
                       Subscription.instance_id, UserTask.instance_id, StateRow.instance_id):
            unit.connection.execute(delete(column.table).where(column.in_(removable)))
        unit.connection.execute(delete(Instance).where(Instance.id.in_(removable), Instance.status != "active"))
    return removable
