"""Which values are sensitive, for everything that shows or keeps values outside an instance (the audit trail,
log lines): a variable whose name matches one of the patterns of BPMN_RUNTIME_SENSITIVE_VARIABLES
(shell-style, separated by commas, matched without regard to case; default `DEFAULT_SENSITIVE`), at any
depth of a JSON value, and a form field the model marks sensitive (`camunda:property id="sensitive"
value="true"` in a `camunda:formField`, `"properties": {"sensitive": "true"}` on a form-js component).
Such a value is kept as `REDACTED`; the instance itself keeps the real value (sealed when encryption is on).
"""
from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections import abc
from typing import Any, Iterable

DEFAULT_SENSITIVE = ("*password*", "*secret*", "*token*", "*card*")
SENSITIVE_ENV = "BPMN_RUNTIME_SENSITIVE_VARIABLES"
REDACTED = "***"


class _Chosen:
    patterns: tuple[str, ...] | None = None  # set by `choose`; None: the environment decides


@functools.lru_cache(maxsize=8)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = [p.lower() for p in patterns]
    return re.compile("|".join(fnmatch.translate(p) for p in cleaned)) if cleaned else None


def choose(chosen: Iterable[str] | None) -> None:
    """Fix the name patterns (a command's settings, passed on to its worker processes); None: the environment."""
    _Chosen.patterns = None if chosen is None else tuple(p.strip() for p in chosen if p.strip())


def patterns() -> tuple[str, ...]:
    """The name patterns in force (unless chosen, the environment is read on every call, so a change applies
    at once)."""
    if _Chosen.patterns is not None:
        return _Chosen.patterns
    configured = os.environ.get(SENSITIVE_ENV)
    source = DEFAULT_SENSITIVE if configured is None else configured.split(",")
    return tuple(p.strip() for p in source if p.strip())


def is_sensitive(name: str) -> bool:
    pattern = _pattern(patterns())
    return pattern is not None and pattern.match(name.lower()) is not None


def redact(value: Any, fields: Iterable[str] = ()) -> Any:
    """A copy of a JSON value with the value of every sensitive name replaced by `REDACTED`, at any depth;
    `fields` are names of the top level to redact whatever they are called (form fields marked sensitive).
    The patterns are read once per call (a start's audit entry redacts every variable name)."""
    return _redacted(value, set(fields), _pattern(patterns()))


def _redacted(value: Any, marked: abc.Set[str], pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, (dict, abc.Mapping)):  # a dict is told by its type, before the ABC is asked
        return {name: REDACTED if name in marked or (pattern is not None and pattern.match(str(name).lower()))
                else _redacted(item, _NONE_MARKED, pattern) for name, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, _NONE_MARKED, pattern) for item in value]
    return value


_NONE_MARKED: frozenset[str] = frozenset()  # below the top level, only the patterns redact
