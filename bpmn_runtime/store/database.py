"""Opening the database: SQLite (WAL) by default, any SQLAlchemy URL otherwise; migrations run on open."""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from typing import Any, Iterator, Sequence

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from bpmn_runtime.store.encryption import KEY_ENV, KEY_FILE_ENV, Encryption, EncryptionError
from bpmn_runtime.store.tables import Setting

DEFAULT_DB = "bpmn-runtime.db"
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_SECONDS = 30  # how long a SQLite writer waits for the write lock before its call is refused
IDLE_PING_SECONDS = 1.0  # a pooled PostgreSQL connection idle this long is pinged before use
IDLE_SINCE = "bpmn_idle_since"  # where a pooled connection's record keeps when it was last given back
READ_ONLY = "bpmn_read_only"  # the execution option of `Database.reading`'s connections on SQLite
ENCRYPTED = "values_encrypted"  # the setting a keyed runtime leaves: every later one must have a key too


def database_url(value: str | None = None) -> str:
    """`--db`, else BPMN_RUNTIME_DB, else `bpmn-runtime.db` here; a plain path means a SQLite file."""
    value = value or os.environ.get("BPMN_RUNTIME_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed step survives a process crash
    # Checkpoint (copy the WAL into the database file, with an fsync) every ~40 MB instead of every 4 MB:
    # the fsync is the dearest part of a checkpoint, and pages written many times are copied once.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite)
        # SQLite takes the write lock at BEGIN IMMEDIATE, so concurrent writers queue instead of deadlocking;
        # a read (`Database.reading`) begins deferred: WAL gives it a snapshot without waiting for writers.
        event.listen(engine, "begin", lambda connection: driver_execute(
            connection, "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"))

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20)
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Make sure a pooled connection that sat idle for IDLE_PING_SECONDS still answers before it is handed
    out; a dead one is replaced (`DisconnectionError` makes the pool connect anew).

    SQLAlchemy's `pool_pre_ping` does this on every checkout: a round trip per call, which costs more than
    the call itself on a busy worker. A connection in steady use is not pinged: if the server went away
    meanwhile, its first statement fails as a lost connection, which invalidates every connection of the
    pool opened before it (see `driver_execute`) and lets `Transactions` try the call again.
    """
    dbapi_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except dbapi_error as error:
            raise DisconnectionError(f"the pooled connection no longer answers: {error}") from error


def driver_execute(connection: Connection, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> DBAPICursor:
    """Run `sql` on the driver's cursor of `connection`, raising SQLAlchemy's exceptions as it would.

    For the few small statements of every runtime call (see `statements`), whose cost SQLAlchemy's
    execution machinery would multiply; no SQLAlchemy events or logging run for them.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy's own execution does: a lost connection is invalidated, so the pool drops it and
        # the caller can tell an outage from a refused statement (`DBAPIError.connection_invalidated`).
        pooled = connection.connection
        lost = connection.dialect.is_disconnect(error, pooled.dbapi_connection, cursor)
        if lost:
            connection.engine.pool._invalidate(pooled, error)  # the others of its generation are likely gone too
            connection.invalidate(error)
        raise DBAPIError.instance(sql, parameters, error, connection.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=connection.dialect) from error
    return cursor


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The engine and session factory of one database, and how its values are sealed (`encryption`: the
    keys of the environment unless given)."""

    def __init__(self, url: str | None = None, *, run_migrations: bool = True,
                 encryption: Encryption | None = None) -> None:
        self.url = database_url(url)
        self.encryption = encryption if encryption is not None else Encryption.from_environment()
        self.engine = open_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reads = self.engine.execution_options(**{READ_ONLY: True})
        self._writer = threading.RLock() if self.is_sqlite else None
        if run_migrations:
            migrate(self.engine)
            self._check_encryption()

    def _check_encryption(self) -> None:
        """Once values are sealed, a node started without the key must not write new ones in clear: it is
        refused here (a process that migrates is one that starts a node)."""
        with self.sessions() as session:
            marked = session.execute(select(Setting.value).where(Setting.name == ENCRYPTED)).scalar()
            if self.encryption.enabled and marked is None:
                session.add(Setting(name=ENCRYPTED, value="yes"))
                try:
                    session.commit()
                except DBAPIError:  # another node marked it at the same moment
                    session.rollback()
            elif not self.encryption.enabled and marked is not None:
                self.engine.dispose()
                raise EncryptionError(f"this database stores values encrypted: set {KEY_ENV} (or {KEY_FILE_ENV}) "
                                      f"to its key")

    def session(self) -> Session:
        return self.sessions()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for a read of one statement run by the driver (`driver_execute`), which is its own
        transaction: for a lookup done on every request (an API token, say). On SQLite it does not take the
        write lock, so it never queues behind the writers. On PostgreSQL the driver runs it in autocommit: one
        round trip instead of three (BEGIN, the read, ROLLBACK). Autocommit is switched on the driver's
        connection, not through SQLAlchemy's isolation level, whose reset would cost a round trip of its own."""
        with self._reads.connect() as connection:
            driver = connection.connection.dbapi_connection
            if self.is_sqlite or driver is None:
                yield connection
                return
            driver.rollback()  # ends what the ping at checkout began (`_ping_when_idle`); otherwise sends nothing
            driver.autocommit = True
            try:
                yield connection
            finally:
                if connection.connection.dbapi_connection is driver:  # not replaced after a lost connection
                    driver.autocommit = False

    @contextlib.contextmanager
    def one_writer(self) -> Iterator[None]:
        """Around a write transaction on SQLite: this process's threads take turns on a lock of their own.

        SQLite lets one writer in at a time; a connection that finds the write lock taken polls for it, sleeping
        up to 100 ms between tries (its busy handler), so threads of one server that all write would mostly
        sleep, and the unlucky ones for hundreds of milliseconds. Queued on a Python lock instead, the next
        thread goes the moment the last one commits. Other processes still meet at SQLite's lock; a thread that
        waited BUSY_SECONDS goes on to SQLite's lock too, which then decides as it would have. The lock is
        reentrant: a transaction a thread opens inside its own fails at SQLite's lock, as before."""
        if self._writer is None:
            yield
            return
        taken = self._writer.acquire(timeout=BUSY_SECONDS)
        try:
            yield
        finally:
            if taken:
                self._writer.release()

    def dispose(self) -> None:
        self.engine.dispose()
