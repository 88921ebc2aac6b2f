"""An instance's state in the database: its document in `instances.state` and, for a large state, the rows of its
activity instances, waits, large values and multi-instance results in `state_rows` (see `engine.state_format.store`),
each sealed by the encryption at rest with its own associated data."""
from __future__ import annotations

from sqlalchemy import Connection, Dialect, Table, bindparam, select

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.state import InstanceState
from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.store import encryption
from bpmn_runtime.store.database import driver_execute
from bpmn_runtime.store.encryption import Encryption
from bpmn_runtime.store.tables import Instance, StateRow

STATE_ROWS: Table = StateRow.__table__  # type: ignore[assignment]
INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
_READ = select(STATE_ROWS.c.kind, STATE_ROWS.c.key, STATE_ROWS.c.data).where(
    STATE_ROWS.c.instance_id == bindparam("instance_id")).order_by(STATE_ROWS.c.kind, STATE_ROWS.c.key)
_VERSION = select(INSTANCES.c.version).where(INSTANCES.c.id == bindparam("instance_id"))
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_ROWS_PER_STATEMENT = 100  # 400 parameters, well under every driver's limit


class _RowStatements:
    """The SQL of one dialect that writes an instance's state rows on the driver (a step writes a few rows; the
    execution machinery of SQLAlchemy would cost more than the database does): delete all of them, delete some, and
    insert or replace some, each for any number of rows up to `_ROWS_PER_STATEMENT` in one statement."""

    def __init__(self, dialect: Dialect) -> None:
        if any(column.type.dialect_impl(dialect).bind_processor(dialect) for column in STATE_ROWS.columns):
            raise NotImplementedError(f"the state rows need values converted on {dialect.name}")
        mark, quote = _PLACEHOLDERS[dialect.paramstyle], dialect.identifier_preparer.quote
        table, key = dialect.identifier_preparer.format_table(STATE_ROWS), quote("key")
        self.delete_all = f"DELETE FROM {table} WHERE instance_id = {mark}"
        self.delete = f"DELETE FROM {table} WHERE "
        # each row by its whole unique key, so that SQLite finds each in the index (not all of the instance's rows)
        self.one_key = f"(instance_id = {mark} AND kind = {mark} AND {key} = {mark})"
        self.insert = f"INSERT INTO {table} (instance_id, kind, {key}, data) VALUES "
        self.one_row = f"({mark}, {mark}, {mark}, {mark})"
        self.replace = f" ON CONFLICT (instance_id, kind, {key}) DO UPDATE SET data = excluded.data"


_statements: dict[str, _RowStatements] = {}


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
    """Write the rows `stored` says changed (nothing for a state kept whole in its document): one statement for the
    rows that went and one for those written (up to `_ROWS_PER_STATEMENT` each), the latter replacing the rows of
    the same kind and key."""
    if stored.rewrite is None:
        return
    sql = _statements.get(connection.dialect.name)
    if sql is None:
        sql = _statements[connection.dialect.name] = _RowStatements(connection.dialect)
    if stored.rewrite:
        driver_execute(connection, sql.delete_all, [instance_id]).close()
    for start in range(0, len(stored.gone), _ROWS_PER_STATEMENT):
        gone = stored.gone[start:start + _ROWS_PER_STATEMENT]
        driver_execute(connection, sql.delete + " OR ".join([sql.one_key] * len(gone)),
                       [value for kind, key in gone for value in (instance_id, kind, key)]).close()
    for start in range(0, len(stored.rows), _ROWS_PER_STATEMENT):
        rows = stored.rows[start:start + _ROWS_PER_STATEMENT]
        values: list[object] = []
        for kind, key, data in rows:
            values += (instance_id, kind, key, sealing.seal(data, encryption.state_row(instance_id, kind, key)))
        driver_execute(connection, sql.insert + ",".join([sql.one_row] * len(rows)) + sql.replace, values).close()
