"""Where an instance's tokens are and what each waits for, said for people (the console, the CLI)."""
from __future__ import annotations

from dataclasses import dataclass

from bpmn_runtime.engine.state import InstanceState
from bpmn_runtime.model import Process


@dataclass(frozen=True, slots=True)
class WaitingToken:
    activity_instance: int
    element_id: str  # the element the token is at (the process's id for the process itself)
    waiting_for: str


def waiting_tokens(process: Process, state: InstanceState) -> list[WaitingToken]:
    """Every wait, at the activity that waits (at the event, for the process's own event subprocesses), then
    every incident, parked token and join holding tokens."""
    found = []
    for wait in state.waits.values():
        ai = state.instances.get(wait.ai)
        element_id = ai.element if ai is not None and ai.element in process.elements else wait.element
        found.append(WaitingToken(wait.ai, element_id, wait.waiting_for()))
    for ai in state.instances.values():
        if ai.incident is not None:
            found.append(WaitingToken(ai.id, ai.element, "an incident to be retried"))
        elif ai.parked:
            found.append(WaitingToken(ai.id, ai.element, "an incident to be retried (the token stopped on its way here)"))
        elif ai.join is not None:
            found.append(WaitingToken(ai.id, ai.element, "tokens on its other incoming flows"))
    return found
