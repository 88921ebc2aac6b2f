"""How far one step may run and how large one instance may grow before the engine stops it.

A model without a wait state (a loop that never exits, a token fork bomb) would otherwise keep one
transaction running and growing forever. When a budget is spent, the step stops within it: what it still
had to do is parked on the instance as an incident that says what happened, the instance is saved, and an
operator's retry continues from there with a fresh budget.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

# Environment variables that set the limits of a runtime made without explicit ones.
ENVIRONMENT = {
    "max_steps": "BPMN_RUNTIME_MAX_STEPS",
    "max_activity_instances": "BPMN_RUNTIME_MAX_ACTIVITY_INSTANCES",
    "max_waits": "BPMN_RUNTIME_MAX_WAITS",
    "max_variables_bytes": "BPMN_RUNTIME_MAX_VARIABLES_BYTES",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The budgets of one step and one instance.

    `max_steps`: operations one step (one transaction of one instance) may run without reaching a wait
    state. `max_activity_instances`: live activity instances plus tokens on their way (a multi-instance
    activity that would start more inner instances is refused before it starts any). `max_waits`: what an
    instance may wait for at once. `max_variables_bytes`: the size of all its variables, as stored JSON.
    """

    max_steps: int = 100_000
    max_activity_instances: int = 50_000
    max_waits: int = 50_000
    max_variables_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ENVIRONMENT:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"the limit {name} must be a whole number of at least 1, not {value!r}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The defaults, with each limit whose environment variable is set taken from it."""
        values: dict[str, int] = {}
        for name, variable in ENVIRONMENT.items():
            text = environ.get(variable, "").strip().replace("_", "")
            if text:
                if not text.isdigit():
                    raise ValueError(f"{variable}={environ[variable]!r} is not a whole number")
                values[name] = int(text)
        return cls(**values)
