"""Hit policies (DMN 1.5, 8.2.11): which matched rules make a decision table's result, and how.

Single hit: UNIQUE (at most one rule may match), ANY (all matches give the same output), PRIORITY (the
output first in the output values), FIRST (rule order). Multiple hits: RULE ORDER, OUTPUT ORDER (by the
output values), COLLECT (in rule order), or COLLECT aggregated with FEEL's sum, min, max or count.
A violated policy gives null and a note saying which rules broke it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bpmn_runtime.feel import Scope, compile_expression
from bpmn_runtime.feel.values import equal

# The aggregations are FEEL's list functions, so that they treat nulls and mixed types as FEEL does.
_AGGREGATE = {name: compile_expression(f"{function}(values)")
              for name, function in (("SUM", "sum"), ("MIN", "min"), ("MAX", "max"), ("COUNT", "count"))}

Outcome = tuple[Any, list[int]]  # the result, and the positions of the rules that gave it


def _rules(positions: Sequence[int]) -> str:
    numbers = [str(position + 1) for position in positions]
    return ", ".join(numbers[:-1]) + " and " + numbers[-1] if len(numbers) > 1 else numbers[0]


def select(policy: str, aggregation: str | None, matched: list[int], output: Callable[[int], Any],
           priority: Callable[[Any], tuple[int, ...]], note: Callable[[str], None]) -> Outcome:
    """The result of a table whose rules at `matched` (positions, in rule order, at least one) matched.

    `output(position)` is a rule's output (a value, or a context for several outputs); `priority(output)`
    orders outputs by the output values (lower first).
    """
    if policy == "FIRST":
        return output(matched[0]), matched[:1]
    if policy == "UNIQUE":
        if len(matched) > 1:
            note(f"rules {_rules(matched)} all match, but the hit policy UNIQUE lets only one match")
            return None, matched
        return output(matched[0]), matched
    outputs = [output(position) for position in matched]
    if policy == "ANY":
        if any(equal(value, outputs[0]) is not True for value in outputs[1:]):
            note(f"rules {_rules(matched)} match with different outputs, which the hit policy ANY forbids")
            return None, matched
        return outputs[0], matched
    if policy == "PRIORITY":
        best = min(range(len(outputs)), key=lambda index: priority(outputs[index]))
        return outputs[best], [matched[best]]
    if policy == "OUTPUT ORDER":
        order = sorted(range(len(outputs)), key=lambda index: priority(outputs[index]))
        return [outputs[index] for index in order], [matched[index] for index in order]
    if policy == "COLLECT" and aggregation is not None:
        return _AGGREGATE[aggregation].evaluate(Scope({"values": outputs})), matched
    return outputs, matched  # RULE ORDER, COLLECT
