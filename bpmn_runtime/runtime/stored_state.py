"""An instance's state in the database: its document in `instances.state` and, for a large state, the rows of its
activity instances and waits in `state_rows` (see `engine.state_format.store`), each sealed by the encryption at
rest with its own associated data."""
from __future__ import annotations

from sqlalchemy import Connection, Table, bindparam, delete, insert, select

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.state import InstanceState
from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.store import encryption
from bpmn_runtime.store.encryption import Encryption
from bpmn_runtime.store.tables import Instance, StateRow

STATE_ROWS: Table = StateRow.__table__  # type: ignore[assignment]
INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
_READ = select(STATE_ROWS.c.kind, STATE_ROWS.c.key, STATE_ROWS.c.data).where(
    STATE_ROWS.c.instance_id == bindparam("instance_id")).order_by(STATE_ROWS.c.kind, STATE_ROWS.c.key)
_VERSION = select(INSTANCES.c.version).where(INSTANCES.c.id == bindparam("instance_id"))
_DELETE_ALL = delete(STATE_ROWS).where(STATE_ROWS.c.instance_id == bindparam("instance_id"))
_DELETE = delete(STATE_ROWS).where(STATE_ROWS.c.instance_id == bindparam("instance_id"),
                                   STATE_ROWS.c.kind == bindparam("kind"),
                                   STATE_ROWS.c.key.in_(bindparam("keys", expanding=True)))


class StateMoved(BpmnRuntimeError):
    """The instance was saved between reading its document and its rows (PostgreSQL reads each statement as
    committed when it starts): read both again."""


def opened(connection: Connection, sealing: Encryption, instance_id: int, version: int,
           stored: str) -> tuple[str, InstanceState]:
    """The text of the stored document `stored` of instance `instance_id` at `version`, and the state it and its
    rows hold; `StateMoved` when its rows were written by a later save."""
    text = sealing.open(stored, encryption.instance_state(instance_id))

    def rows() -> list[state_format.Row]:
        found = [(kind, key, sealing.open(data, encryption.state_row(instance_id, kind, key)))
                 for kind, key, data in connection.execute(_READ, {"instance_id": instance_id})]
        if connection.execute(_VERSION, {"instance_id": instance_id}).scalar() != version:
            raise StateMoved(f"process instance {instance_id} was saved while it was read")
        return found
    return text, state_format.loads(text, rows)


def write_rows(connection: Connection, sealing: Encryption, instance_id: int, stored: state_format.Stored) -> None:
    """Write the rows `stored` says changed (nothing for a state kept whole in its document)."""
    if stored.rewrite is None:
        return
    if stored.rewrite:
        connection.execute(_DELETE_ALL, {"instance_id": instance_id})
    else:
        replaced: dict[str, list[int]] = {}
        for kind, key in [*stored.gone, *((kind, key) for kind, key, _ in stored.rows)]:
            replaced.setdefault(kind, []).append(key)
        for kind, keys in replaced.items():
            connection.execute(_DELETE, {"instance_id": instance_id, "kind": kind, "keys": keys})
    if stored.rows:
        connection.execute(insert(STATE_ROWS), [
            {"instance_id": instance_id, "kind": kind, "key": key,
             "data": sealing.seal(data, encryption.state_row(instance_id, kind, key))}
            for kind, key, data in stored.rows])
