"""The catalogue of BPMN 2.0 rules the deployment check enforces.

Each rule is a named function whose docstring starts with its id (the numbering of the static constraints of
BPMN 2.0.2 by the Bamberg group, "EXT.001" to "EXT.152"; "REF.EXISTS" and "REF.TYPE" for their reference checks)
and whose problems carry that id in `Problem.rule`. `docs/static-rules.md` lists every rule, checked or not.

Some rules of the specification are broken by files that the engine they were made for runs: a Flowable or
SpiffWorkflow file writes expressions without xsi:type, a SpiffWorkflow file declares data inputs in no input set.
Those rules (`LENIENT_FOR_ENGINE_FILES`) hold for plain BPMN 2.0 files and are left to the engine's own reading
in a file made for one of them (see `Document.dialect`).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, ParamSpec

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.dialects import SPIFF

P = ParamSpec("P")
Check = Callable[P, list[Problem]]

# Rule id -> the functions that check it (several when one rule is checked where different facts are known).
RULES: dict[str, list[Callable[..., list[Problem]]]] = {}
# Rule id -> the ids of the same constraint stated again elsewhere in the specification (and so in the list).
ALIASES: dict[str, tuple[str, ...]] = {}
# Rules the BPMN 2.0 XML schema already enforces (a file breaking them is refused with a schema problem, rule "XSD").
BY_SCHEMA = frozenset({"EXT.039", "EXT.041", "EXT.054", "EXT.055", "EXT.078"})
# Rules that files made for a particular engine break and that engine runs (the catalogue gives the evidence):
# expressions without xsi:type, data in no set, implicit ends (a node without outgoing flows ends its path, also
# where the level has end events or has none), message flows drawn into start events or out of throw events as
# documentation.
LENIENT_FOR_ENGINE_FILES = frozenset({"EXT.012", "EXT.084", "EXT.088", "EXT.101", "EXT.103", "EXT.105", "EXT.109",
                                      "EXT.113", "EXT.116", "EXT.151"})
# References an engine reads as the names of variables, not as ids of declared data: SpiffWorkflow's multi-instance
# tasks iterate the variable loopDataInputRef names and fill the one loopDataOutputRef names.
NAMES_FOR_ENGINE_FILES = {SPIFF: frozenset({"loopDataInputRef", "loopDataOutputRef"})}


def rule(rule_id: str, *also: str) -> Callable[[Callable[P, list[Problem]]], Callable[P, list[Problem]]]:
    """Register a check of `rule_id` (and of the ids in `also`, which state the same constraint) and tag its
    problems with the rule id."""

    def register(check: Callable[P, list[Problem]]) -> Callable[P, list[Problem]]:
        @functools.wraps(check)
        def tagged(*args: P.args, **kwargs: P.kwargs) -> list[Problem]:
            return [found if found.rule else dataclasses.replace(found, rule=rule_id)
                    for found in check(*args, **kwargs)]

        RULES.setdefault(rule_id, []).append(tagged)
        if also:
            ALIASES[rule_id] = tuple(dict.fromkeys(ALIASES.get(rule_id, ()) + also))
        return tagged

    return register


def engine_reading(problems: list[Problem], dialect: str | None) -> list[Problem]:
    """The problems that stand in a file made for `dialect` (None: a plain BPMN 2.0 file, held to every rule)."""
    if dialect is None:
        return problems
    return [found for found in problems if found.rule not in LENIENT_FOR_ENGINE_FILES]


def checked_rules() -> set[str]:
    """Every rule id the deployment check enforces, aliases and the rules of the schema included."""
    return set(RULES) | {alias for aliases in ALIASES.values() for alias in aliases} | BY_SCHEMA
