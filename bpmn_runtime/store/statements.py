"""The statements nearly every runtime call runs: find a definition, load and save an instance, write its
history and its wait rows.

Each is a SQLAlchemy Core statement. The smallest and most frequent ones are compiled once per dialect
and run on the driver's cursor (`DriverStatement`): for them SQLAlchemy's execution machinery costs
several times what the database needs. The history rows of a call's steps go in one multi-row INSERT. None of
these statements touch the ORM session's identity map: a unit of work must not hold ORM objects of the
rows they delete (user tasks, jobs, subscriptions) and change them afterwards.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from sqlalchemy import ColumnElement, Connection, Dialect, Integer, String, Table, bindparam, case, delete, func, insert, literal, null, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.sql.compiler import SQLCompiler

from bpmn_runtime.store import encryption
from bpmn_runtime.store.database import driver_execute
from bpmn_runtime.store.tables import (
    AuditEntry, Definition, EndedTask, HistoryEvent, Instance, Job, Subscription, UserTask,
)

INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
DEFINITIONS: Table = Definition.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEvent.__table__  # type: ignore[assignment]
AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]
WAIT_TABLES: dict[str, Table] = {"user_task": UserTask.__table__, "job": Job.__table__,  # type: ignore[dict-item]
                                 "subscription": Subscription.__table__}  # type: ignore[dict-item]


class _Bind(NamedTuple):
    name: str
    convert: Callable[[Any], Any] | None
    required: bool
    default: Any  # the value of a bound literal (a LIMIT, say)


class DriverStatement:
    """A Core statement compiled once per dialect and run by the driver, its values converted by the
    column types as SQLAlchemy would. Only for statements whose results need no conversion."""

    def __init__(self, statement: ClauseElement, columns: Sequence[str] = ()) -> None:
        self.statement = statement
        self.columns = list(columns)  # the columns an INSERT or UPDATE sets
        self._compiled: dict[str, tuple[str, list[_Bind], bool]] = {}

    def _compile(self, dialect: Dialect) -> tuple[str, list[_Bind], bool]:
        inserting = isinstance(self.statement, Insert)
        # An INSERT's generated key is not wanted: no implicit RETURNING (what `for_executemany` leaves out).
        compiled = self.statement.compile(dialect=dialect, column_keys=self.columns or None,
                                          for_executemany=inserting)
        assert isinstance(compiled, SQLCompiler)
        for column in getattr(self.statement, "exported_columns", ()):  # what a SELECT or a RETURNING reads
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise NotImplementedError(f"{column} needs conversion when read on {dialect.name}")
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positional else list(by_name)
        defaults = _column_defaults(self.statement) if inserting else {}
        binds = [_Bind(name, by_name[name].type.dialect_impl(dialect).bind_processor(dialect),
                       by_name[name].required, defaults.get(name, by_name[name].value)) for name in names or ()]
        return compiled.string, binds, compiled.positional

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> DBAPICursor:
        dialect = connection.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        sql, binds, positional = found
        converted = []
        done: dict[int, Any] = {}  # a value given to several columns (the time of the call) is converted once
        for name, convert, required, default in binds:
            value = values[name] if required else values.get(name, default)
            if convert is not None:
                if id(value) not in done:
                    done[id(value)] = convert(value)
                value = done[id(value)]
            converted.append((name, value))
        return driver_execute(connection, sql, [value for _, value in converted] if positional else dict(converted))

    def one_or_none(self, connection: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        cursor = self.execute(connection, values)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    def all(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.execute(connection, values)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def rowcount(self, connection: Connection, values: Mapping[str, Any]) -> int:
        cursor = self.execute(connection, values)
        cursor.close()
        return cursor.rowcount


def _column_defaults(statement: ClauseElement) -> dict[str, Any]:
    """The Python-side scalar defaults of the columns an INSERT leaves out (`Column(default=0)`), which
    SQLAlchemy's execution would fill in."""
    table = getattr(statement, "table", None)
    return {column.key: column.default.arg for column in getattr(table, "columns", ())
            if isinstance(column.default, ScalarElementColumnDefault)}


