"""Boolean functions: not() of DMN, and Camunda's is defined(), get or else() and assert()."""
from __future__ import annotations

from typing import Any

from bpmn_runtime.feel.builtins.arguments import boolean
from bpmn_runtime.feel.errors import FeelEvaluationError
from bpmn_runtime.feel.functions import BuiltinFunction, Signature
from bpmn_runtime.feel.scope import Env


def _not(env: Env, negand: Any) -> Any:
    return None if negand is None else not boolean(negand, "negand")


def _assert(env: Env, value: Any, condition: Any, cause: Any = None) -> Any:
    """Camunda's assert(): the value when the condition holds; otherwise evaluation fails with the cause."""
    if condition is True:
        return value
    raise FeelEvaluationError(str(cause) if isinstance(cause, str) else "the assertion failed")


FUNCTIONS = [
    BuiltinFunction("not", [Signature(("negand",), _not)]),
    BuiltinFunction("is defined", [Signature(("value",), lambda env, value: value is not None)]),
    BuiltinFunction("get or else", [Signature(("value", "default"),
                                              lambda env, value, default: default if value is None else value)]),
    BuiltinFunction("assert", [Signature(("value", "condition"), _assert),
                               Signature(("value", "condition", "cause"), _assert)]),
]
