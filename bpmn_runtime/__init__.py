"""bpmn-runtime: a BPMN 2.0 process engine for Python.

The `Runtime` is the one object an embedding program needs; handlers register with `@handler(topic)`.

The names below are imported when first asked for (PEP 562), not with the package: every
`bpmn_runtime.*` import runs this file first, and `bpmn-runtime --help` should not pay for them.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bpmn_runtime.errors import BpmnError, Conflict, DeploymentError, InvalidInput, NotFound
    from bpmn_runtime.handlers import HandlerRegistry, JobContext, handler

_MODULE_OF = {"BpmnError": "errors", "Conflict": "errors", "DeploymentError": "errors", "InvalidInput": "errors",
              "NotFound": "errors", "HandlerRegistry": "handlers", "JobContext": "handlers", "handler": "handlers"}
__all__ = ["BpmnError", "Conflict", "DeploymentError", "HandlerRegistry", "InvalidInput", "JobContext", "NotFound",
           "handler"]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'bpmn_runtime' has no attribute {name!r}")
    return getattr(import_module(f"bpmn_runtime.{module}"), name)