def stored_time(value: datetime | str) -> datetime:
    """A time read from the database as text (SQLite keeps it so; a `DriverStatement` reads it cast to text
    everywhere), in UTC when it carries no zone: every time the runtime writes is UTC."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _instance_columns(state: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """What loading an instance reads of its row (see `UnitOfWork.hold`), with `state` in the place of its state."""
    return (INSTANCES.c.id, INSTANCES.c.version, INSTANCES.c.definition_id, INSTANCES.c.process_key,
            INSTANCES.c.business_key, INSTANCES.c.parent_id, INSTANCES.c.parent_wait, state,
            sql_cast(INSTANCES.c.started_at, String),  # as text: the driver returns it unconverted; parsed when it ends
            INSTANCES.c.traceparent, INSTANCES.c.suspended.cast(Integer))


# What loading an instance reads of its row (see `UnitOfWork.load`): the state only when the caller does not hold
# it at this version already (see `runtime.state_cache`).
INSTANCE_COLUMNS = _instance_columns(case((INSTANCES.c.version == bindparam("held_version"), None),
                                          else_=INSTANCES.c.state))
LOAD_INSTANCE = DriverStatement(select(*INSTANCE_COLUMNS).where(INSTANCES.c.id == bindparam("instance_id")))
LOAD_STATE = DriverStatement(select(INSTANCES.c.state).where(INSTANCES.c.id == bindparam("instance_id"),
                                                             INSTANCES.c.version == bindparam("version")))
INSERT_INSTANCE = DriverStatement(insert(INSTANCES), [
    "id", "definition_id", "process_key", "business_key", "request_key", "status", "version", "state", "parent_id",
    "parent_wait", "started_at", "updated_at", "ended_at", "end_reason", "traceparent"])
SAVE_INSTANCE = DriverStatement(update(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id"),
                                                        INSTANCES.c.version == bindparam("loaded_version")),
                                ["state", "version", "status", "updated_at", "ended_at", "end_reason"])
LATEST_DEFINITION = DriverStatement(select(DEFINITIONS.c.id, DEFINITIONS.c.key, DEFINITIONS.c.version,
                                           DEFINITIONS.c.suspended.cast(Integer))
                                    .where(DEFINITIONS.c.key == bindparam("key"))
                                    .order_by(DEFINITIONS.c.version.desc()).limit(1))
DEFINITION_VERSION = DriverStatement(select(DEFINITIONS.c.id, DEFINITIONS.c.key, DEFINITIONS.c.version,
                                            DEFINITIONS.c.suspended.cast(Integer))
                                     .where(DEFINITIONS.c.key == bindparam("key"),
                                            DEFINITIONS.c.version == bindparam("version")))
_NEXT_INSTANCE_ID = {
    # What SQLite picks itself; no one else can insert meanwhile, the transaction holds the write lock from BEGIN.
    "sqlite": DriverStatement(select(func.coalesce(func.max(INSTANCES.c.id), 0) + 1)),
    "postgresql": DriverStatement(select(func.nextval(func.pg_get_serial_sequence("instances", "id")))),
}
DEFINITION_SOURCE = select(DEFINITIONS.c.xml, DEFINITIONS.c.file_name) \
    .where(DEFINITIONS.c.id == bindparam("definition_id"))
# The columns of the wait rows a step writes (see `UnitOfWork._add_waits`).
WAIT_COLUMNS = {
    "user_task": ("instance_id", "wait_key", "process_key", "business_key", "element_id", "name", "assignee",
                  "candidate_users", "candidate_groups", "due", "follow_up", "priority", "created_at"),
    "job": ("instance_id", "wait_key", "kind", "topic", "element_id", "due_at", "retries", "attempts",
            "idempotency_key", "created_at"),
    "subscription": ("instance_id", "wait_key", "kind", "name", "correlation_key", "element_id", "created_at"),
}
_INSERT_WAIT = {kind: DriverStatement(insert(table), WAIT_COLUMNS[kind]) for kind, table in WAIT_TABLES.items()}
_INSERT_WAITS = {kind: insert(table) for kind, table in WAIT_TABLES.items()}
_DELETE_WAIT = {kind: DriverStatement(delete(table).where(table.c.instance_id == bindparam("instance_id"),
                                                          table.c.wait_key == bindparam("key"))
                                      .returning(table.c.wait_key, sql_cast(table.c.created_at, String)))
                for kind, table in WAIT_TABLES.items()}
_DELETE_WAITS = {kind: delete(table).where(table.c.instance_id == bindparam("instance_id"),
                                           table.c.wait_key.in_(bindparam("keys", expanding=True)))
                 .returning(table.c.wait_key, sql_cast(table.c.created_at, String))
                 for kind, table in WAIT_TABLES.items()}
JOBS: Table = Job.__table__  # type: ignore[assignment]
# Locking an instance's row before its waits' rows (see `runtime.locks`); SQLite compiles FOR UPDATE away.
LOCK_INSTANCE = {skip: DriverStatement(select(INSTANCES.c.id).where(INSTANCES.c.id == bindparam("instance_id"))
                                       .with_for_update(skip_locked=skip)) for skip in (False, True)}
# The job a worker reports on and its instance, both rows read and locked in one round trip, the instance's
# first (see `runtime.locks`): what completing, failing or a BPMN error needs of them. Not the instance's state:
# the instance is known only from this row, and the runtime that reports on a job nearly always holds its state
# at the row's version (`runtime.state_cache`); when it does not, `UnitOfWork.hold` reads it.
HELD_JOB = DriverStatement(select(JOBS.c.id, JOBS.c.instance_id, JOBS.c.wait_key, JOBS.c.topic, JOBS.c.element_id,
                                  JOBS.c.lock_owner, JOBS.c.retries, JOBS.c.attempts, *_instance_columns(null()))
                           .select_from(INSTANCES.join(JOBS, JOBS.c.instance_id == INSTANCES.c.id))
                           .where(JOBS.c.id == bindparam("job_id")).with_for_update(of=[INSTANCES, JOBS]))
# A worker reporting on one job says which job it holds it starts next (see `jobs.mark_started`).
MARK_STARTED = DriverStatement(update(JOBS).where(JOBS.c.id == bindparam("job_id"),
                                                  JOBS.c.lock_owner == bindparam("worker")), ["started_at"])
# A job written in this transaction, locked to a worker as an acquisition would (see `jobs.take`).
TAKE_JOB = DriverStatement(update(JOBS).where(JOBS.c.instance_id == bindparam("instance_id"),
                                              JOBS.c.wait_key == bindparam("wait_key"), JOBS.c.retries > 0,
                                              JOBS.c.lock_owner.is_(None))
                           .values(lock_owner=bindparam("worker"), lock_expires_at=bindparam("expires"),
                                   started_at=bindparam("now"), attempts=JOBS.c.attempts + 1)
                           .returning(JOBS.c.id, JOBS.c.attempts, JOBS.c.idempotency_key))
# Job chaining: the next handler job of an instance, made by the step a worker's completion ran, written
# already locked to that worker (see `jobs.Chain`); its id.
INSERT_TAKEN_JOB = DriverStatement(insert(JOBS).returning(JOBS.c.id),
                                   [*WAIT_COLUMNS["job"], "lock_owner", "lock_expires_at", "started_at"])
# One audit entry per call that changes something (starts too): the compiled statement, not a Core insert.
INSERT_AUDIT = DriverStatement(insert(AUDIT), ["at", "actor", "via", "action", "process_key", "instance_id", "task_id",
                                               "detail"])
_TASKS: Table = UserTask.__table__  # type: ignore[assignment]
_ENDED_TASKS: Table = EndedTask.__table__  # type: ignore[assignment]


def _remember_ended_tasks(key: ColumnElement[bool]) -> Insert:
    return insert(_ENDED_TASKS).from_select(
        ["task_id", "instance_id", "name", "outcome", "ended_at"],
        select(_TASKS.c.id, _TASKS.c.instance_id, _TASKS.c.name, literal("withdrawn"), bindparam("now"))
        .where(_TASKS.c.instance_id == bindparam("instance_id"), key))


# Before user-task rows go, they are remembered as withdrawn; completing one then says it was completed, by whom.
# One task (nearly every step that ends one) on the driver, several in one statement.
REMEMBER_ENDED_TASK = DriverStatement(_remember_ended_tasks(_TASKS.c.wait_key == bindparam("key")))
REMEMBER_ENDED_TASKS = _remember_ended_tasks(_TASKS.c.wait_key.in_(bindparam("keys", expanding=True)))
# The task a person completed: said so, and by whom, instead of withdrawn.
TASK_COMPLETED = DriverStatement(update(_ENDED_TASKS).where(_ENDED_TASKS.c.task_id == bindparam("task_id"))
                                 .values(outcome="completed", ended_by=bindparam("ended_by")))


def remember_ended_tasks(connection: Connection, instance_id: int, keys: Sequence[int], now: datetime) -> None:
    """Remember the user tasks of `keys` as withdrawn, before their rows are deleted."""
    if len(keys) == 1:
        REMEMBER_ENDED_TASK.execute(connection, {"instance_id": instance_id, "key": keys[0], "now": now}).close()
    else:
        connection.execute(REMEMBER_ENDED_TASKS, {"instance_id": instance_id, "keys": list(keys), "now": now})


def insert_waits(connection: Connection, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert wait rows of one table (`WAIT_COLUMNS`): the one row of nearly every step on the driver,
    several in the one multi-row INSERT SQLAlchemy makes of them."""
    if len(rows) == 1:
        _INSERT_WAIT[kind].execute(connection, rows[0]).close()
    else:
        connection.execute(_INSERT_WAITS[kind], list(rows))


