"""FEEL text to tokens, deciding where names with spaces and symbols begin and end.

FEEL names may contain spaces (`monthly salary`), keywords (`date and time`) and the symbols
`. / - ' + *` (`Loan-Pre-Qualification`), so the grammar alone cannot tell `a - b` from the name
`a-b`. Tokens are merged into names before parsing, by these rules, in order:

1. A run of name parts directly before `:` that follows `{`, `(`, `,` or `<` is one name: a context
   key, a named argument, a typed parameter (`{monthly salary: 1}`, `substring(start position: 2)`).
2. A known name matches where its tokens appear with the same spacing: built-in function and type
   names (`date and time`, `get or else`), names the caller declares in scope (`compile_expression(...,
   names=...)`, e.g. DMN inputs), and keys written in the expression itself (`{"a-b": 1, c: a-b}`).
   The longest known name wins, as the specification says; a key is known in the whole expression,
   slightly wider than its scope.
3. Otherwise words that are not keywords, separated only by spaces, form one name (`monthly salary`),
   with whole numbers after a space (`address line 1`) and `'` between letters (`Applicant's age`):
   nothing else in FEEL puts two names side by side, so this needs no knowledge of scope.

Names may also be written in backticks (`` `x-y` ``), as Camunda's FEEL allows.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lark import Token

from bpmn_runtime.feel.errors import FeelSyntaxError

KEYWORDS = {
    "for": "FOR", "in": "IN", "return": "RETURN", "if": "IF", "then": "THEN", "else": "ELSE",
    "some": "SOME", "every": "EVERY", "satisfies": "SATISFIES", "and": "AND", "or": "OR",
    "between": "BETWEEN", "instance": "INSTANCE", "of": "OF", "function": "FUNCTION",
    "external": "EXTERNAL", "not": "NOT", "null": "NULL", "true": "TRUE", "false": "FALSE",
}
PUNCTUATION = {
    "(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB", "{": "LBRACE", "}": "RBRACE", ",": "COMMA",
    "..": "DOTDOT", ".": "DOT", ":": "COLON", "=": "EQUAL", "!=": "NOTEQUAL", "<": "LESSTHAN",
    "<=": "LESSEQUAL", ">": "MORETHAN", ">=": "MOREEQUAL", "+": "PLUS", "-": "MINUS", "*": "STAR",
    "/": "SLASH", "**": "POW", "@": "AT", "->": "ARROW",
}
NAME_SYMBOLS = frozenset(".  /-'+*".replace(" ", ""))  # additional name symbols of grammar rule 32

_START = (
    "?A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PART = _START + "0-9\u00B7\u0300-\u036F\u203F-\u2040"
_SCANNER = re.compile(
    rf"""(?P<space>[\s\u0085\u00A0\u1680\u180E\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]+)
      | (?P<comment>//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/|\Z))
      | (?P<word>[{_START}][{_PART}]*)
      | (?P<number>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<string>")
      | (?P<backtick>`[^`]*(?:`|\Z))
      | (?P<punct>\.\.|\*\*|<=|>=|!=|->|[()\[\]{{}},.:=<>+\-*/@'])
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_KEY_OPENERS = frozenset({"LBRACE", "LPAR", "COMMA", "LESSTHAN"})


@dataclass(frozen=True, slots=True)
class _Raw:
    kind: str  # word, number, string, punct, name (backtick)
    text: str  # source text (for words and punctuation) or decoded value (strings, backtick names)
    start: int
    end: int
    spaced: bool  # whitespace or a comment directly before


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def syntax_error(text: str, offset: int, message: str) -> FeelSyntaxError:
    line, column = _position(text, offset)
    return FeelSyntaxError(message, line, column)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Decode the string literal whose quote is at `start`; return its value and the offset after it."""
    parts: list[str] = []
    index = start + 1
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            return "".join(parts), index + 1
        if char != "\\":
            stop = index + 1
            while stop < length and text[stop] not in '"\\':
                stop += 1
            parts.append(text[index:stop])
            index = stop
            continue
        escape = text[index + 1:index + 2]
        if escape in _ESCAPES:
            parts.append(_ESCAPES[escape])
            index += 2
        elif escape in ("u", "U"):
            digits = 4 if escape == "u" else 6
            code = text[index + 2:index + 2 + digits]
            if len(code) != digits or not all(c in "0123456789abcdefABCDEF" for c in code):
                raise syntax_error(text, index, f"\\{escape} must be followed by {digits} hexadecimal digits")
            parts.append(chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else "\uFFFD")
            index += 2 + digits
        else:  # not an escape FEEL knows: the backslash stays, as regular expressions rely on
            parts.append("\\")
            index += 1
    raise syntax_error(text, start, "this string is never closed with '\"'")


def _join_surrogates(value: str) -> str:
    """Turn \\uD83D\\uDCA9-style surrogate pairs, decoded one half at a time, into one character."""
    if not any("\ud800" <= char <= "\udfff" for char in value):
        return value
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _scan(text: str) -> Iterator[_Raw]:
    index = 0
    spaced = True
    length = len(text)
    while index < length:
        match = _SCANNER.match(text, index)
        if match is None:
            raise syntax_error(text, index, f"unexpected character {text[index]!r}")
        kind = match.lastgroup or ""
        if kind in ("space", "comment"):
            if kind == "comment" and match.group().startswith("/*") and not match.group().endswith("*/"):
                raise syntax_error(text, index, "this comment is never closed with '*/'")
            spaced = True
            index = match.end()
            continue
        if kind == "string":
            value, end = _read_string(text, index)
            yield _Raw("string", _join_surrogates(value), index, end, spaced)
            index = end
        elif kind == "backtick":
            if not match.group().endswith("`") or len(match.group()) < 3:
                raise syntax_error(text, index, "a name in backticks must be closed with '`' and not be empty")
            yield _Raw("name", match.group()[1:-1], index, match.end(), spaced)
            index = match.end()
        else:
            yield _Raw(kind, match.group(), index, match.end(), spaced)
            index = match.end()
        spaced = False


def _name_part(raw: _Raw) -> bool:
    return raw.kind in ("word", "number") or (raw.kind == "punct" and raw.text in NAME_SYMBOLS)


def _joined(parts: list[_Raw]) -> str:
    return "".join((" " if i and part.spaced else "") + part.text for i, part in enumerate(parts))


class KnownNames:
    """Names that need knowledge to be recognised: those with keywords or symbols in them."""

    def __init__(self, names: Iterable[str], base: KnownNames | None = None) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, bool], ...]]] = {}
        if base is not None:
            self.by_first = {first: list(shapes) for first, shapes in base.by_first.items()}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        try:
            raws = list(_scan(name))
        except FeelSyntaxError:
            return
        if len(raws) < 2 or not all(_name_part(raw) for raw in raws):
            return
        if all(raw.kind == "word" and raw.text not in KEYWORDS for raw in raws):
            return  # plain words are merged without help (rule 3)
        shape = tuple((raw.text, raw.spaced) for raw in raws)
        candidates = self.by_first.setdefault(raws[0].text, [])
        if shape not in candidates:
            candidates.append(shape)
            candidates.sort(key=len, reverse=True)

    def match(self, raws: list[_Raw], index: int) -> int:
        """How many tokens from `index` form the longest known name there (0 if none)."""
        for shape in self.by_first.get(raws[index].text, ()):
            if index + len(shape) <= len(raws) and all(
                raws[index + i].text == text and raws[index + i].kind != "string" and raws[index + i].spaced == spaced
                for i, (text, spaced) in enumerate(shape) if i
            ):
                return len(shape)
        return 0


