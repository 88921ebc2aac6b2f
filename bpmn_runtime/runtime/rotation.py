"""`rotate-key`: seal every stored value again with the current key, in batches, while the engine runs.

Each batch is a short transaction of its own, so workers and the web app go on meanwhile. A value is
replaced only if it is still what the batch read: an instance's state only at the version read (the
rotation does not raise the version, so a writer that loaded the instance before saves as usual), a history
payload or audit detail only if unchanged. A value a writer changed meanwhile was written with the current
key already, unless that writer still has the old key as its current one; such values are tried once more
at the end and counted as left over, so that running the command again finishes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import Connection, Table, select, update

from bpmn_runtime.runtime import audit
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.runtime.stored_state import STATE_ROWS
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store import encryption
from bpmn_runtime.store.encryption import Encryption, EncryptionError
from bpmn_runtime.store.tables import AuditEntry, HistoryEvent, Instance

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEvent.__table__  # type: ignore[assignment]
AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]


@dataclass
class Rotation:
    """What a rotation did: values sealed again per table, and those a writer kept changing (run it again)."""

    key_id: str
    resealed: dict[str, int] = field(default_factory=lambda: {"instances": 0, "state_rows": 0, "history": 0,
                                                               "audit_log": 0})
    left: int = 0


def _instance(connection: Connection, sealing: Encryption, row: Any) -> bool:
    context = encryption.instance_state(row.id)
    result = connection.execute(update(INSTANCES).where(INSTANCES.c.id == row.id, INSTANCES.c.version == row.version)
                                .values(state=sealing.seal(sealing.open(row.state, context), context)))
    return bool(result.rowcount)


def _state_row(connection: Connection, sealing: Encryption, row: Any) -> bool:
    context = encryption.state_row(row.instance_id, row.kind, row.key)
    result = connection.execute(update(STATE_ROWS).where(STATE_ROWS.c.id == row.id, STATE_ROWS.c.data == row.data)
                                .values(data=sealing.seal(sealing.open(row.data, context), context)))
    return bool(result.rowcount)


def _history(connection: Connection, sealing: Encryption, row: Any) -> bool:
    context = encryption.history_data(row.instance_id, row.kind, row.element_id, row.activity_instance)
    result = connection.execute(update(HISTORY).where(HISTORY.c.id == row.id, HISTORY.c.data == row.data)
                                .values(data=sealing.seal(sealing.open(row.data, context), context)))
    return bool(result.rowcount)


_Reseal = Callable[[Connection, Encryption, Any], bool]
# table name, its rows (the column holding the value last), and how one row is sealed again
TABLES: tuple[tuple[str, Any, _Reseal], ...] = (
    ("instances", select(INSTANCES.c.id, INSTANCES.c.version, INSTANCES.c.state), _instance),
    ("state_rows", select(STATE_ROWS.c.id, STATE_ROWS.c.instance_id, STATE_ROWS.c.kind, STATE_ROWS.c.key,
                          STATE_ROWS.c.data), _state_row),
    ("history", select(HISTORY.c.id, HISTORY.c.instance_id, HISTORY.c.kind, HISTORY.c.element_id,
                       HISTORY.c.activity_instance, HISTORY.c.data).where(HISTORY.c.data.is_not(None)), _history),
    ("audit_log", select(AUDIT).where(AUDIT.c.detail.is_not(None)), audit.reseal),
)


def rotate(runtime: "Runtime", *, batch: int = 500, actor: Actor = PROGRAM,
           progress: Callable[[str, int], None] | None = None) -> Rotation:
    """Seal every instance state, history payload and audit detail not sealed with the current key again."""
    sealing = runtime.database.encryption
    if sealing.current_id is None:
        raise EncryptionError("rotate-key seals values with the current key, and none is set: set "
                              "BPMN_RUNTIME_ENCRYPTION_KEY to the new key and BPMN_RUNTIME_ENCRYPTION_OLD_KEYS to the "
                              "old ones")
    done = Rotation(sealing.current_id)
    engine = runtime.database.engine
    for name, rows, reseal in TABLES:
        id_column = rows.selected_columns[0]
        after, skipped = 0, []
        while True:
            with engine.begin() as connection:
                found = connection.execute(rows.where(id_column > after).order_by(id_column).limit(batch)).all()
                for row in found:
                    if sealing.is_current(row[-1]):
                        continue
                    if reseal(connection, sealing, row):
                        done.resealed[name] += 1
                    else:
                        skipped.append(row.id)
            if not found:
                break
            after = found[-1].id
            if progress is not None:
                progress(name, done.resealed[name])
        if skipped:
            with engine.begin() as connection:
                for row in connection.execute(rows.where(id_column.in_(skipped))).all():
                    if sealing.is_current(row[-1]):
                        continue
                    if reseal(connection, sealing, row):
                        done.resealed[name] += 1
                    else:
                        done.left += 1

    def record(unit: UnitOfWork) -> None:
        unit.actor = actor
        unit.audit("encryption.rotate", detail={"key": done.key_id, **done.resealed, "left": done.left})
    runtime.transactions.run(record, "rotate_key")
    return done
