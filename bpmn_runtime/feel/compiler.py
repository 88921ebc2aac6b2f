"""Turns a parse tree into nested Python closures, each taking an `Env` and returning a FEEL value.

Nothing here reaches Python attributes or `eval`: names resolve only through FEEL scopes and the
table of built-ins, and a path `a.b` reads context entries or the documented properties of dates,
times, durations and ranges.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, DecimalException
from typing import Any, TypeVar

from lark import Token, Tree

from bpmn_runtime.feel import operators
from bpmn_runtime.feel.builtins import BUILTINS
from bpmn_runtime.feel.errors import FeelBudgetError, FeelSyntaxError
from bpmn_runtime.feel.functions import FeelFunction, NullResult, UserFunction
from bpmn_runtime.feel.numbers import number
from bpmn_runtime.feel.scope import MISSING, Env
from bpmn_runtime.feel.temporal import (
    NANOS_PER_SECOND,
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
    parse_temporal,
)
from bpmn_runtime.feel.types import Predicate, context_of, function_of, list_of, range_of, simple
from bpmn_runtime.feel.values import UNBOUNDED, EqualityTest, Range, compare, equal, type_name

Compiled = Callable[[Env], Any]
T = TypeVar("T")
MAX_NESTING = 100  # syntax nesting; deeper text is refused before it could exhaust the Python stack

_SEPARATORS = frozenset({"LPAR", "RPAR", "LSQB", "RSQB", "OPENING_RSQB", "LBRACE", "RBRACE", "COMMA", "DOTDOT",
                         "DOT", "COLON", "AT", "ARROW", "FOR", "IN", "RETURN", "IF", "THEN", "ELSE", "SATISFIES",
                         "BETWEEN", "INSTANCE", "OF", "FUNCTION", "LESSTHAN", "MORETHAN", "OR", "AND"})
ARITHMETIC = {"PLUS": operators.add, "MINUS": operators.subtract, "STAR": operators.multiply,
               "SLASH": operators.divide, "POW": operators.power}
SIMPLE = frozenset({Decimal, str, bool})  # types whose FEEL equality is Python's
SIMPLE_ORDERED = frozenset({Decimal, str})  # types whose FEEL order is Python's
FAST_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "LESSTHAN": operator.lt, "LESSEQUAL": operator.le, "MORETHAN": operator.gt, "MOREEQUAL": operator.ge,
}
_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "LESSTHAN": lambda order: order < 0, "LESSEQUAL": lambda order: order <= 0,
    "MORETHAN": lambda order: order > 0, "MOREEQUAL": lambda order: order >= 0,
}


def parts(tree: Tree[Token]) -> list[Any]:
    """The children that carry meaning: subtrees and tokens other than punctuation and keywords."""
    return [child for child in tree.children
            if child is not None and not (isinstance(child, Token) and child.type in _SEPARATORS)]


def _start_of(node: Any) -> Token | None:
    if isinstance(node, Token):
        return node
    for child in node.children:
        if child is not None:
            found = _start_of(child)
            if found is not None:
                return found
    return None


def references(node: Any, name: str) -> bool:
    """Whether a subtree mentions `name` (used for `?` in unary tests and `partial` in loops)."""
    if isinstance(node, Token):
        return node.type == "NAME" and node.value == name
    return node is not None and any(references(child, name) for child in node.children)


class Compiler:
    """Compiles one expression text; `text` locates errors."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0
        # closures that load a name or give a constant, by id, so that operators can inline them
        self.names: dict[int, str] = {}
        self.constants: dict[int, Any] = {}

    def error(self, node: Any, message: str) -> FeelSyntaxError:
        token = _start_of(node)
        return FeelSyntaxError(message, (token.line or 1) if token else 1, (token.column or 1) if token else 1)

    def compile(self, node: Any) -> Compiled:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.error(node, f"the expression is nested more than {MAX_NESTING} levels deep")
            if isinstance(node, Token):
                return self._token(node)
            method: Callable[[Tree[Token]], Compiled] = getattr(self, "_" + node.data)
            return method(node)
        finally:
            self.depth -= 1

    # --- Leaves ---

    def _token(self, token: Token) -> Compiled:
        if token.type == "NAME":
            load = _name(token.value)
            self.names[id(load)] = token.value
            return load
        value = self._constant(token)
        constant: Compiled = lambda env: value  # noqa: E731
        self.constants[id(constant)] = value
        return constant

    def _constant(self, token: Token) -> Any:
        if token.type == "NUMBER":
            try:
                return number(token.value)
            except DecimalException:
                raise self.error(token, f"the number {token.value} is too large") from None
        return {"STRING": token.value, "TRUE": True, "FALSE": False, "NULL": None}[token.type]

    def _literal(self, tree: Tree[Token]) -> Compiled:
        return self._token(tree.children[0])  # type: ignore[arg-type]

    def _name(self, tree: Tree[Token]) -> Compiled:
        return self._token(tree.children[0])  # type: ignore[arg-type]

    def _start(self, tree: Tree[Token]) -> Compiled:
        return self.compile(tree.children[0])

    def _primary(self, tree: Tree[Token]) -> Compiled:  # ( expression )
        return self.compile(parts(tree)[0])

    def _at_literal(self, tree: Tree[Token]) -> Compiled:
        text = tree.children[1]
        value = parse_temporal(str(text))
        if value is None:
            raise self.error(tree, f'@"{text}" is not a date, time, date and time or duration')
        return lambda env: value

    # --- Operators ---

    def _disjunction(self, tree: Tree[Token]) -> Compiled:
        return self._logical(tree, decisive=True)

    def _conjunction(self, tree: Tree[Token]) -> Compiled:
        return self._logical(tree, decisive=False)

    def _logical(self, tree: Tree[Token], decisive: bool) -> Compiled:
        left, right = (self.compile(part) for part in parts(tree))
        return logical(left, right, decisive)

    def _comparison(self, tree: Tree[Token]) -> Compiled:
        left_node, symbol, right_node = tree.children
        left, right = self.compile(left_node), self.compile(right_node)
        kind = symbol.type  # type: ignore[union-attr]
        decide = comparator(kind)
        name = self.names.get(id(left))
        if name is not None and id(right) in self.constants:  # `amount > 1000`: the common condition, inlined
            constant = self.constants[id(right)]
            constant_type = type(constant)
            fast = FAST_COMPARISONS.get(kind) if constant_type in SIMPLE_ORDERED else None
            if constant_type in SIMPLE and kind in ("EQUAL", "NOTEQUAL"):
                fast = operator.eq if kind == "EQUAL" else operator.ne

            def name_against_constant(env: Env) -> Any:
                value = env.scope.lookup(name)
                if fast is not None and type(value) is constant_type:
                    return fast(value, constant)
                return decide(env, _unbound(env, name) if value is MISSING else value, constant)

            return name_against_constant
        return lambda env: decide(env, left(env), right(env))

    def _between(self, tree: Tree[Token]) -> Compiled:
        value, low, high = (self.compile(part) for part in parts(tree))

        def run(env: Env) -> Any:
            subject = value(env)
            above = compare(subject, low(env))
            below = compare(subject, high(env))
            if above is not None and above < 0 or below is not None and below > 0:
                return False
            if above is None or below is None:
                env.state.note(f"cannot compare {type_name(subject)} with the bounds of 'between'")
                return None
            return True

        return run

    def _arithmetic(self, tree: Tree[Token]) -> Compiled:
        left_node, operator, right_node = tree.children
        left, right = self.compile(left_node), self.compile(right_node)
        apply = ARITHMETIC[operator.type]  # type: ignore[union-attr]

        def run(env: Env) -> Any:
            try:
                result = apply(left(env), right(env))
            except NullResult as why:
                env.state.note(str(why))
                return None
            if type(result) is str:
                env.state.check_string(len(result))
            return result

        return run

    def _negation(self, tree: Tree[Token]) -> Compiled:
        operand = self.compile(tree.children[1])

        def run(env: Env) -> Any:
            try:
                return operators.negate(operand(env))
            except NullResult as why:
                env.state.note(str(why))
                return None

        return run

    # --- Tests and ranges ---

    def _unary_comparison(self, tree: Tree[Token]) -> Compiled:
        operator, operand_node = tree.children
        operand = self.compile(operand_node)
        kind = operator.type  # type: ignore[union-attr]
        if kind in ("EQUAL", "NOTEQUAL"):
            negated = kind == "NOTEQUAL"
            return lambda env: EqualityTest(operand(env), negated)
        if kind in ("LESSTHAN", "LESSEQUAL"):
            inclusive = kind == "LESSEQUAL"
            return lambda env: Range(UNBOUNDED, operand(env), False, inclusive)
        inclusive = kind == "MOREEQUAL"
        return lambda env: Range(operand(env), UNBOUNDED, inclusive, False)

    def _interval(self, tree: Tree[Token]) -> Compiled:
        opening, start_node, _, end_node, closing = tree.children
        start, end = self.compile(start_node), self.compile(end_node)
        start_included = opening.type == "LSQB"  # type: ignore[union-attr]
        end_included = closing.type == "RSQB"  # type: ignore[union-attr]

        def run(env: Env) -> Any:
            low, high = start(env), end(env)
            if low is not None and high is not None and compare(low, high) is None:
                env.state.note(f"a range cannot go from {type_name(low)} to {type_name(high)}")
                return None
            return Range(low, high, start_included, end_included)

        return run

    def _in_test(self, tree: Tree[Token]) -> Compiled:
        value_node, target = parts(tree)
        value = self.compile(value_node)
        if target.data == "test_list":
            tests = [self.compile(part) for part in parts(target)]

            def any_test(env: Env) -> Any:
                subject = value(env)
                return any(operators.matches_value(subject, test(env)) is True for test in tests)

            return any_test
        test = self.compile(target.children[0])
        return lambda env: operators.matches_value(value(env), test(env))

    def _instance_of(self, tree: Tree[Token]) -> Compiled:
        value_node, type_node = parts(tree)
        value = self.compile(value_node)
        conforms = self.type_predicate(type_node)
        if conforms is None:
            name = _start_of(type_node)

            def unknown(env: Env) -> Any:
                env.state.note(f"unknown type {name.value if name else ''!r}")
                return None

            return unknown
        return lambda env: conforms(value(env))

    def type_predicate(self, node: Tree[Token]) -> Predicate | None:
        """The test for a type written in FEEL, or None when a name in it is not a FEEL type."""
        pieces = parts(node)
        if node.data == "named_type":
            return simple(str(pieces[0]))
        if node.data == "any_function_type":
            return function_of(None)
        if node.data == "generic_type":
            kind, inner = str(pieces[0]), self.type_predicate(pieces[1])
            if inner is None or kind not in ("list", "range"):
                return None
            return list_of(inner) if kind == "list" else range_of(inner)
        if node.data == "context_type":
            if str(pieces[0]) != "context":
                return None
            entries = {}
            for key, entry_type in zip(pieces[1::2], pieces[2::2]):
                predicate = self.type_predicate(entry_type)
                if predicate is None:
                    return None
                entries[str(key)] = predicate
            return context_of(entries)
        return function_of(len(pieces) - 1)  # function<a, b> -> c

    # --- Control ---

    def _if_expr(self, tree: Tree[Token]) -> Compiled:
        condition, then, otherwise = (self.compile(part) for part in parts(tree))

        def run(env: Env) -> Any:
            decided = condition(env)
            if decided is True:
                return then(env)
            if decided is False or decided is None:
                return otherwise(env)
            return _not_boolean(env, "the condition of 'if'", decided)

        return run

    def _iterations(self, nodes: list[Any]) -> list[tuple[str, Compiled, Compiled | None]]:
        contexts = []
        for node in nodes:
            name, *bounds = parts(node)
            contexts.append((str(name), self.compile(bounds[0]), self.compile(bounds[1]) if len(bounds) > 1 else None))
        return contexts

    def _for_expr(self, tree: Tree[Token]) -> Compiled:
        *iteration_nodes, body_node = parts(tree)
        iterations = self._iterations(iteration_nodes)
        body = self.compile(body_node)
        snapshot = references(body_node, "partial")

        def run(env: Env) -> Any:
            results: list[Any] = []
            state = env.state

            def loop(level: int, scope_env: Env) -> bool:
                if level == len(iterations):
                    partial = list(results) if snapshot else results
                    results.append(body(scope_env.child({"partial": partial})))
                    state.tick()
                    state.check_list(len(results))
                    return True
                name, start, end = iterations[level]
                items = _iterable(scope_env, start, end)
                if items is None:
                    return False
                return all(loop(level + 1, scope_env.child({name: item})) for item in items)

            return results if loop(0, env) else None

        return run

    def _quantified(self, tree: Tree[Token]) -> Compiled:
        kind = tree.children[0].type  # type: ignore[union-attr]
        pieces = parts(tree)[1:]  # after SOME or EVERY
        body = self.compile(pieces[-1])
        names = [str(part) for part in pieces[:-1:2]]
        sources = [self.compile(part) for part in pieces[1:-1:2]]
        wanted = kind == "SOME"

        def search(level: int, env: Env) -> bool | None:
            """Whether an item decides the answer (satisfies `some`, fails `every`); None for a non-boolean."""
            state = env.state
            last = level == len(names) - 1
            for item in _iterable(env, sources[level], None) or ():
                inner = env.child({names[level]: item})
                if last:
                    state.tick()
                    satisfied = body(inner)
                    if satisfied is not True and satisfied is not False and satisfied is not None:
                        _not_boolean(env, "what 'satisfies' gives", satisfied)
                        return None
                    if (satisfied is True) is wanted:
                        return True
                else:
                    found = search(level + 1, inner)
                    if found is not False:
                        return found
            return False

        def run(env: Env) -> Any:
            found = search(0, env)
            return None if found is None else found is wanted

        return run

    def _function_def(self, tree: Tree[Token], name: str = "anonymous function") -> Compiled:
        if any(isinstance(child, Token) and child.type == "EXTERNAL" for child in tree.children):
            raise self.error(tree, "external functions are not supported: an expression may call only FEEL")
        *formal_nodes, body_node = parts(tree)
        parameters: list[tuple[str, Predicate | None]] = []
        for formal in formal_nodes:
            formal_parts = parts(formal)
            predicate = self.type_predicate(formal_parts[1]) if len(formal_parts) > 1 else None
            parameters.append((str(formal_parts[0]), predicate))
        if len({parameter for parameter, _ in parameters}) != len(parameters):
            raise self.error(tree, "two parameters of this function have the same name")
        body = self.compile(body_node)
        return lambda env: UserFunction(parameters, body, env.scope, name)

    # --- Data ---

    def _list(self, tree: Tree[Token]) -> Compiled:
        items = [self.compile(part) for part in parts(tree)]

        def run(env: Env) -> Any:
            env.state.check_list(len(items))
            return [item(env) for item in items]

        return run

    def _context(self, tree: Tree[Token]) -> Compiled:
        entries: list[tuple[str, Compiled]] = []
        for entry in parts(tree):
            key_token, value_node = parts(entry)
            key = str(key_token)
            if any(key == existing for existing, _ in entries):
                raise self.error(entry, f"the key {key!r} appears twice in this context")
            if isinstance(value_node, Tree) and value_node.data == "function_def":
                entries.append((key, self._function_def(value_node, key)))
            else:
                entries.append((key, self.compile(value_node)))

        def run(env: Env) -> Any:
            values: dict[str, Any] = {}
            inner = env.child(values)  # later entries see earlier ones
            for key, value in entries:
                values[key] = value(inner)
            return values

        return run

    def _path(self, tree: Tree[Token]) -> Compiled:
        owner_node, member = parts(tree)
        owner = self.compile(owner_node)
        name = str(member)
        return lambda env: member_of(env, owner(env), name)

    def _filter(self, tree: Tree[Token]) -> Compiled:
        source_node, condition_node = parts(tree)
        source = self.compile(source_node)
        condition = self.compile(condition_node)
        may_index = not references(condition_node, "item")

        def run(env: Env) -> Any:
            items = source(env)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            if may_index:
                env.state.quiet += 1
                try:
                    index = condition(env)
                finally:
                    env.state.quiet -= 1
                if type(index) is Decimal:
                    return _element(env, items, index)
            env.state.tick(len(items))
            kept = []
            for item in items:
                # a context's entries are in scope, and `item` is the element unless an entry has that name
                scope = {"item": item, **item} if isinstance(item, Mapping) else {"item": item}
                selected = condition(env.child(scope))
                if selected is True:
                    kept.append(item)
                elif selected is not False and selected is not None:
                    return _not_boolean(env, "a filter", selected)
            return kept

        return run

    def _invocation(self, tree: Tree[Token]) -> Compiled:
        pieces = parts(tree)
        callee_node, arguments = pieces[0], pieces[1] if len(pieces) > 1 else None
        if isinstance(callee_node, Tree) and callee_node.data == "name":
            callee = _function_name(str(callee_node.children[0]))
        else:
            callee = _function_value(self.compile(callee_node))
        return self._call(callee, arguments)

    def _keyword_invocation(self, tree: Tree[Token]) -> Compiled:
        keyword, _, arguments, _ = tree.children
        function = BUILTINS[str(keyword)]
        return self._call(lambda env: function, arguments if isinstance(arguments, Tree) else None)

    def _call(self, callee: Callable[[Env], FeelFunction | None], arguments: Tree[Token] | None) -> Compiled:
        if arguments is not None and arguments.data == "named":
            pieces = parts(arguments)
            names = [str(part) for part in pieces[0::2]]
            if len(set(names)) != len(names):
                raise self.error(arguments, "an argument is named twice")
            values = [self.compile(part) for part in pieces[1::2]]

            def named(env: Env) -> Any:
                function = callee(env)
                if function is None:
                    return None
                return function.invoke(env, None, {name: value(env) for name, value in zip(names, values)})

            return named
        positional = [self.compile(part) for part in (parts(arguments) if arguments is not None else [])]

        def call(env: Env) -> Any:
            function = callee(env)
            if function is None:
                return None
            return function.invoke(env, [argument(env) for argument in positional], None)

        return call