def tokenize(text: str, known: KnownNames) -> list[Token]:
    """The tokens of `text` with names merged; raises FeelSyntaxError for characters FEEL does not use."""
    raws = list(_scan(text))
    for position, raw in enumerate(raws):  # keys written as strings are names of this expression
        if raw.kind == "string" and position + 1 < len(raws) and raws[position + 1].text == ":":
            known.add(raw.text)
    tokens: list[Token] = []
    index = 0
    while index < len(raws):
        raw = raws[index]
        count = _key_length(raws, index, tokens)
        if count:
            tokens.append(_token("KEY", _joined(raws[index:index + count]), raw, raws[index + count - 1], text))
            known.add(tokens[-1].value)
            index += count
            continue
        count = known.match(raws, index) if raw.kind in ("word", "punct") else 0
        if count:
            tokens.append(_token("NAME", _joined(raws[index:index + count]), raw, raws[index + count - 1], text))
            index += count
            continue
        if raw.kind == "word" and raw.text not in KEYWORDS:
            count = _plain_name_length(raws, index)
            tokens.append(_token("NAME", _joined(raws[index:index + count]), raw, raws[index + count - 1], text))
            index += count
            continue
        token = _single(raw, text)
        if token.type == "RSQB" and _operand_expected(tokens) and (not tokens or tokens[-1].type != "LSQB"):
            token = Token.new_borrow_pos("OPENING_RSQB", token.value, token)
        tokens.append(token)
        index += 1
    return tokens


