"""One runtime call, one database transaction: retried from scratch when another writer changed the same
instance meanwhile, with its metrics and log lines published once, after the transaction committed.

A call that is retried must not count twice: work inside a transaction only *queues* what it would tell the
outside world (`UnitOfWork.after_commit`), and the queue of the attempt that committed is the one that runs.

A lost database connection never reaches the caller as a driver error. Lost before the commit was sent,
the call changed nothing, so it is tried again for a while (`Runtime.reconnect_seconds`) and then refused
with `DatabaseUnavailable(may_have_changed=False)`. Lost while committing, nobody can know whether the
commit happened: a call that is safe to repeat (`repeatable`, such as a start with a request key) is
repeated, any other is refused with `may_have_changed=True` so that its caller decides.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError

from bpmn_runtime.errors import Conflict, DatabaseUnavailable
from bpmn_runtime.runtime.unit_of_work import StaleInstance, UnitOfWork

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime
    from bpmn_runtime.tracing import Call

log = logging.getLogger("bpmn_runtime")
T = TypeVar("T")
TRANSIENT_PG_CODES = {"40001", "40P01"}  # serialization failure, deadlock detected
MAX_PAUSE_SECONDS = 1.0  # between two tries to reach a database that went away


def is_transient(error: OperationalError) -> bool:
    """A failure that the same transaction, tried again, can get past."""
    return getattr(error.orig, "pgcode", None) in TRANSIENT_PG_CODES or "database is locked" in str(error.orig)


def lost_connection(error: DBAPIError, dialect: Dialect) -> bool:
    """The connection broke (the server went away, or the connection was cut), as opposed to a refused
    statement."""
    orig = error.orig
    return bool(error.connection_invalidated) or (isinstance(orig, dialect.loaded_dbapi.Error)
                                                  and dialect.is_disconnect(orig, None, None))


def reason_of(error: BaseException) -> str:
    """The first line of the driver's message: enough for a log line, without the SQL and parameters."""
    orig = getattr(error, "orig", None) or error
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


class Transactions:
    """Runs units of work of one runtime."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    def run(self, work: Callable[[UnitOfWork], T], operation: str = "call", attempts: int = 5, *,
            repeatable: bool = False, patience: float | None = None) -> T:
        """Run `work` in one transaction; retry it from scratch when an instance was changed meanwhile, and
        while the database is unreachable for up to `patience` seconds (default: the runtime's
        `reconnect_seconds`)."""
        patience = self.runtime.reconnect_seconds if patience is None else patience
        call = self.runtime.tracing.call(operation) if self.runtime.tracing is not None else None
        try:
            result = self._run(work, operation, attempts, repeatable, patience, call)
        except BaseException as error:
            if call is not None:
                call.end(error)
            raise
        if call is not None:
            call.end()
        return result

    def _run(self, work: Callable[[UnitOfWork], T], operation: str, attempts: int, repeatable: bool,
             patience: float, call: "Call | None") -> T:
        conflicts = 0
        unreachable_since: float | None = None
        uncertain = False  # an earlier try lost its connection while committing
        while True:
            started = time.perf_counter()
            failure: DBAPIError
            committing = False
            try:
                result, unit = self._attempt(work, call)
            except StaleInstance:
                conflicts = self._conflict(conflicts, attempts)
                continue
            except _Committing as lost_commit:
                failure, committing = lost_commit.error, True
            except DBAPIError as refused:
                failure = refused
            else:
                unit.publish()
                self.runtime.metrics.step_done(operation, time.perf_counter() - started)
                return result
            if isinstance(failure, OperationalError) and is_transient(failure) and not committing:
                conflicts = self._conflict(conflicts, attempts)
                continue
            if not lost_connection(failure, self.runtime.database.engine.dialect):
                raise failure
            if committing and not repeatable:
                raise DatabaseUnavailable(reason_of(failure), may_have_changed=True) from None
            uncertain = uncertain or committing
            unreachable_since = self._pause(failure, unreachable_since, patience, uncertain)

    @staticmethod
    def _conflict(conflicts: int, attempts: int) -> int:
        """Count one more lost race; give up with `Conflict` after `attempts`."""
        conflicts += 1
        if conflicts >= attempts:
            raise Conflict("the instance is being changed by others; try again") from None
        time.sleep(0.01 * conflicts)
        return conflicts

    def _attempt(self, work: Callable[[UnitOfWork], T], call: "Call | None") -> tuple[T, UnitOfWork]:
        """One try: connect, the work, then the commit. A driver error raised by the commit comes as
        `_Committing`; one raised while connecting is a lost connection, with nothing sent."""
        with self.runtime.database.one_writer():  # on SQLite, this process's writers take turns: see there
            try:
                connection = self.runtime.database.engine.connect()
            except DBAPIError as error:
                error.connection_invalidated = True
                raise
            with connection:
                unit = UnitOfWork(self.runtime, connection, call)
                try:
                    transaction = connection.begin()
                    try:
                        result = work(unit)
                        unit.finish()
                    except BaseException:
                        if transaction.is_active:
                            transaction.rollback()
                        raise
                    try:
                        transaction.commit()
                    except DBAPIError as error:
                        raise _Committing(error) from error
                finally:
                    unit.close()
        return result, unit

    def _pause(self, error: DBAPIError, since: float | None, patience: float, uncertain: bool) -> float:
        """Wait a little before the next try to reach the database; refuse the call once `patience` is spent."""
        now = time.monotonic()
        since = now if since is None else since
        if now - since >= patience:
            raise DatabaseUnavailable(reason_of(error), may_have_changed=uncertain) from None
        time.sleep(min(MAX_PAUSE_SECONDS, max(0.05, (now - since) / 2), patience - (now - since)))
        return since


class _Committing(Exception):
    """The commit itself failed: whether it happened is unknown."""

    def __init__(self, error: DBAPIError) -> None:
        super().__init__(str(error))
        self.error = error
