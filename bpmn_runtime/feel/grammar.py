"""The FEEL grammar (DMN 1.5, 10.3.1.2), parsed by lark's LALR parser from the tokens of `lexer`.

Operator precedence, lowest first: for/if/some/every/function, `or`, `and`, comparisons, `between`,
`in`, `instance of`, `+ -`, `* /`, `**` (left-associative, as the DMN TCK expects), unary `-`, then
paths, filters and invocations. Interval end points cannot carry a filter unless parenthesised, so
`[1..10[` reads as an interval open at 10. The lexer marks a `]` that opens an interval (`]1..10]`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bpmn_runtime.feel.errors import FeelSyntaxError
from bpmn_runtime.feel.lexer import KEYWORDS, PUNCTUATION

GRAMMAR = r"""
%declare NAME KEY NUMBER STRING
%declare FOR IN RETURN IF THEN ELSE SOME EVERY SATISFIES AND OR BETWEEN INSTANCE OF FUNCTION EXTERNAL NOT NULL TRUE FALSE
%declare LPAR RPAR LSQB RSQB LBRACE RBRACE COMMA DOTDOT DOT COLON EQUAL NOTEQUAL LESSTHAN LESSEQUAL MORETHAN MOREEQUAL
%declare PLUS MINUS STAR SLASH POW AT ARROW OPENING_RSQB

start: expression
unary_tests: MINUS                                   -> any_input
           | expression (COMMA expression)*         -> positive_tests

?expression: for_expr | if_expr | quantified | function_def | disjunction | unary_comparison

for_expr: FOR iteration (COMMA iteration)* RETURN expression
iteration: NAME IN expression (DOTDOT expression)?
if_expr: IF expression THEN expression ELSE expression
quantified: (SOME | EVERY) NAME IN expression (COMMA NAME IN expression)* SATISFIES expression
function_def: FUNCTION LPAR [formal (COMMA formal)*] RPAR [EXTERNAL] expression
formal: NAME | KEY COLON type
unary_comparison: (LESSTHAN | LESSEQUAL | MORETHAN | MOREEQUAL | EQUAL | NOTEQUAL) sum

?disjunction: conjunction | disjunction OR conjunction      -> disjunction
?conjunction: comparison | conjunction AND comparison       -> conjunction
?comparison: relational
           | comparison (EQUAL | NOTEQUAL | LESSTHAN | LESSEQUAL | MORETHAN | MOREEQUAL) relational -> comparison
?relational: sum
           | relational BETWEEN sum AND sum                 -> between
           | relational IN in_target                        -> in_test
           | relational INSTANCE OF type                    -> instance_of
in_target: sum | unary_comparison
         | LPAR expression COMMA expression (COMMA expression)* RPAR -> test_list

?sum: product | sum (PLUS | MINUS) product                  -> arithmetic
?product: power | product (STAR | SLASH) power              -> arithmetic
?power: unary | power POW unary                             -> arithmetic
?unary: postfix | MINUS unary                               -> negation
?postfix: primary
        | postfix DOT NAME                                  -> path
        | postfix LSQB expression RSQB                      -> filter
        | postfix LPAR [arguments] RPAR                     -> invocation

?primary: literal
        | NAME                                              -> name
        | LPAR expression RPAR
        | LSQB [expression (COMMA expression)*] RSQB        -> list
        | LBRACE [entry (COMMA entry)*] RBRACE              -> context
        | (LPAR | OPENING_RSQB | LSQB) expression DOTDOT endpoint (RPAR | LSQB | RSQB) -> interval
        | AT STRING                                         -> at_literal
        | (NOT | AND | OR) LPAR [arguments] RPAR            -> keyword_invocation
literal: NUMBER | STRING | TRUE | FALSE | NULL
entry: (KEY | STRING) COLON expression

arguments: expression (COMMA expression)*                  -> positional
         | KEY COLON expression (COMMA KEY COLON expression)* -> named

