"""Java's String methods that models call (`${name.startsWith("A")}`), over Python strings.

Regular expressions (`matches`, `replaceAll`, `replaceFirst`, `split`) run on RE2, which takes time
linear in the text; a Java pattern RE2 cannot run (look-around, back-references) is an error rather
than a slow match. Indexes count Unicode code points where Java counts UTF-16 units.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import re2

from bpmn_runtime.juel.coercion import describe, to_integer, to_string
from bpmn_runtime.juel.errors import Failure, LimitExceeded
from bpmn_runtime.juel.limits import MAX_STRING, Budget

_JAVA_SPACE = "".join(map(chr, range(33)))  # what String.trim() removes
_MAX_PATTERN = 1_000


def _text(argument: Any, budget: Budget) -> str:
    """A String parameter: JUEL coerces a non-null argument to text; null reaches Java as null."""
    if argument is None:
        raise Failure("the argument is null")
    return to_string(argument, budget)


def _characters(argument: Any) -> str:
    """A CharSequence parameter: only text is accepted (JUEL cannot coerce to CharSequence)."""
    if type(argument) is not str:
        raise Failure(f"the argument must be text, not {describe(argument)}")
    return argument


def _index(argument: Any) -> int:
    if argument is None:
        raise Failure("the index is null")
    return to_integer(argument)


@functools.lru_cache(maxsize=256)
def _pattern(source: str) -> Any:
    if len(source) > _MAX_PATTERN:
        raise Failure(f"the pattern is longer than {_MAX_PATTERN} characters")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(source, options)
    except re2.error as error:
        raise Failure(f"the pattern {source!r} cannot run here ({error}); patterns run on RE2, which has "
                      f"no look-around or back-references") from None


def _replacement(template: str, groups: int) -> Callable[[Any], str]:
    """Java's replacement text: `$1` and `${name}` insert groups, a backslash takes the next character as is."""
    pieces: list[str | int] = []
    index = 0
    while index < len(template):
        character = template[index]
        if character == "\\" and index + 1 < len(template):
            pieces.append(template[index + 1])
            index += 2
        elif character == "$":
            first = template[index + 1:index + 2]
            if not first.isdigit():
                raise Failure(f"'$' in the replacement {template!r} must be followed by a group number "
                              f"(write \\$ for a dollar sign); named groups are not supported")
            if int(first) > groups:
                raise Failure(f"the replacement {template!r} refers to group {first}, but the pattern has {groups}")
            digits = index + 2  # Java reads more digits while they still name a group
            while digits < len(template) and template[digits].isdigit() \
                    and int(template[index + 1:digits + 1]) <= groups:
                digits += 1
            pieces.append(int(template[index + 1:digits]))
            index = digits
        else:
            pieces.append(character)
            index += 1
    return lambda match: "".join(piece if isinstance(piece, str) else (match.group(piece) or "") for piece in pieces)


def _replace_pattern(text: str, arguments: list[Any], budget: Budget, count: int) -> str:
    pattern = _pattern(_text(arguments[0], budget))
    produce = _replacement(_text(arguments[1], budget), pattern.groups)
    budget.charge(len(text))
    built = [len(text)]

    def replace(match: Any) -> str:
        piece = produce(match)
        built[0] += len(piece)
        if built[0] > MAX_STRING:
            raise LimitExceeded(f"the text would be longer than {MAX_STRING:,} characters")
        return piece

    result: str = pattern.sub(replace, text, count=count)
    budget.string(len(result))
    return result


def _split(text: str, arguments: list[Any], budget: Budget) -> list[str]:
    """Java's split: a zero-width match at the start adds no empty piece; limit 0 drops trailing empties."""
    pattern = _pattern(_text(arguments[0], budget))
    limit = _index(arguments[1]) if len(arguments) > 1 else 0
    budget.charge(len(text))
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if limit > 0 and len(pieces) == limit - 1:
            break
        if match.end() == 0:
            continue
        pieces.append(text[start:match.start()])
        start = match.end()
    if start == 0 and not pieces:
        return [text]
    pieces.append(text[start:])
    if limit == 0:
        while pieces and pieces[-1] == "":
            pieces.pop()
    return pieces


def _scanned(text: str, budget: Budget) -> str:
    """Charge for reading `text` once."""
    budget.charge(len(text))
    return text


def _contains(text: str, arguments: list[Any], budget: Budget) -> bool:
    return _characters(arguments[0]) in _scanned(text, budget)


def _starts_with(text: str, arguments: list[Any], budget: Budget) -> bool:
    prefix = _scanned(_text(arguments[0], budget), budget)
    return text.startswith(prefix, _index(arguments[1]) if len(arguments) > 1 else 0)


