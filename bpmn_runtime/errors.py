"""Exceptions the engine raises to its callers, each carrying a message a person can act on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class BpmnRuntimeError(Exception):
    """Base class of every error bpmn-runtime raises on purpose."""


class BpmnError(BpmnRuntimeError):
    """A business error raised by a handler or a script; caught by an error boundary event with this code."""

    def __init__(self, code: str, message: str = "", variables: dict[str, Any] | None = None) -> None:
        super().__init__(message or f"BPMN error {code}")
        self.code = code
        self.message = message
        self.variables = dict(variables or {})


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be deployed, located so a modeler can find it."""

    file: str
    line: int
    element_id: str
    message: str
    # The BPMN 2.0 rule the problem breaks ("EXT.021"), for tests and the rule catalogue; never shown to the
    # modeler, and not part of what makes two problems the same.
    rule: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.element_id or '-'}: {self.message}"


class DeploymentError(BpmnRuntimeError):
    """A file was refused; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the file cannot be deployed ({len(self.problems)} problem(s)):\n{lines}")


class ExpressionError(BpmnRuntimeError):
    """An expression or script was refused by the sandbox or failed while evaluating."""


class NotFound(BpmnRuntimeError):
    """An unknown process, instance, task, job or incident was named."""


class Conflict(BpmnRuntimeError):
    """The request lost a race: the task was completed or claimed by someone else, the job was taken over."""


class TaskEnded(NotFound):
    """A task that was open is no longer: completed (by whom, when) or withdrawn by the process."""


class Forbidden(BpmnRuntimeError):
    """The actor may not do this to this task (it is not offered to them, or their role does not allow it)."""


class InvalidInput(BpmnRuntimeError):
    """A variable, form value or argument has the wrong type or value."""


class LeaseLost(Conflict):
    """A worker no longer holds the job it runs: its lease could not be renewed in time, so another worker
    may run the job meanwhile. A handler that sees it should stop; its result would be dropped."""


class DatabaseUnavailable(BpmnRuntimeError):
    """The database could not be reached. `may_have_changed` is False when the call certainly changed
    nothing (it may simply be repeated), True when the connection was lost while committing."""

    def __init__(self, reason: str, *, may_have_changed: bool) -> None:
        self.reason = reason
        self.may_have_changed = may_have_changed
        if may_have_changed:
            message = ("the connection to the database was lost while committing; the change may have been "
                       "made: repeat the call with the same request key")
        else:
            message = "the database is unreachable; nothing was changed"
        super().__init__(f"{message} ({reason})")
