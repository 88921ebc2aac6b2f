"""XPath regular expressions (what DMN's matches(), replace() and split() use) run by RE2.

RE2 matches in linear time, so no pattern can backtrack catastrophically. Flags s, m, i, x and q of
XPath are honoured; what RE2 cannot run (back-references, look-around, XML name classes `\\i` `\\c`,
class subtraction `[a-z-[aeiou]]`) is refused with a plain message, and the function gives null.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from bpmn_runtime.feel.functions import NullResult

MAX_PATTERN = 10_000  # characters
MAX_MEMORY = 8 << 20  # bytes RE2 may use for one compiled pattern


def _without_whitespace(pattern: str) -> str:
    """The x flag: whitespace is removed, except inside character classes."""
    result = []
    in_class = False
    escaped = False
    for char in pattern:
        if escaped:
            result.append(char)
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char in " \t\n\r" and not in_class:
            continue
        result.append(char)
    return "".join(result)


def _refusal(pattern: str) -> str | None:
    """Why RE2 cannot run an XPath feature used in the pattern, or None."""
    escaped = False
    depth = 0
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
            if char in "icIC":
                return f"\\{char} (XML name characters) is not supported"
            if char.isdigit() and char != "0":
                return "back-references (\\1, \\2...) are not supported"
            continue
        if char == "\\":
            escaped = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "-" and depth and pattern[index + 1:index + 2] == "[":
            return "character class subtraction ([a-z-[aeiou]]) is not supported"
        elif char == "(" and pattern[index + 1:index + 3] in ("?=", "?!", "?<"):
            return "look-ahead and look-behind are not supported"
    return None


@lru_cache(maxsize=256)
def compile_pattern(pattern: str, flags: str = "") -> Any:
    """A compiled RE2 pattern; raises NullResult explaining an invalid or unsupported pattern."""
    if len(pattern) > MAX_PATTERN:
        raise NullResult(f"the pattern is longer than {MAX_PATTERN} characters")
    unknown = set(flags) - set("smixq")
    if unknown:
        raise NullResult(f"unknown regular expression flag {sorted(unknown)[0]!r}; the flags are s, m, i, x and q")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_MEMORY
    options.case_sensitive = "i" not in flags
    options.dot_nl = "s" in flags
    if "q" in flags:
        pattern = re2.escape(pattern)
    else:
        if "x" in flags:
            pattern = _without_whitespace(pattern)
        refusal = _refusal(pattern)
        if refusal is not None:
            raise NullResult(f"the pattern {pattern!r} cannot be used: {refusal}")
        if "m" in flags:
            pattern = "(?m)" + pattern
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise NullResult(f"the pattern {pattern!r} is not a valid regular expression: {reason}") from None


def matches_empty(compiled: Any) -> bool:
    return compiled.fullmatch("") is not None


def expand(template: str, match: Any) -> str:
    """An XPath replacement string for one match: $n is group n (empty if it did not take part), \\$ and \\\\ escape."""
    result = []
    index = 0
    groups = match.re.groups
    while index < len(template):
        char = template[index]
        if char == "\\":
            following = template[index + 1:index + 2]
            if following not in ("\\", "$"):
                raise NullResult("in a replacement, '\\' must be followed by '\\' or '$'")
            result.append(following)
            index += 2
        elif char == "$":
            stop = index + 1
            while stop < len(template) and template[stop].isdigit() and int(template[index + 1:stop + 1]) <= groups:
                stop += 1
            if stop == index + 1:
                raise NullResult("in a replacement, '$' must be followed by a group number")
            result.append(match.group(int(template[index + 1:stop])) or "")
            index = stop
        else:
            result.append(char)
            index += 1
    return "".join(result)
