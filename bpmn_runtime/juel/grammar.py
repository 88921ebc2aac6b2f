"""The Unified EL grammar as JUEL (Camunda 7's implementation) reads it, and the parser built from it.

Lark's LALR parser runs in linear time with an explicit stack; the stack is watched while tokens are
fed, so deeply nested input is refused as soon as it gets too deep, before any tree is built.
Composite texts (`Dear ${name},`) are one grammar: a context-dependent lexer reads literal text
outside `${...}` / `#{...}` and expression tokens inside.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta

from bpmn_runtime.juel.errors import JuelError, JuelLimitError, JuelSyntaxError
from bpmn_runtime.juel.limits import MAX_PARSE_STACK, MAX_TEXT
from bpmn_runtime.juel.syntax import (
    Access, Bracket, Chain, Choice, Dot, Eval, Expression, FunctionCall, Identifier, Literal, Logical, Part,
    Text, Unary,
)

RESERVED_WORDS = ("and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "true", "false", "null", "empty",
                  "div", "mod", "instanceof")
_END = r"(?![\w$])"  # a word operator ends where a Java identifier would go on
_NAME = r"(?:[^\W\d]|\$)[\w$]*"  # a Java identifier: letters, digits, _ and $, not starting with a digit

GRAMMAR = rf"""
start: (TEXT | eval)*
eval: EVAL_OPEN expr "}}"

?expr: or_expr
     | or_expr "?" expr ":" expr -> choice
?or_expr: and_expr (OR and_expr)*
?and_expr: eq_expr (AND eq_expr)*
?eq_expr: cmp_expr ((EQ | NE) cmp_expr)*
?cmp_expr: add_expr ((LT | GT | LE | GE) add_expr)*
?add_expr: mul_expr ((PLUS | MINUS) mul_expr)*
?mul_expr: unary ((TIMES | DIV | MOD) unary)*
?unary: (MINUS | NOT | EMPTY) unary
      | value
?value: base member*
?base: literal
     | IDENTIFIER -> identifier
     | (QUALIFIED_NAME | IDENTIFIER) arguments -> function
     | "(" expr ")"
member: "." IDENTIFIER arguments? -> dot
      | "[" expr "]" arguments? -> bracket
arguments: "(" [expr ("," expr)*] ")"
literal: STRING | INTEGER | FLOAT | TRUE | FALSE | NULL