def logical(left: Callable[[T], Any], right: Callable[[T], Any], decisive: bool) -> Callable[[T], Any]:
    """`or` (decisive true) and `and` (decisive false) in three-valued logic: anything not boolean is null."""
    other = not decisive

    def run(argument: T) -> Any:
        first = left(argument)
        if first is decisive:
            return decisive
        second = right(argument)
        if second is decisive:
            return decisive
        return other if first is other and second is other else None

    return run


def _not_boolean(env: Env, what: str, value: Any) -> Any:
    """A condition that gave neither a boolean nor null makes the whole expression null (DMN 1.5)."""
    env.state.note(f"{what} must give true, false or null, not {type_name(value)}")
    return None


def _name(name: str) -> Compiled:
    def load(env: Env) -> Any:
        value = env.scope.lookup(name)
        return _unbound(env, name) if value is MISSING else value

    return load


def _unbound(env: Env, name: str) -> Any:
    """A name not in scope: a built-in function, or null with a note."""
    value = BUILTINS.get(name)
    if value is None:
        env.state.note(f"no variable named {name!r}")
    return value


def comparator(kind: str) -> Callable[[Env, Any, Any], Any]:
    """`=`, `!=`, `<`, `<=`, `>`, `>=` on two values; null (with a note) for values that do not compare."""
    if kind in ("EQUAL", "NOTEQUAL"):
        negated = kind == "NOTEQUAL"

        def equality(env: Env, a: Any, b: Any) -> Any:
            kind = type(a)
            if kind is type(b) and kind in SIMPLE:
                return (a == b) is not negated
            result = equal(a, b)
            if result is None:
                env.state.note(f"cannot compare {type_name(a)} with {type_name(b)}")
                return None
            return not result if negated else result

        return equality
    holds = _COMPARISONS[kind]
    fast = FAST_COMPARISONS[kind]

    def order(env: Env, a: Any, b: Any) -> Any:
        if type(a) is type(b) and type(a) in SIMPLE_ORDERED:
            return fast(a, b)
        result = compare(a, b)
        if result is None:
            if a is not None and b is not None:
                env.state.note(f"cannot compare {type_name(a)} with {type_name(b)} by order")
            return None
        return holds(result)

    return order