_OPERAND_ENDS = frozenset({"NAME", "NUMBER", "STRING", "RPAR", "RSQB", "RBRACE", "TRUE", "FALSE", "NULL"})


def _operand_expected(tokens: list[Token]) -> bool:
    """Whether the next token starts an operand, so that a `]` there opens an interval (`]1..2]`)."""
    return not tokens or tokens[-1].type not in _OPERAND_ENDS


def _key_length(raws: list[_Raw], index: int, tokens: list[Token]) -> int:
    """Tokens from `index` that form a key (rule 1), or 0."""
    if raws[index].kind not in ("word", "name") or (tokens and tokens[-1].type not in _KEY_OPENERS):
        return 0
    if raws[index].kind == "name":
        return 1 if index + 1 < len(raws) and raws[index + 1].text == ":" and raws[index + 1].kind == "punct" else 0
    stop = index
    while stop < len(raws) and _name_part(raws[stop]):
        stop += 1
    if stop < len(raws) and raws[stop].kind == "punct" and raws[stop].text == ":":
        return stop - index
    return 0


def _plain_name_length(raws: list[_Raw], index: int) -> int:
    """Words, spaced whole numbers and inner apostrophes that continue the name starting at `index` (rule 3)."""
    stop = index + 1
    while stop < len(raws):
        raw = raws[stop]
        if raw.kind == "word" and raw.spaced and raw.text not in KEYWORDS:
            stop += 1
        elif raw.kind == "number" and raw.spaced and raw.text.isdigit():
            stop += 1
        elif (raw.kind == "punct" and raw.text == "'" and not raw.spaced and stop + 1 < len(raws)
              and raws[stop + 1].kind in ("word", "number") and not raws[stop + 1].spaced):
            stop += 2
        else:
            break
    return stop - index


def _single(raw: _Raw, text: str) -> Token:
    if raw.kind == "word":
        return _token(KEYWORDS[raw.text], raw.text, raw, raw, text)
    if raw.kind == "name":
        return _token("NAME", raw.text, raw, raw, text)
    if raw.kind == "number":
        return _token("NUMBER", raw.text, raw, raw, text)
    if raw.kind == "string":
        return _token("STRING", raw.text, raw, raw, text)
    if raw.text == "'":
        raise syntax_error(text, raw.start, "unexpected \"'\"; strings are written in double quotes")
    return _token(PUNCTUATION[raw.text], raw.text, raw, raw, text)


def _token(kind: str, value: str, first: _Raw, last: _Raw, text: str) -> Token:
    line, column = _position(text, first.start)
    end_line, end_column = _position(text, last.end)
    return Token(kind, value, first.start, line, column, end_line, end_column, last.end)
