"""The one order in which a call takes row locks on PostgreSQL, so that two calls never wait for each other
in a circle: first the row of the instance a call changes, then the rows of that instance's waits (its
jobs, subscriptions and user tasks).

Saving an instance updates its row and then deletes and inserts wait rows, so a call that locked a wait
row first (the subscription a message found, the timer a worker fired) and the instance second could
deadlock with a call doing the reverse. Every call that picks a wait row therefore finds it without a
lock, locks its instance, and then locks the wait row and checks it is still what it found. Effects on
other instances (a thrown message, a child's end) lock those instances after the first one; such
chains are rare, and a deadlock among them is retried as a conflict.

A message and the subscriptions waiting for it meet through a lock of their own (`lock_message`), since
under READ COMMITTED neither sees the other's uncommitted row: publishing (and correlating) a message takes
it alone before it looks for a taker, and opening a subscription, or an instance's end freeing a correlation
key for a message start event, takes it shared before it looks into the buffer. Publishing takes it before
the instance it finds, the other calls after their own instance: a deadlock that crossing order could
make needs an instance that waits for the message already while it opens a second wait for it (or ends),
and is retried as a conflict.

SQLite needs none of this: `BEGIN IMMEDIATE` lets one writer in at a time.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import Integer, bindparam, func, select

from bpmn_runtime.store import statements
from bpmn_runtime.store.statements import DriverStatement

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork


def lock_instance(unit: "UnitOfWork", instance_id: int, *, skip_locked: bool = False) -> bool:
    """Lock the row of instance `instance_id` for this transaction; with `skip_locked`, give up at once
    (False) when another transaction holds it. False too when there is no such instance."""
    if unit.runtime.database.is_sqlite:
        return True
    return statements.LOCK_INSTANCE[skip_locked].one_or_none(unit.connection, {"instance_id": instance_id}) is not None


MESSAGE_LOCK_CLASS = 0x4D534742  # "MSGB": PostgreSQL keeps two-number advisory locks apart from one-number ones
LOCK_MESSAGE = {exclusive: DriverStatement(select(
    (func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared)(
        bindparam("lock_class", type_=Integer), bindparam("lock_key", type_=Integer))))
    for exclusive in (False, True)}


def lock_message(unit: "UnitOfWork", name: str, keys: Iterable[str | None], *, exclusive: bool) -> None:
    """Hold, until this transaction ends, the lock of message `name` for each correlation key of `keys` (None:
    without a key): `exclusive` to publish it, shared to look for it in the buffer (see above)."""
    if unit.runtime.database.is_sqlite:
        return
    for lock_key in sorted({_message_lock_key(name, key) for key in keys}):  # one order: no circle among them
        LOCK_MESSAGE[exclusive].execute(unit.connection, {"lock_class": MESSAGE_LOCK_CLASS,
                                                          "lock_key": lock_key}).close()


def _message_lock_key(name: str, key: str | None) -> int:
    """A 32-bit number for a message name and correlation key; two pairs sharing one only wait for each other."""
    text = f"{name}\x00{'' if key is None else chr(1) + key}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big", signed=True)