TEXT.3: /(?:[^$#\\]++|[$#](?!\{{)|\\++(?:[$#]\{{)?)++/
EVAL_OPEN: /[$#]\{{/
OR: /\|\||or{_END}/
AND: /&&|and{_END}/
EQ: /==|eq{_END}/
NE: /!=|ne{_END}/
LT: /<(?!=)|lt{_END}/
GT: />(?!=)|gt{_END}/
LE: /<=|le{_END}/
GE: />=|ge{_END}/
PLUS: "+"
MINUS: "-"
TIMES: "*"
DIV: /\/|div{_END}/
MOD: /%|mod{_END}/
NOT: /!(?!=)|not{_END}/
EMPTY: /empty{_END}/
TRUE: /true{_END}/
FALSE: /false{_END}/
NULL: /null{_END}/
IDENTIFIER: /(?!(?:{"|".join(RESERVED_WORDS)}){_END}){_NAME}/
QUALIFIED_NAME.2: /{_NAME}\s*:\s*{_NAME}(?=\s*\()/
FLOAT.2: /[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+/
INTEGER: /[0-9]+/
STRING: /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/s
WHITESPACE: /[ \t\n\r\f\v\x1c-\x1f]+/
%ignore WHITESPACE
"""

_OPERATORS = {"OR": "||", "AND": "&&", "EQ": "==", "NE": "!=", "LT": "<", "GT": ">", "LE": "<=", "GE": ">=",
              "PLUS": "+", "MINUS": "-", "TIMES": "*", "DIV": "/", "MOD": "%", "NOT": "!", "EMPTY": "empty"}
_CLOSERS = {"EVAL_OPEN": "}", "LPAR": ")", "LSQB": "]", "QMARK": ":"}
_CLOSING = frozenset({"RBRACE", "RPAR", "RSQB", "COLON"})
_LONG_MAX = 2**63 - 1
_STRING_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED_EVAL = re.compile(r"(\\+)([$#]\{)")
_FOUND = re.compile(r"""["']|[\w$]+|&&|\|\||[=!<>]=|\S""")


@functools.cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)


def parse(text: str) -> tuple[Part, ...]:
    """The parts of `text`; JuelSyntaxError or JuelLimitError (located) when it cannot be read."""
    if len(text) > MAX_TEXT:
        raise JuelLimitError(text, f"the text is {len(text):,} characters long, more than {MAX_TEXT:,}")
    interactive = _parser().parse_interactive(text)
    opened: list[tuple[str, str, int]] = []  # each open `${`, `(`, `[`, `?`: itself, its closer, its offset
    accepted: Token | None = None  # a token is accepted once the next one is read
    try:
        for token in interactive.iter_parse():
            if accepted is not None:
                _track(opened, accepted)
            accepted = token
            if len(interactive.parser_state.state_stack) > MAX_PARSE_STACK:
                raise JuelLimitError(text, "the expression is nested too deeply (parentheses, operators or "
                                           "arguments inside one another); split it up", token.start_pos)
        tree = interactive.resume_parse()  # type: ignore[no-untyped-call]  # lark leaves it unannotated
    except UnexpectedInput as error:
        raise _syntax_error(text, error, opened) from None
    try:
        parts: tuple[Part, ...] = _ToSyntax(text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, JuelError):
            raise error.orig_exc from None
        raise
    _refuse_mixed_kinds(text, parts)
    return parts


def _track(opened: list[tuple[str, str, int]], token: Token) -> None:
    if token.type in _CLOSERS:
        opened.append((token.value, _CLOSERS[token.type], token.start_pos or 0))
    elif token.type in _CLOSING and opened:
        opened.pop()


def _refuse_mixed_kinds(text: str, parts: tuple[Part, ...]) -> None:
    """JUEL reads one text either as immediate (`${}`) or deferred (`#{}`), never both."""
    kinds = [part for part in parts if isinstance(part, Eval)]
    for part in kinds[1:]:
        if part.deferred != kinds[0].deferred:
            raise JuelSyntaxError(text, "the text mixes ${...} and #{...}; JUEL allows only one kind in one text",
                                  part.offset)


def _syntax_error(text: str, error: UnexpectedInput, opened: list[tuple[str, str, int]]) -> JuelSyntaxError:
    """A plain message for the first thing the parser could not read."""
    closer = opened[-1][1] if opened else "}"
    if isinstance(error, UnexpectedToken) and error.token.type == "$END" and opened:
        symbol, closer, start = opened[-1]
        return JuelSyntaxError(text, f"the text ends before this '{symbol}' is closed with '{closer}'", start)
    if isinstance(error, UnexpectedToken):
        offset: int = error.token.start_pos or 0
        expected = set(error.expected)
    else:
        offset = error.pos_in_stream or 0
        expected = set(getattr(error, "allowed", None) or ())
    found = _FOUND.match(text, offset)
    word = found.group() if found else text[offset:offset + 1]
    previous = getattr(error, "token_history", None) or []
    if word in ("'", '"'):
        return JuelSyntaxError(text, "this string is never closed, or contains a backslash escape EL does "
                                     "not know (only \\\\ and an escaped quote are allowed)", offset)
    if word in RESERVED_WORDS and previous and previous[-1].type == "DOT":
        return JuelSyntaxError(text, f"'{word}' is a reserved word of EL and cannot follow '.'; "
                                     f"write ['{word}'] to read a property of that name", offset)
    hint = {"=": "; compare with '==' or 'eq'", "&": "; write '&&' or 'and'", "|": "; write '||' or 'or'",
            "instanceof": "; 'instanceof' is reserved in EL and has no meaning"}.get(word, "")
    if expected & {"IDENTIFIER", "INTEGER", "STRING"}:
        wanted = "a value (a name, a number, text in quotes, true, false, null or '(')"
    else:
        wanted = f"an operator or '{closer}'"
    return JuelSyntaxError(text, f"expected {wanted}, found '{word}'{hint}", offset)


def _string_value(text: str, token: Token) -> str:
    """The characters of a string literal; JUEL knows only the escapes \\\\ and the escaped own quote."""
    quote, body = token.value[0], token.value[1:-1]

    def unescape(match: re.Match[str]) -> str:
        character = match.group(1)
        if character not in ("\\", quote):
            raise JuelSyntaxError(text, f"'\\{character}' is not an escape EL knows; in a string only \\\\ and "
                                        f"\\{quote} are", (token.start_pos or 0) + 1 + match.start())
        return character

    return _STRING_ESCAPE.sub(unescape, body)


def _text_value(value: str) -> str:
    """JUEL's literal text: a run of backslashes before `${` / `#{` loses one backslash and escapes it."""
    return _ESCAPED_EVAL.sub(lambda match: match.group(1)[1:] + match.group(2), value)


@v_args(meta=True)
class _ToSyntax(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Lark's tree to syntax nodes; non-recursive, so a tree as deep as the parser allows is safe."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def start(self, meta: Meta, children: list[Any]) -> tuple[Part, ...]:
        return tuple(Text(child.start_pos or 0, _text_value(child.value)) if isinstance(child, Token) else child
                     for child in children)

    def eval(self, meta: Meta, children: list[Any]) -> Eval:
        opening, expression = children
        return Eval(opening.start_pos or 0, expression, deferred=opening.value.startswith("#"))

    def choice(self, meta: Meta, children: list[Any]) -> Choice:
        condition, then, otherwise = children
        return Choice(meta.start_pos, condition, then, otherwise)

    def or_expr(self, meta: Meta, children: list[Any]) -> Logical:
        return Logical(meta.start_pos, "||", tuple(children[::2]))

    def and_expr(self, meta: Meta, children: list[Any]) -> Logical:
        return Logical(meta.start_pos, "&&", tuple(children[::2]))

    def _chain(self, meta: Meta, children: list[Any]) -> Chain:
        pairs = zip(children[1::2], children[2::2])
        return Chain(meta.start_pos, children[0],
                     tuple((_OPERATORS[op.type], op.start_pos or 0, operand) for op, operand in pairs))

    eq_expr = cmp_expr = add_expr = mul_expr = _chain

    def unary(self, meta: Meta, children: list[Any]) -> Unary:
        operator, operand = children
        return Unary(meta.start_pos, _OPERATORS[operator.type], operand)

    def value(self, meta: Meta, children: list[Any]) -> Access:
        return Access(meta.start_pos, children[0], tuple(children[1:]))

    def identifier(self, meta: Meta, children: list[Any]) -> Identifier:
        return Identifier(meta.start_pos, children[0].value)

    def function(self, meta: Meta, children: list[Any]) -> FunctionCall:
        name, arguments = children
        return FunctionCall(meta.start_pos, name.value.split(":")[-1].strip(), arguments)

    def dot(self, meta: Meta, children: list[Any]) -> Dot:
        name = children[0]
        return Dot(name.start_pos or 0, name.value, children[1] if len(children) > 1 else None)

    def bracket(self, meta: Meta, children: list[Any]) -> Bracket:
        return Bracket(meta.start_pos, children[0], children[1] if len(children) > 1 else None)

    def arguments(self, meta: Meta, children: list[Any]) -> tuple[Expression, ...]:
        return tuple(child for child in children if child is not None)

    def literal(self, meta: Meta, children: list[Any]) -> Literal:
        token: Token = children[0]
        kind, offset = token.type, token.start_pos or 0
        if kind == "STRING":
            return Literal(offset, _string_value(self.text, token))
        if kind == "INTEGER":
            number = int(token.value)
            if number > _LONG_MAX:
                raise JuelSyntaxError(self.text, f"the number {token.value} is too large for EL, whose whole "
                                                 f"numbers are Java longs (at most {_LONG_MAX})", offset)
            return Literal(offset, number)
        if kind == "FLOAT":
            return Literal(offset, float(token.value))
        return Literal(offset, {"TRUE": True, "FALSE": False, "NULL": None}[kind])