?endpoint: endpoint_sum
?endpoint_sum: endpoint_product | endpoint_sum (PLUS | MINUS) endpoint_product -> arithmetic
?endpoint_product: endpoint_power | endpoint_product (STAR | SLASH) endpoint_power -> arithmetic
?endpoint_power: endpoint_unary | endpoint_power POW endpoint_unary -> arithmetic
?endpoint_unary: endpoint_postfix | MINUS endpoint_unary   -> negation
?endpoint_postfix: primary
        | endpoint_postfix DOT NAME                         -> path
        | endpoint_postfix LPAR [arguments] RPAR            -> invocation

type: NAME                                                  -> named_type
    | FUNCTION                                              -> any_function_type
    | NAME LESSTHAN type MORETHAN                           -> generic_type
    | NAME LESSTHAN KEY COLON type (COMMA KEY COLON type)* MORETHAN -> context_type
    | FUNCTION LESSTHAN [type (COMMA type)*] MORETHAN ARROW type -> function_type
"""


class _TokenList(Lexer):
    """Feeds lark the tokens our lexer already made (the text passed to lark is a list of them)."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Iterator[Token]:  # type: ignore[override]
        yield from data


PARSER = Lark(GRAMMAR, parser="lalr", lexer=_TokenList, start=["start", "unary_tests"], maybe_placeholders=True)

_READABLE = {name: f"'{text}'" for text, name in PUNCTUATION.items()}
_READABLE.update({name: f"'{word}'" for word, name in KEYWORDS.items()})
_READABLE.update({"OPENING_RSQB": "']'", "NAME": "a name", "KEY": "a name followed by ':'", "NUMBER": "a number", "STRING": "a string",
                  "$END": "the end of the expression"})
_OPERAND_STARTS = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "LBRACE"}
_CLOSERS = ["KEY", "RPAR", "RSQB", "RBRACE", "THEN", "ELSE", "RETURN", "SATISFIES", "COLON", "DOTDOT", "COMMA",
            "OF", "ARROW"]
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "POW", "EQUAL", "NOTEQUAL", "LESSTHAN", "LESSEQUAL", "MORETHAN",
              "MOREEQUAL", "AND", "OR", "BETWEEN", "INSTANCE"}


def parse(tokens: list[Token], text: str, start: str) -> Tree[Token]:
    """Parse tokens into a tree; a FeelSyntaxError says where and what was expected, in FEEL words."""
    try:
        return PARSER.parse(tokens, start=start)
    except UnexpectedToken as error:
        raise _located(error, text) from None
    except UnexpectedInput as error:  # pragma: no cover - the token list leaves nothing else unexpected
        raise FeelSyntaxError("unexpected input", error.line or 1, error.column or 1) from None


def _located(error: UnexpectedToken, text: str) -> FeelSyntaxError:
    token = error.token
    try:  # what really continues the text: LALR's table also lists terminals that fail after a reduction
        accepts: Callable[[], set[str]] = error.interactive_parser.accepts
        expected = accepts() or set(error.expected)
    except Exception:  # pragma: no cover - accepts() replays the parser; fall back to the table
        expected = set(error.expected)
    if token.type == "$END":
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        found = "the expression ends there"
    else:
        line, column = token.line or 1, token.column or 1
        found = f"found {_describe(token)}"
    return FeelSyntaxError(f"expected {_expected_text(expected)}, but {found}", line, column)


def _describe(token: Token) -> str:
    if token.type == "NAME":
        return f"the name '{token.value}'"
    if token.type == "NUMBER":
        return f"the number {token.value}"
    if token.type == "STRING":
        return "a string"
    return _READABLE.get(token.type, repr(token.value))


def _expected_text(expected: set[str]) -> str:
    """What the parser wanted, the way a modeller would say it: closing brackets and keywords first."""
    closers = [_READABLE[name] for name in _CLOSERS if name in expected]
    if _OPERAND_STARTS <= expected:
        mentioned = ["an expression", *closers[:2]]
    elif len(_OPERATORS & expected) > 2:
        ending = ["the end of the expression"] if "$END" in expected else []
        mentioned = ["an operator", *closers[:2], *ending]
    elif closers:
        mentioned = closers[:3]
    else:
        mentioned = sorted(_READABLE.get(name, name) for name in expected)[:4]
    if len(mentioned) == 1:
        return mentioned[0]
    return ", ".join(mentioned[:-1]) + " or " + mentioned[-1]