def delete_waits(connection: Connection, kind: str, instance_id: int, keys: Sequence[int]) -> list[tuple[int, datetime]]:
    """Delete the wait rows of `keys` from one table; each deleted row's key and since when it waited (for
    the activity durations). One key (nearly every step) on the driver, several in one statement."""
    if len(keys) == 1:
        rows = _DELETE_WAIT[kind].all(connection, {"instance_id": instance_id, "key": keys[0]})
    else:
        rows = [tuple(row) for row in connection.execute(_DELETE_WAITS[kind], {"instance_id": instance_id,
                                                                               "keys": list(keys)})]
    return [(key, stored_time(since)) for key, since in rows]


def new_instance_id(connection: Connection) -> int:
    """The id of an instance about to be inserted, known before its first step runs (script runners get it)."""
    statement = _NEXT_INSTANCE_ID.get(connection.dialect.name)
    if statement is None:
        raise NotImplementedError(f"bpmn-runtime stores instances in SQLite or PostgreSQL, "
                                  f"not {connection.dialect.name}")
    row = statement.one_or_none(connection, {})
    assert row is not None
    return int(row[0])


HistoryRow = tuple[str, "str | None", "int | None", "dict[str, Any] | None"]  # kind, element, activity instance, data
_HISTORY_COLUMNS = ("instance_id", "at", "kind", "element_id", "activity_instance", "data")
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_ROWS_PER_INSERT = 100  # 600 parameters, well under every driver's limit


