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


class InvalidInput(BpmnRuntimeError):
    """A variable, form value or argument has the wrong type or value."""
