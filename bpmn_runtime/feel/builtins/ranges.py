"""Range functions of DMN 1.5 10.3.4.9 (before, meets, overlaps, includes...), on points and ranges.

An end left open by `< 10` or `> 10` lies beyond every point.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bpmn_runtime.feel.functions import BuiltinFunction, NullResult, Signature
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.values import UNBOUNDED, EqualityTest, Range, compare, equal, type_name

_LOW, _HIGH = object(), object()  # the ends of `< x` and `> x` ranges, below and above every point


def _order(a: Any, b: Any) -> int:
    if a is b and (a is _LOW or a is _HIGH):
        return 0
    if a is _LOW or b is _HIGH:
        return -1
    if a is _HIGH or b is _LOW:
        return 1
    result = compare(a, b)
    if result is None:
        raise NullResult(f"cannot compare {type_name(a)} with {type_name(b)}")
    return result


def _same(a: Any, b: Any) -> bool:
    if a is _LOW or a is _HIGH or b is _LOW or b is _HIGH:
        return a is b
    return equal(a, b) is True


class _Ends:
    """A range's ends, with UNBOUNDED turned into _LOW/_HIGH; a point is the range [p..p]."""

    def __init__(self, value: Any) -> None:
        if isinstance(value, EqualityTest) or value is None:
            raise NullResult(f"{type_name(value)} is neither a point nor a range")
        if isinstance(value, Range):
            self.start = _LOW if value.start is UNBOUNDED else value.start
            self.end = _HIGH if value.end is UNBOUNDED else value.end
            self.start_included, self.end_included = value.start_included, value.end_included
        else:
            self.start = self.end = value
            self.start_included = self.end_included = True


def _lt(a: Any, b: Any) -> bool:
    return _order(a, b) < 0


def _before(a: _Ends, b: _Ends) -> bool:
    return _lt(a.end, b.start) or (_same(a.end, b.start) and not (a.end_included and b.start_included))


def _meets(a: _Ends, b: _Ends) -> bool:
    return a.end_included and b.start_included and _same(a.end, b.start)


def _overlaps(a: _Ends, b: _Ends) -> bool:
    return ((_lt(b.start, a.end) or (_same(a.end, b.start) and a.end_included and b.start_included))
            and (_lt(a.start, b.end) or (_same(a.start, b.end) and a.start_included and b.end_included)))


def _overlaps_before(a: _Ends, b: _Ends) -> bool:
    return ((_lt(a.start, b.start) or (_same(a.start, b.start) and a.start_included and not b.start_included))
            and (_lt(b.start, a.end) or (_same(a.end, b.start) and a.end_included and b.start_included))
            and (_lt(a.end, b.end) or (_same(a.end, b.end) and (not a.end_included or b.end_included))))


def _finishes(a: _Ends, b: _Ends) -> bool:
    return (a.end_included == b.end_included and _same(a.end, b.end)
            and (_lt(b.start, a.start) or (_same(a.start, b.start) and (not a.start_included or b.start_included))))


def _includes(a: _Ends, b: _Ends) -> bool:
    return ((_lt(a.start, b.start) or (_same(a.start, b.start) and (a.start_included or not b.start_included)))
            and (_lt(b.end, a.end) or (_same(a.end, b.end) and (a.end_included or not b.end_included))))


def _starts(a: _Ends, b: _Ends) -> bool:
    return (_same(a.start, b.start) and a.start_included == b.start_included
            and (_lt(a.end, b.end) or (_same(a.end, b.end) and (not a.end_included or b.end_included))))


def _coincides(a: _Ends, b: _Ends) -> bool:
    return (_same(a.start, b.start) and a.start_included == b.start_included
            and _same(a.end, b.end) and a.end_included == b.end_included)


def _relation(test: Callable[[_Ends, _Ends], bool], swap: bool = False) -> Callable[[Env, Any, Any], bool]:
    def run(env: Env, first: Any, second: Any) -> bool:
        a, b = _Ends(first), _Ends(second)
        return test(b, a) if swap else test(a, b)

    return run


def _function(name: str, implementation: Callable[[Env, Any, Any], bool], *forms: tuple[str, str]) -> BuiltinFunction:
    return BuiltinFunction(name, [Signature(form, implementation) for form in forms])


_POINTS = ("point1", "point2")
_RANGES = ("range1", "range2")
FUNCTIONS = [
    _function("before", _relation(_before), _POINTS, ("point", "range"), ("range", "point"), _RANGES),
    _function("after", _relation(_before, swap=True), _POINTS, ("point", "range"), ("range", "point"), _RANGES),
    _function("meets", _relation(_meets), _RANGES),
    _function("met by", _relation(_meets, swap=True), _RANGES),
    _function("overlaps", _relation(_overlaps), _RANGES),
    _function("overlaps before", _relation(_overlaps_before), _RANGES),
    _function("overlaps after", _relation(_overlaps_before, swap=True), _RANGES),
    _function("finishes", _relation(_finishes), ("point", "range"), _RANGES),
    _function("finished by", _relation(_finishes, swap=True), ("range", "point"), _RANGES),
    _function("includes", _relation(_includes), ("range", "point"), _RANGES),
    _function("during", _relation(_includes, swap=True), ("point", "range"), _RANGES),
    _function("starts", _relation(_starts), ("point", "range"), _RANGES),
    _function("started by", _relation(_starts, swap=True), ("range", "point"), _RANGES),
    _function("coincides", _relation(_coincides), _POINTS, _RANGES),
]