def _function_name(name: str) -> Callable[[Env], FeelFunction | None]:
    def resolve(env: Env) -> FeelFunction | None:
        value = env.scope.lookup(name)
        if value is MISSING:
            value = BUILTINS.get(name)
            if value is None:
                env.state.note(f"no function named {name!r}")
                return None
        if not isinstance(value, FeelFunction):
            env.state.note(f"{name!r} is {type_name(value)}, not a function")
            return None
        return value

    return resolve


def _function_value(compiled: Compiled) -> Callable[[Env], FeelFunction | None]:
    def resolve(env: Env) -> FeelFunction | None:
        value = compiled(env)
        if not isinstance(value, FeelFunction):
            env.state.note(f"{type_name(value)} is not a function")
            return None
        return value

    return resolve


def _element(env: Env, items: list[Any], index: Decimal) -> Any:
    """`list[n]`: 1-based, negative from the end, null (with a note) out of range."""
    position = int(index) if index == index.to_integral_value() else 0
    if position > 0 and position <= len(items):
        return items[position - 1]
    if position < 0 and -position <= len(items):
        return items[position]
    env.state.note(f"index {index} is outside a list of {len(items)} items")
    return None


def _iterable(env: Env, start: Compiled, end: Compiled | None) -> Iterable[Any] | None:
    """What an iteration context walks: a list, `a..b` over whole numbers or dates, or a single value."""
    first = start(env)
    if end is None:
        if first is None:
            env.state.note("cannot iterate over null")
            return None
        return first if type(first) is list else [first]
    last = end(env)
    if type(first) is Decimal and type(last) is Decimal:
        if first != first.to_integral_value() or last != last.to_integral_value():
            env.state.note("a range to iterate over must have whole numbers as ends")
            return None
        low, high = int(first), int(last)
        step = 1 if high >= low else -1
        _check_iterations(env, abs(high - low) + 1)
        return (Decimal(value) for value in range(low, high + step, step))
    if type(first) is FeelDate and type(last) is FeelDate:
        low, high = first.epoch_day(), last.epoch_day()
        step = 1 if high >= low else -1
        _check_iterations(env, abs(high - low) + 1)
        return (FeelDate.from_epoch_day(day) for day in range(low, high + step, step))
    env.state.note(f"cannot iterate from {type_name(first)} to {type_name(last)}")
    return None


