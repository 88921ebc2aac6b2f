"""Variables cross into the engine only as JSON values, so every stored step can be read back exactly;
values from outside are bounded in size, and never take the names of the variables the engine keeps itself.
A name starts with a letter, but for the two switches Flowable's skip expressions are enabled by.
"""
from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.behaviours.skipping import SWITCHES as SKIP_SWITCHES
from bpmn_runtime.errors import InvalidInput

if TYPE_CHECKING:
    from bpmn_runtime.engine.state import ActivityInstance, InstanceState

ALLOWED = "text, whole or decimal numbers, true/false, null, lists and maps of these"
# Set by the engine for loops and multi-instance activities; a gateway or a completion condition reads them.
ENGINE_OWNED = frozenset({"loopCounter", "nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances",
                          "nrOfTerminatedInstances"})
MAX_NAME = 255
MAX_DEPTH = 64  # lists and maps inside each other; far deeper ones exhaust the stack of whoever reads them


def _too_deep(value: Any) -> bool:
    """More than MAX_DEPTH lists and maps inside each other (walked without recursion, so any depth is safe)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


@dataclass(frozen=True)
class VariableLimits:
    """How large values from outside may be, measured as their JSON text in bytes (UTF-8)."""

    value_bytes: int = 100_000  # one variable
    instance_bytes: int = 1_000_000  # all variables of one instance together


DEFAULT_LIMITS = VariableLimits()


def engine_owned(name: str) -> bool:
    return name in ENGINE_OWNED or name.startswith("nrOf")


def variable_problems(variables: Mapping[str, Any], limits: VariableLimits = DEFAULT_LIMITS) -> dict[str, str]:
    """Why each variable cannot be taken from outside, by name (empty: all can)."""
    problems: dict[str, str] = {}
    total = 0
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or len(name) > MAX_NAME or \
                (name.startswith("_") and name not in SKIP_SWITCHES):
            problems[str(name)[:MAX_NAME]] = (f"is not a valid variable name: use up to {MAX_NAME} letters, digits "
                                              f"and underscores, starting with a letter")
            continue
        if engine_owned(name):
            problems[name] = "is set by the engine (loops and multi-instance activities) and cannot be set from outside"
            continue
        if _too_deep(value):
            problems[name] = f"is nested too deeply: lists and maps may nest up to {MAX_DEPTH} levels"
            continue
        try:
            size = len(json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        except (TypeError, ValueError, RecursionError):
            problems[name] = f"has type {type(value).__name__}; variables hold {ALLOWED}"
            continue
        if size > limits.value_bytes:
            problems[name] = f"is {size:,} bytes; one value may have at most {limits.value_bytes:,} bytes"
        total += size
    if not problems and total > limits.instance_bytes:
        problems[next(iter(variables))] = (f"these values are {total:,} bytes together; an instance's variables "
                                           f"may have at most {limits.instance_bytes:,} bytes")
    return problems


def check_variables(variables: Mapping[str, Any], limits: VariableLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """A deep copy of `variables`, or InvalidInput naming the first variable that cannot be stored. Deep: the
    caller keeps its own lists and maps, and changing them later must not change the state the engine holds
    (its state cache keeps a saved state in memory between calls)."""
    if not isinstance(variables, Mapping):
        raise InvalidInput(f"variables must be a map of names to values, not {type(variables).__name__}")
    problems = variable_problems(variables, limits)
    if problems:
        name, message = next(iter(problems.items()))
        raise InvalidInput(f"variable '{name}' {message}" if "valid variable name" not in message
                           else f"'{name}' {message}")
    return copy.deepcopy(dict(variables))


def variables_size(state: "InstanceState") -> int:
    """Bytes of the JSON text of every variable of an instance, in every scope (each scope's map as its own
    text). One encoding of all the maps, less the brackets and separators that join them: the same figure
    as encoding each map apart, without a call per scope in an instance of ten thousand of them."""
    if state.watched:  # a large state: it measures again only what may have changed since it was measured
        return state.variables_size(functools.partial(_scope_size, state))
    maps = [ai.variables for ai in state.instances.values() if ai.variables]
    if not maps:
        return 0
    joined = json.dumps(maps, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return len(joined) - 2 - len(", ") * (len(maps) - 1)


def _map_size(variables: dict[str, Any]) -> int:
    return len(json.dumps(variables, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _scope_size(state: "InstanceState", ai: "ActivityInstance") -> int:
    """`_map_size` of the variables of `ai`, where a value kept in a row of its own (`InstanceState.apart`) is
    measured once while it stays the same object: its entry (`"name": value`) and the separator before the next."""
    variables = ai.variables or {}
    apart = state.apart.get(ai.id)
    if not apart:
        return _map_size(variables)
    size, rest = 0, {}
    for name, value in variables.items():
        kept = apart.get(name)
        if kept is not None and kept.value is value:
            if kept.size is None:
                kept.size = _map_size({name: value}) - len("{}")
            size += kept.size + len(", ")
        else:
            rest[name] = value
    return size + _map_size(rest) - (0 if rest else len("{}"))


def stored_variables_size(text: str) -> int:
    """`variables_size` of the state stored as `text`."""
    return variables_size(state_format.loads(text))


@dataclass
class VariableBudget:
    """Guards `limits.instance_bytes` in a unit of work that takes values from outside: an instance may not
    grow past it. One already past it (a lower limit, say) may still shrink, so an operator can fix it.
    What an instance held when loaded is measured only when it is past the limit after the step (from the
    state as stored then, or as the runtime's state cache knows it), so a step within the limit measures its
    variables once."""

    limits: VariableLimits
    _loaded: dict[int, Callable[[], int]] = field(default_factory=dict)  # instance -> its size as first loaded

    def loaded(self, instance_id: int, measured: Callable[[], int]) -> None:
        """Instance `instance_id` was loaded; `measured` tells the size of its variables then."""
        self._loaded.setdefault(instance_id, measured)

    def saving(self, instance_id: int, state: "InstanceState") -> int:
        """The size of the variables of `state`, which is about to be saved; refused when it grew past the limit."""
        size = variables_size(state)
        if size <= self.limits.instance_bytes:
            return size
        measured = self._loaded.get(instance_id)
        if measured is None or size > measured():
            raise InvalidInput(f"process instance {instance_id} would hold {size:,} bytes of variables; "
                               f"an instance may hold at most {self.limits.instance_bytes:,} bytes")
        return size


def parse_assignment(text: str) -> tuple[str, Any]:
    """`name=value` from the command line: the value is read as JSON when it is JSON, else kept as text."""
    name, separator, raw = text.partition("=")
    if not separator or not name.strip():
        raise InvalidInput(f"'{text}' is not name=value")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    except RecursionError:
        raise InvalidInput(f"the value of '{name.strip()}' is nested too deeply: lists and maps may nest up to "
                           f"{MAX_DEPTH} levels") from None
    return name.strip(), value