def _equals_ignore_case(text: str, arguments: list[Any], budget: Budget) -> bool:
    return arguments[0] is not None and _scanned(text, budget).casefold() == _text(arguments[0], budget).casefold()


def _substring(text: str, arguments: list[Any], budget: Budget) -> str:
    begin = _index(arguments[0])
    end = _index(arguments[1]) if len(arguments) > 1 else len(text)
    if not 0 <= begin <= end <= len(text):
        raise Failure(f"substring({begin}, {end}) is outside {describe(text)}, which has {len(text)} characters")
    budget.charge(end - begin)
    return text[begin:end]


def _needle(target: Any, budget: Budget) -> str:
    """indexOf's argument: a character code (Java's int overload) or a text."""
    return chr(to_integer(target) & 0xFFFF) if type(target) in (int, float) else _text(target, budget)


def _index_of(text: str, arguments: list[Any], budget: Budget) -> int:
    needle = _needle(arguments[0], budget)
    start = max(_index(arguments[1]), 0) if len(arguments) > 1 else 0
    budget.charge(len(text))
    return text.find(needle, start)


def _last_index_of(text: str, arguments: list[Any], budget: Budget) -> int:
    needle = _needle(arguments[0], budget)
    budget.charge(len(text))
    if len(arguments) > 1:
        start = _index(arguments[1])
        return -1 if start < 0 else text.rfind(needle, 0, start + len(needle))
    return text.rfind(needle)


def _char_at(text: str, arguments: list[Any], budget: Budget) -> str:
    index = _index(arguments[0])
    if not 0 <= index < len(text):
        raise Failure(f"charAt({index}) is outside {describe(text)}, which has {len(text)} characters")
    return text[index]


def _compare_to(text: str, arguments: list[Any], budget: Budget) -> int:
    """Java's compareTo: the difference of the first differing characters, else of the lengths."""
    other = _text(arguments[0], budget)
    budget.charge(min(len(text), len(other)))
    for mine, theirs in zip(text, other):
        if mine != theirs:
            return ord(mine) - ord(theirs)
    return len(text) - len(other)


def _replace(text: str, arguments: list[Any], budget: Budget) -> str:
    """Java's replace(CharSequence, CharSequence): every occurrence, no pattern; sized before it is built."""
    old, new = _characters(arguments[0]), _characters(arguments[1])
    budget.charge(len(text))
    occurrences = len(text) + 1 if old == "" else text.count(old)
    budget.string(len(text) + occurrences * (len(new) - len(old)))
    return text.replace(old, new)


def _matches(text: str, arguments: list[Any], budget: Budget) -> bool:
    pattern = _pattern(_text(arguments[0], budget))
    budget.charge(len(text))
    return pattern.fullmatch(text) is not None


def _concat(text: str, arguments: list[Any], budget: Budget) -> str:
    other = _text(arguments[0], budget)
    budget.string(len(text) + len(other))
    return text + other


def _case(convert: Callable[[str], str]) -> Callable[[str, list[Any], Budget], str]:
    def apply(text: str, arguments: list[Any], budget: Budget) -> str:
        budget.string(len(text))
        result = convert(text)
        budget.string(len(result))
        return result

    return apply


STRING_METHODS: dict[str, tuple[tuple[int, ...], Callable[[str, list[Any], Budget], Any]]] = {
    "length": ((0,), lambda text, arguments, budget: len(text)),
    "isEmpty": ((0,), lambda text, arguments, budget: text == ""),
    "contains": ((1,), _contains),
    "startsWith": ((1, 2), _starts_with),
    "endsWith": ((1,), lambda text, arguments, budget: text.endswith(_scanned(_text(arguments[0], budget), budget))),
    "equalsIgnoreCase": ((1,), _equals_ignore_case),
    "substring": ((1, 2), _substring),
    "indexOf": ((1, 2), _index_of),
    "lastIndexOf": ((1, 2), _last_index_of),
    "charAt": ((1,), _char_at),
    "compareTo": ((1,), _compare_to),
    "concat": ((1,), _concat),
    "toUpperCase": ((0,), _case(str.upper)),
    "toLowerCase": ((0,), _case(str.lower)),
    "trim": ((0,), lambda text, arguments, budget: _scanned(text, budget).strip(_JAVA_SPACE)),
    "replace": ((2,), _replace),
    "replaceAll": ((2,), lambda text, arguments, budget: _replace_pattern(text, arguments, budget, 0)),
    "replaceFirst": ((2,), lambda text, arguments, budget: _replace_pattern(text, arguments, budget, 1)),
    "matches": ((1,), _matches),
    "split": ((1, 2), _split),
}