class _HistoryInsert:
    """The multi-row history INSERT of one dialect: its SQL up to VALUES, a row's placeholders, conversions."""

    def __init__(self, dialect: Dialect) -> None:
        quote = dialect.identifier_preparer.quote
        self.prefix = (f"INSERT INTO {dialect.identifier_preparer.format_table(HISTORY)} "
                       f"({', '.join(quote(name) for name in _HISTORY_COLUMNS)}) VALUES ")
        placeholder = _PLACEHOLDERS[dialect.paramstyle]
        self.row = f"({', '.join([placeholder] * len(_HISTORY_COLUMNS))})"
        processors = [HISTORY.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _HISTORY_COLUMNS]
        self.shared = processors[:2]  # instance_id and at: the same in every row of a step
        self.supported = not any(processors[2:])


_history_inserts: dict[str, _HistoryInsert] = {}


def _payload(sealing: encryption.Encryption, instance_id: int, event: HistoryRow) -> str | None:
    kind, element, ai, data = event
    if not data:
        return None
    return sealing.seal(json.dumps(data), encryption.history_data(instance_id, kind, element, ai))


def insert_history(connection: Connection, at: datetime, steps: Sequence[tuple[int, Sequence[HistoryRow]]],
                   sealing: encryption.Encryption = encryption.NO_ENCRYPTION) -> None:
    """Append the history rows of the steps of one call (instance id, its rows), in order, with as few
    statements as the driver allows; their payloads sealed by `sealing`."""
    rows = [(instance_id, event) for instance_id, events in steps for event in events]
    dialect = connection.dialect
    compiled = _history_inserts.get(dialect.name)
    if compiled is None and dialect.paramstyle in _PLACEHOLDERS:
        compiled = _history_inserts[dialect.name] = _HistoryInsert(dialect)
    if compiled is None or not compiled.supported:
        connection.execute(insert(HISTORY), [dict(zip(_HISTORY_COLUMNS, (instance_id, at, *event[:3],
                                                                         _payload(sealing, instance_id, event))))
                                             for instance_id, event in rows])
        return
    convert_instance, convert_time = compiled.shared
    when = convert_time(at) if convert_time else at
    values: list[Any] = []
    for instance_id, event in rows:
        values += (convert_instance(instance_id) if convert_instance else instance_id, when, *event[:3],
                   _payload(sealing, instance_id, event) if event[3] else None)  # most rows carry no data
    width = len(_HISTORY_COLUMNS)
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        count = min(_ROWS_PER_INSERT, len(rows) - start)
        driver_execute(connection, compiled.prefix + ",".join([compiled.row] * count),
                       values[start * width:(start + count) * width]).close()
