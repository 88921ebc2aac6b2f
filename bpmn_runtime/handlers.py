"""Service-task handlers: plain Python functions registered for a topic.

A handler receives a `JobContext` and returns a dict of output variables (or None). It raises
`BpmnError(code)` for a business error that the model catches, and anything else to be retried.
A handler registered for `"*"` (`CATCH_ALL`) runs the jobs of every topic that has no handler of its own:
for logging, testing, or one dispatcher that reads `job.topic`.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from bpmn_runtime.errors import InvalidInput, LeaseLost

if TYPE_CHECKING:
    from bpmn_runtime.tracing import Tracing

DEFAULT_FOLDER = Path("processes")
CATCH_ALL = "*"  # the topic of a handler that takes the jobs of every topic without a handler of its own
HandlerFunction = Callable[["JobContext"], "dict[str, Any] | None"]


@dataclass(frozen=True)
class JobContext:
    """What a handler is told about the work it is asked to do.

    The worker renews the job's lease (`lease_seconds`) while the handler runs. When it cannot (the
    database stayed unreachable until the lease ran out, or another worker took the job over), it sets
    `lease_lost`: another run of the job may start, and this run's result will be dropped. A long handler
    checks `lease_lost`, or calls `check_lease()`, between its steps and stops.

    `traceparent` is the W3C trace context to send with the handler's own calls (an HTTP `traceparent`
    header), so that they join the instance's trace: the handler's span when tracing is on, else the
    instance's trace context (None when it has none).
    """

    job_id: int
    instance_id: int
    business_key: str | None
    process_key: str
    activity_id: str
    topic: str
    variables: dict[str, Any]
    idempotency_key: str
    attempt: int
    headers: dict[str, str] = field(default_factory=dict)
    lease_seconds: float = 60.0
    traceparent: str | None = None
    _lost: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def lease_lost(self) -> bool:
        return self._lost.is_set()

    def check_lease(self) -> None:
        """Raise `LeaseLost` when the worker no longer holds this job."""
        if self._lost.is_set():
            raise LeaseLost(f"job {self.job_id} of instance {self.instance_id} was lost: its lease could not be "
                            f"renewed, so another worker may run it")

    def lose_lease(self) -> None:
        """Said by the worker when it can no longer renew the lease."""
        self._lost.set()


class HandlerRegistry:
    """Topic -> handler function. Loading a module or file registers the handlers it declares."""

    def __init__(self) -> None:
        self._handlers: dict[str, HandlerFunction] = {}

    def register(self, topic: str, function: HandlerFunction) -> HandlerFunction:
        self._handlers[topic] = function
        return function

    def handler(self, topic: str) -> Callable[[HandlerFunction], HandlerFunction]:
        """Decorator form of `register`."""
        return lambda function: self.register(topic, function)

    def get(self, topic: str) -> HandlerFunction | None:
        """The handler of `topic`: its own, else the catch-all one (None when there is neither)."""
        return self._handlers.get(topic) or self._handlers.get(CATCH_ALL)

    @property
    def topics(self) -> list[str]:
        """The topics registered (`"*"` among them when a catch-all handler is)."""
        return sorted(self._handlers)

    @property
    def topics_to_fetch(self) -> list[str] | None:
        """The topics whose jobs a worker of this registry takes: every topic (None) with a catch-all handler."""
        return None if CATCH_ALL in self._handlers else self.topics

    def call(self, job: JobContext, tracing: "Tracing | None" = None) -> dict[str, Any]:
        """Run the handler of `job` (in a span of `tracing`, when on): its output variables. It raises what
        the handler raised (`BpmnError` for a business error), LookupError when no handler is registered for
        the topic, TypeError when the handler returned something other than a dict or None."""
        function = self.get(job.topic)
        if function is None:
            raise LookupError(f"no handler is registered for topic '{job.topic}'")
        if tracing is None:
            result = function(job) or {}
        else:
            with tracing.handler(job) as traced:
                result = function(traced) or {}
        if not isinstance(result, dict):
            raise TypeError(f"the handler of '{job.topic}' returned {type(result).__name__}; "
                            f"return a dict of output variables or None")
        return result

    def load(self, source: str | Path) -> None:
        """Import a module name, a `.py` file, or every `.py` file of a folder, and keep what they register.

        Modules register through the module-level `handler` decorator. While one is imported, the decorator
        registers into a fresh registry held in a context variable of the loading thread, so each load keeps
        exactly what its own modules declared, even while another thread loads other files; what was loaded
        is then also added to `default_registry`.
        """
        path = Path(source)
        if path.is_dir():
            for file in sorted(path.glob("*.py")):
                if not file.name.startswith("_"):
                    self.load(file)
            return
        collected = HandlerRegistry()
        loading = _loading.set(collected)
        try:
            if path.suffix == ".py":
                _import_file(path)
            elif str(source) in sys.modules:
                importlib.reload(sys.modules[str(source)])
            else:
                importlib.import_module(str(source))
        finally:
            _loading.reset(loading)
        default_registry._handlers.update(collected._handlers)
        self._handlers.update(collected._handlers)


def _import_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"handler file {path} does not exist")
    module_name = f"bpmn_handlers_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import handlers from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)


default_registry = HandlerRegistry()
# The registry the `handler` decorator registers into: the one collecting a load in this thread, else the default.
_loading: ContextVar[HandlerRegistry | None] = ContextVar("bpmn_runtime_handlers_loading", default=None)


def load_handlers(sources: tuple[str, ...]) -> HandlerRegistry:
    """The handlers of `sources` (module names, files, folders), or those in ./processes when none are named;
    a source that cannot be imported is InvalidInput naming it and the reason."""
    registry = HandlerRegistry()
    if not sources and DEFAULT_FOLDER.is_dir():
        sources = (str(DEFAULT_FOLDER),)
    for source in sources:
        try:
            registry.load(source)
        except (ImportError, FileNotFoundError, SyntaxError) as error:
            raise InvalidInput(f"cannot load handlers from {source}: {error}") from error
    return registry


def handler(topic: str) -> Callable[[HandlerFunction], HandlerFunction]:
    """Register a function as the handler of a service-task topic: `@handler("charge-card")`, or of every topic
    without a handler of its own: `@handler("*")`."""
    return (_loading.get() or default_registry).handler(topic)
