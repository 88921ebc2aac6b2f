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
    """Every wait, at the activity that waits (at the event, for the process's own event subprocesses); every
    incident, and what else stopped with it (a step stopped by its budget parks all it still had to do); and
    every join holding tokens."""
    found = []
    for wait in state.waits.values():
        ai = state.instances.get(wait.ai)
        element_id = ai.element if ai is not None and ai.element in process.elements else wait.element
        found.append(WaitingToken(wait.ai, element_id, wait.waiting_for()))
    stopped: dict[int, None] = {}
    for ai in state.instances.values():
        if ai.incident is not None:
            found.append(WaitingToken(ai.id, ai.element, "an incident to be retried"))
            stopped.update((o.ai, None) for o in ai.incident.operations if o.ai != ai.id)
        elif ai.join is not None:
            found.append(WaitingToken(ai.id, ai.element, "tokens on its other incoming flows"))
    for ai_id in stopped:
        if ai_id in state.instances and state.instances[ai_id].incident is None:
            found.append(WaitingToken(ai_id, state.instances[ai_id].element,
                                      "the retry of the incident it stopped with"))
    return found
