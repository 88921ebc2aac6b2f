"""One runtime call, one database transaction: retried from scratch when another writer changed the same
instance meanwhile, with its metrics and log lines published once, after the transaction committed.

A call that is retried must not count twice: work inside a transaction only *queues* what it would tell the
outside world (`UnitOfWork.after_commit`), and the queue of the attempt that committed is the one that runs.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy.exc import OperationalError

from bpmn_runtime.errors import Conflict
from bpmn_runtime.runtime.unit_of_work import StaleInstance, UnitOfWork

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime")
T = TypeVar("T")
TRANSIENT_PG_CODES = {"40001", "40P01"}  # serialization failure, deadlock detected


def is_transient(error: OperationalError) -> bool:
    """A failure that the same transaction, tried again, can get past."""
    return getattr(error.orig, "pgcode", None) in TRANSIENT_PG_CODES or "database is locked" in str(error.orig)


class Transactions:
    """Runs units of work of one runtime."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    def run(self, work: Callable[[UnitOfWork], T], operation: str = "call", attempts: int = 5) -> T:
        """Run `work` in one transaction; retry it from scratch when an instance was changed meanwhile."""
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            with self.runtime.database.engine.connect() as connection:
                unit = UnitOfWork(self.runtime, connection)
                try:
                    with connection.begin():  # commits when the block ends, rolls back on an exception
                        result = work(unit)
                        unit.finish()
                except (StaleInstance, OperationalError) as error:
                    if isinstance(error, OperationalError) and not is_transient(error):
                        raise
                    if attempt == attempts:
                        raise Conflict("the instance is being changed by others; try again") from None
                    time.sleep(0.01 * attempt)
                    continue
                finally:
                    unit.close()
            unit.publish()
            self.runtime.metrics.step_done(operation, time.perf_counter() - started)
            return result
        raise AssertionError("unreachable")
