"""Full Python in script tasks, for operators who trust their models and turn it on.

Off by default: a model file could then run any code with the engine's rights. Turned on with
`Runtime(python_scripts=True)`, `bpmn-runtime --python-scripts` or BPMN_RUNTIME_PYTHON_SCRIPTS=1.
The script sees the instance's variables as names; the names it assigns become variables.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.expressions import SANDBOX_SCRIPT_FORMATS, run_assignments

PYTHON_FORMATS = frozenset({"python", "text/x-python", "py"})


def run_python_script(call: ScriptCall) -> Mapping[str, Any]:
    """Run a `python` script with exec; other formats keep the sandbox."""
    if (call.format or "").lower() not in PYTHON_FORMATS:
        if call.format in SANDBOX_SCRIPT_FORMATS:
            return run_assignments(call.script, call.variables)
        raise ValueError(f"script format '{call.format}' is not Python")
    before = {name: _text(value) for name, value in call.variables.items()}  # the variables are the call's own copy
    namespace: dict[str, Any] = dict(call.variables)
    exec(compile(call.script, f"<script task {call.element_id}>", "exec"), namespace)  # noqa: S102 - operator's choice
    return {name: value for name, value in namespace.items()
            if not name.startswith("_") and (text := _text(value)) is not None and before.get(name) != text}


def _text(value: Any) -> str | None:
    """The value as JSON text, to tell what a script changed (in place too) from what it left; None for what is
    not data (modules and functions a script imports or defines are not variables)."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None