def _check_iterations(env: Env, count: int) -> None:
    """Refuse at once a range whose walk is certain to exceed the budget."""
    budget = env.state.budget
    if count > budget.steps - env.state.steps:
        raise FeelBudgetError(f"iterating over {count} values would take more than {budget.steps} steps")


def member_of(env: Env, value: Any, name: str) -> Any:
    """`value.name`: a context entry, the same path on every item of a list, or a property."""
    if type(value) is dict or isinstance(value, Mapping):
        found = value.get(name, MISSING)
        if found is MISSING:
            env.state.note(f"the context has no entry {name!r}")
            return None
        return found
    if type(value) is list:
        env.state.tick(len(value))
        return [member_of(env, item, name) for item in value]
    if value is None:
        env.state.note(f"cannot read {name!r} of null")
        return None
    getter = _PROPERTIES.get((type(value), name))
    if getter is None:
        env.state.note(f"{type_name(value)} has no property {name!r}")
        return None
    return getter(value)


def _offset_duration(offset: int | None) -> Any:
    return None if offset is None else DayTimeDuration(offset * NANOS_PER_SECOND)


def _weekday(date: FeelDate) -> Decimal:
    return Decimal((date.epoch_day() + 3) % 7 + 1)  # 1970-01-01 was a Thursday; Monday is 1


