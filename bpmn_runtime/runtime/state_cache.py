"""The instance states this runtime saved last, so that the next step on the same instance starts from the state
it left instead of reading and parsing the stored document again (at ten thousand activity instances, half of a
step).

An entry holds the state as saved at one version of the instance's row. Optimistic locking raises that version at
every save, here or in another engine process, so an entry whose version is not the row's is never used. A unit of
work takes the entry out while it works on the state; it is put back only after the unit's transaction has
committed, and only for a state that is exactly what was saved: a rolled-back or failed step never leaves its
changes here.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from bpmn_runtime.engine.state import InstanceState

CAPACITY = 64  # instances: the ones stepped most recently stay


class Saved(NamedTuple):
    """A state as saved at `version`; `variables_bytes`: its variables' size, when the save measured it."""

    version: int
    state: InstanceState
    variables_bytes: int | None


class StateCache:
    """The most recently saved states, by instance (least recently saved dropped first); safe across threads."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[int, Saved] = OrderedDict()
        self._lock = threading.Lock()

    def version(self, instance_id: int) -> int | None:
        """The version held for the instance, if any (it may be gone by the time it is taken)."""
        entry = self._entries.get(instance_id)
        return entry.version if entry is not None else None

    def take(self, instance_id: int, version: int) -> Saved | None:
        """The state saved at `version`, now the caller's alone; None when none is held at that version."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        return entry if entry is not None and entry.version == version else None

    def keep(self, instance_id: int, saved: Saved) -> None:
        """Hold `saved` as what the instance's row says now (call once its transaction has committed)."""
        with self._lock:
            self._entries[instance_id] = saved
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
