"""The statements nearly every runtime call runs: load and save an instance, its history and wait rows.

They are SQLAlchemy Core statements built once (so each is compiled once per dialect and found in the
compiled cache afterwards) and run on the session's connection without the ORM, whose per-call work
costs more than SQLite itself on this path. They bypass the session's identity map: a unit of work must
not hold ORM objects of the rows they delete (user tasks, jobs, subscriptions) and change them after.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Connection, Dialect, Table, bindparam, delete, insert, select, update

from bpmn_runtime.store.tables import Definition, HistoryEvent, Instance, Job, Subscription, UserTask

INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
DEFINITIONS: Table = Definition.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEvent.__table__  # type: ignore[assignment]
WAIT_TABLES: dict[str, Table] = {"user_task": UserTask.__table__, "job": Job.__table__,  # type: ignore[dict-item]
                                 "subscription": Subscription.__table__}

LOAD_INSTANCE = select(INSTANCES.c.id, INSTANCES.c.version, INSTANCES.c.definition_id, INSTANCES.c.process_key,
                       INSTANCES.c.business_key, INSTANCES.c.parent_id, INSTANCES.c.parent_wait,
                       INSTANCES.c.state).where(INSTANCES.c.id == bindparam("instance_id"))
INSERT_INSTANCE = insert(INSTANCES).returning(INSTANCES.c.id)
SAVE_INSTANCE = update(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id"),
                                        INSTANCES.c.version == bindparam("loaded_version"))
LATEST_DEFINITION = select(DEFINITIONS.c.id, DEFINITIONS.c.key, DEFINITIONS.c.version) \
    .where(DEFINITIONS.c.key == bindparam("key")).order_by(DEFINITIONS.c.version.desc()).limit(1)
DEFINITION_VERSION = select(DEFINITIONS.c.id, DEFINITIONS.c.key, DEFINITIONS.c.version) \
    .where(DEFINITIONS.c.key == bindparam("key"), DEFINITIONS.c.version == bindparam("version"))
INSERT_WAITS = {kind: insert(table) for kind, table in WAIT_TABLES.items()}
DELETE_WAITS = {kind: delete(table).where(table.c.instance_id == bindparam("instance_id"),
                                          table.c.wait_key.in_(bindparam("keys", expanding=True)))
                for kind, table in WAIT_TABLES.items()}

HistoryRow = tuple[str, "str | None", "int | None", "dict[str, Any] | None"]  # kind, element, activity instance, data
_HISTORY_COLUMNS = ("instance_id", "at", "kind", "element_id", "activity_instance", "data")


class _HistoryInsert:
    """The history INSERT as the driver runs it, compiled once per dialect."""

    def __init__(self, dialect: Dialect) -> None:
        compiled = insert(HISTORY).compile(dialect=dialect, column_keys=list(_HISTORY_COLUMNS))
        self.sql = compiled.string
        self.positional = compiled.positional
        self.order = [_HISTORY_COLUMNS.index(name) for name in compiled.positiontup or _HISTORY_COLUMNS]
        processors = [HISTORY.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _HISTORY_COLUMNS]
        if any(processors[2:]):
            raise NotImplementedError(f"history columns need conversion on {dialect.name}")
        self.processors: list[Callable[[Any], Any] | None] = processors[:2]


_history_inserts: dict[str, _HistoryInsert] = {}


def insert_history(connection: Connection, instance_id: int, at: datetime, events: Sequence[HistoryRow]) -> None:
    """Append the history rows of one step with a single executemany by the driver.

    SQLAlchemy converts every parameter of every row on its own; the rows of one step share the
    instance and the time, so those two are converted once and the rest are plain text and integers.
    """
    dialect = connection.dialect
    compiled = _history_inserts.get(dialect.name)
    if compiled is None:
        compiled = _history_inserts[dialect.name] = _HistoryInsert(dialect)
    shared = [processor(value) if processor else value
              for processor, value in zip(compiled.processors, (instance_id, at))]
    rows = [(shared[0], shared[1], kind, element, ai, json.dumps(data) if data else None)
            for kind, element, ai, data in events]
    if compiled.positional:
        parameters: list[Any] = [tuple(row[i] for i in compiled.order) for row in rows]
    else:
        parameters = [dict(zip(_HISTORY_COLUMNS, row)) for row in rows]
    connection.exec_driver_sql(compiled.sql, parameters)
