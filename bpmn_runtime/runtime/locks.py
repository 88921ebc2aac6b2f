"""The one order in which a call takes row locks on PostgreSQL, so that two calls never wait for each other
in a circle: first the row of the instance a call changes, then the rows of that instance's waits (its
jobs, subscriptions and user tasks).

Saving an instance updates its row and then deletes and inserts wait rows, so a call that locked a wait
row first (the subscription a message found, the timer a worker fired) and the instance second could
deadlock with a call doing the reverse. Every call that picks a wait row therefore finds it without a
lock, locks its instance, and then locks the wait row and checks it is still what it found. Effects on
other instances (a thrown message, a child's end) lock those instances after the first one; such
chains are rare, and a deadlock among them is retried as a conflict.

SQLite needs none of this: `BEGIN IMMEDIATE` lets one writer in at a time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bpmn_runtime.store import statements

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork


def lock_instance(unit: "UnitOfWork", instance_id: int, *, skip_locked: bool = False) -> bool:
    """Lock the row of instance `instance_id` for this transaction; with `skip_locked`, give up at once
    (False) when another transaction holds it. False too when there is no such instance."""
    if unit.runtime.database.is_sqlite:
        return True
    return statements.LOCK_INSTANCE[skip_locked].one_or_none(unit.connection, {"instance_id": instance_id}) is not None