def _dt_parts(duration: DayTimeDuration) -> tuple[int, int, int, int, int]:
    sign = -1 if duration.nanoseconds < 0 else 1
    rest = abs(duration.nanoseconds)
    days, rest = divmod(rest, 86_400 * NANOS_PER_SECOND)
    hours, rest = divmod(rest, 3600 * NANOS_PER_SECOND)
    minutes, rest = divmod(rest, 60 * NANOS_PER_SECOND)
    return sign, days, hours, minutes, rest // NANOS_PER_SECOND


_PROPERTIES: dict[tuple[type, str], Callable[[Any], Any]] = {
    (FeelDate, "year"): lambda d: Decimal(d.year),
    (FeelDate, "month"): lambda d: Decimal(d.month),
    (FeelDate, "day"): lambda d: Decimal(d.day),
    (FeelDate, "weekday"): _weekday,
    (FeelDateTime, "year"): lambda d: Decimal(d.date.year),
    (FeelDateTime, "month"): lambda d: Decimal(d.date.month),
    (FeelDateTime, "day"): lambda d: Decimal(d.date.day),
    (FeelDateTime, "weekday"): lambda d: _weekday(d.date),
    (FeelDateTime, "hour"): lambda d: Decimal(d.time.hour),
    (FeelDateTime, "minute"): lambda d: Decimal(d.time.minute),
    (FeelDateTime, "second"): lambda d: Decimal(d.time.second),
    (FeelDateTime, "time offset"): lambda d: _offset_duration(d.effective_offset() if d.has_zone else None),
    (FeelDateTime, "timezone"): lambda d: d.time.zone,
    (FeelTime, "hour"): lambda t: Decimal(t.hour),
    (FeelTime, "minute"): lambda t: Decimal(t.minute),
    (FeelTime, "second"): lambda t: Decimal(t.second),
    (FeelTime, "time offset"): lambda t: _offset_duration(t.effective_offset()),
    (FeelTime, "timezone"): lambda t: t.zone,
    (DayTimeDuration, "days"): lambda d: Decimal(_dt_parts(d)[0] * _dt_parts(d)[1]),
    (DayTimeDuration, "hours"): lambda d: Decimal(_dt_parts(d)[0] * _dt_parts(d)[2]),
    (DayTimeDuration, "minutes"): lambda d: Decimal(_dt_parts(d)[0] * _dt_parts(d)[3]),
    (DayTimeDuration, "seconds"): lambda d: Decimal(_dt_parts(d)[0] * _dt_parts(d)[4]),
    (YearMonthDuration, "years"): lambda d: Decimal(int(d.months / 12)),
    (YearMonthDuration, "months"): lambda d: Decimal(d.months - int(d.months / 12) * 12),
    (Range, "start"): lambda r: None if r.start is UNBOUNDED else r.start,
    (Range, "end"): lambda r: None if r.end is UNBOUNDED else r.end,
    (Range, "start included"): lambda r: r.start_included,
    (Range, "end included"): lambda r: r.end_included,
}
