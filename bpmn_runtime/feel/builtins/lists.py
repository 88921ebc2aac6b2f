"""List functions of DMN 1.5 10.3.4.4 and Camunda's additions (is empty, partition, duplicate values...)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, DecimalException
from functools import cmp_to_key
from typing import Any

from bpmn_runtime.feel.builtins.arguments import function, integer, items, numbers, string
from bpmn_runtime.feel.functions import BuiltinFunction, FeelFunction, NullResult, Signature
from bpmn_runtime.feel.numbers import CONTEXT
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.temporal import DayTimeDuration, FeelDate, YearMonthDuration
from bpmn_runtime.feel.values import compare, equal, type_name


def _visited(env: Env, values: list[Any]) -> list[Any]:
    """Charge the budget for walking a list, so that functions over huge lists count their work."""
    env.state.tick(len(values))
    return values


def _extreme(sign: int) -> Callable[[Env, Any], Any]:
    def pick(env: Env, values: Any) -> Any:
        candidates = _visited(env, items(values, "list"))
        if not candidates:
            return None
        best = candidates[0]
        for candidate in candidates[1:]:
            order = compare(candidate, best)
            if order is None:
                raise NullResult(f"cannot compare {type_name(candidate)} with {type_name(best)}")
            if order * sign > 0:
                best = candidate
        return best

    return pick


def _fold(values: list[Decimal], operation: Callable[[Decimal, Decimal], Decimal], start: int, what: str) -> Decimal:
    try:
        result = Decimal(start)
        for value in values:
            result = operation(result, value)
        return result
    except DecimalException:
        raise NullResult(f"the {what} is too large for a FEEL number") from None


def _total(values: list[Decimal]) -> Decimal:
    return _fold(values, CONTEXT.add, 0, "sum")


def _sum(env: Env, values: Any) -> Any:
    checked = numbers(_visited(env, items(values, "list")), "list")
    return _total(checked) if checked else None


def _mean(env: Env, values: Any) -> Any:
    checked = numbers(_visited(env, items(values, "list")), "list")
    return CONTEXT.divide(_total(checked), Decimal(len(checked))) if checked else None


def _product(env: Env, values: Any) -> Any:
    checked = numbers(_visited(env, items(values, "list")), "list")
    return _fold(checked, CONTEXT.multiply, 1, "product") if checked else None


def _median(env: Env, values: Any) -> Any:
    ordered = sorted(numbers(_visited(env, items(values, "list")), "list"))
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return CONTEXT.divide(CONTEXT.add(ordered[middle - 1], ordered[middle]), Decimal(2))


def _stddev(env: Env, values: Any) -> Any:
    """The sample standard deviation (n - 1 in the denominator); null for fewer than two numbers."""
    checked = numbers(_visited(env, items(values, "list")), "list")
    if len(checked) < 2:
        return None
    mean = CONTEXT.divide(_total(checked), Decimal(len(checked)))
    squares = _total([CONTEXT.power(CONTEXT.subtract(value, mean), 2) for value in checked])
    return CONTEXT.sqrt(CONTEXT.divide(squares, Decimal(len(checked) - 1)))


def _mode(env: Env, values: Any) -> Any:
    checked = numbers(_visited(env, items(values, "list")), "list")
    counts: dict[Decimal, int] = {}
    for value in checked:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return []
    most = max(counts.values())
    return sorted(value for value, count in counts.items() if count == most)


def _truth(decisive: bool) -> Callable[[Env, Any], Any]:
    """all() (decisive false) and any() (decisive true): an item not boolean makes an undecided result null."""

    def combine(env: Env, values: Any) -> Any:
        result: bool | None = not decisive
        for value in _visited(env, items(values, "list")):
            if value is decisive:
                return decisive
            if value is not (not decisive):
                result = None
        return result

    return combine


def _position(values: list[Any], position: Any, parameter: str, allow_end: bool = False) -> int:
    """A 1-based position (negative from the end) as a 0-based index."""
    index = integer(position, parameter)
    size = len(values)
    if 0 < index <= size + (1 if allow_end else 0):
        return index - 1
    if index < 0 and -index <= size:
        return size + index
    raise NullResult(f"{parameter} {index} is outside a list of {size} items")


def _sublist(env: Env, values: Any, start: Any, length: Any = None) -> list[Any]:
    source = items(values, "list")
    first = _position(source, start, "start position")
    if length is None:
        return source[first:]
    count = integer(length, "length")
    if count < 0 or first + count > len(source):
        raise NullResult(f"length {count} goes past the end of the list")
    return source[first:first + count]


def _appended(env: Env, values: Any, extra: list[Any]) -> list[Any]:
    result = items(values, "list") + extra
    env.state.check_list(len(result))
    return result


def _concatenate(env: Env, lists: list[Any]) -> list[Any]:
    result: list[Any] = []
    for value in lists:
        result.extend(items(value, "list"))
        env.state.check_list(len(result))
    return _visited(env, result)


def _insert_before(env: Env, values: Any, position: Any, item: Any) -> list[Any]:
    source = items(values, "list")
    index = _position(source, position, "position")
    return source[:index] + [item] + source[index:]


def _remove(env: Env, values: Any, position: Any) -> list[Any]:
    source = items(values, "list")
    index = _position(source, position, "position")
    return source[:index] + source[index + 1:]


def _index_of(env: Env, values: Any, match: Any) -> list[Decimal]:
    return [Decimal(index + 1) for index, item in enumerate(_visited(env, items(values, "list")))
            if equal(item, match) is True]


_HASHABLE = (str, Decimal, bool, FeelDate, DayTimeDuration, YearMonthDuration)


def _groups(env: Env, values: list[Any]) -> list[list[Any]]:
    """Equal items grouped as [item, count], in order of first appearance (FEEL equality: 1 = 1.0)."""
    groups: list[list[Any]] = []
    by_key: dict[tuple[type, Any], list[Any]] = {}
    for item in _visited(env, values):
        if item is None or type(item) in _HASHABLE:
            group = by_key.get((type(item), item))
            if group is None:
                group = by_key[(type(item), item)] = [item, 0]
                groups.append(group)
        else:
            env.state.tick(len(groups))
            group = next((group for group in groups if equal(group[0], item) is True), None)
            if group is None:
                group = [item, 0]
                groups.append(group)
        group[1] += 1
    return groups


def _distinct(env: Env, values: list[Any]) -> list[Any]:
    return [item for item, _ in _groups(env, values)]


def _union(env: Env, lists: list[Any]) -> list[Any]:
    return _distinct(env, _concatenate(env, lists))


def _duplicates(env: Env, values: Any) -> list[Any]:
    return [item for item, count in _groups(env, items(values, "list")) if count > 1]


def _flatten(env: Env, values: Any) -> list[Any]:
    result: list[Any] = []

    def walk(value: list[Any]) -> None:
        for item in value:
            if type(item) is list:
                walk(item)
            else:
                result.append(item)
        env.state.tick(len(value))

    walk(items(values, "list"))
    return result


def _sort(env: Env, values: Any, precedes: Any = None) -> list[Any]:
    source = _visited(env, items(values, "list"))
    if precedes is None:
        def natural(a: Any, b: Any) -> int:
            order = compare(a, b)
            if order is None:
                raise NullResult(f"cannot compare {type_name(a)} with {type_name(b)}")
            return order

        return sorted(source, key=cmp_to_key(natural))
    rule = function(precedes, "precedes")
    if not rule.accepts(2):
        raise NullResult("precedes must take two arguments")
    return sorted(source, key=cmp_to_key(lambda a, b: -1 if rule.call(env, a, b) is True else 1))


def _list_replace(env: Env, values: Any, position: Any, new_item: Any) -> list[Any]:
    source = list(items(values, "list"))
    if isinstance(position, FeelFunction):
        return [new_item if position.call(env, item, new_item) is True else item for item in _visited(env, source)]
    source[_position(source, position, "position")] = new_item
    return source


def _string_join(env: Env, values: Any, delimiter: Any = None, prefix: Any = None, suffix: Any = None) -> str:
    texts = []
    for item in _visited(env, items(values, "list")):
        if item is not None:
            texts.append(string(item, "each item of list"))
    parts = [string(part, name) if part is not None else "" for part, name in
             ((delimiter, "delimiter"), (prefix, "prefix"), (suffix, "suffix"))]
    result = parts[1] + parts[0].join(texts) + parts[2]
    env.state.check_string(len(result))
    return result


def _partition(env: Env, values: Any, size: Any) -> list[list[Any]]:
    source = items(values, "list")
    count = integer(size, "size")
    if count <= 0:
        raise NullResult(f"size must be positive, not {count}")
    return [source[start:start + count] for start in range(0, len(source), count)]


def _list(name: str, implementation: Callable[..., Any], *parameters: str) -> BuiltinFunction:
    """A function whose first parameter is a list (single list or several arguments collected into one)."""
    return BuiltinFunction(name, [Signature(("list", *parameters), implementation, "list" if not parameters else None)])


FUNCTIONS = [
    BuiltinFunction("list contains", [Signature(("list", "element"), lambda env, values, element: any(
        equal(item, element) is True for item in _visited(env, items(values, "list"))))]),
    BuiltinFunction("count", [Signature(("list",), lambda env, values: Decimal(len(items(values, "list"))))]),
    _list("min", _extreme(-1)), _list("max", _extreme(1)), _list("sum", _sum), _list("mean", _mean),
    _list("product", _product), _list("median", _median), _list("stddev", _stddev), _list("mode", _mode),
    _list("all", _truth(False)), _list("any", _truth(True)), _list("and", _truth(False)), _list("or", _truth(True)),
    BuiltinFunction("sublist", [Signature(("list", "start position"), _sublist),
                                Signature(("list", "start position", "length"), _sublist)]),
    BuiltinFunction("append", [Signature(("list", "item"), _appended, "rest")]),
    BuiltinFunction("concatenate", [Signature(("list",), _concatenate, "rest")]),
    BuiltinFunction("insert before", [Signature(("list", "position", "newItem"), _insert_before)]),
    BuiltinFunction("remove", [Signature(("list", "position"), _remove)]),
    BuiltinFunction("reverse", [Signature(("list",), lambda env, values: items(values, "list")[::-1])]),
    BuiltinFunction("index of", [Signature(("list", "match"), _index_of)]),
    BuiltinFunction("union", [Signature(("list",), _union, "rest")]),
    BuiltinFunction("distinct values", [Signature(("list",), lambda env, values: _distinct(env, items(values, "list")))]),
    BuiltinFunction("duplicate values", [Signature(("list",), _duplicates)]),
    BuiltinFunction("flatten", [Signature(("list",), _flatten)]),
    BuiltinFunction("sort", [Signature(("list",), _sort), Signature(("list", "precedes"), _sort)]),
    BuiltinFunction("list replace", [Signature(("list", "position", "newItem"), _list_replace),
                                     Signature(("list", "match", "newItem"), _list_replace)]),
    BuiltinFunction("string join", [Signature(("list",), _string_join),
                                    Signature(("list", "delimiter"), _string_join),
                                    Signature(("list", "delimiter", "prefix", "suffix"), _string_join)]),
    BuiltinFunction("is empty", [Signature(("list",), lambda env, values: not items(values, "list"))]),
    BuiltinFunction("partition", [Signature(("list", "size"), _partition)]),
]
