"""bpmn-runtime: a BPMN 2.0 process engine for Python.

The `Runtime` is the one object an embedding program needs; handlers register with `@handler(topic)`.
"""
from bpmn_runtime.errors import BpmnError, Conflict, DeploymentError, InvalidInput, NotFound
from bpmn_runtime.handlers import HandlerRegistry, JobContext, handler

__all__ = ["BpmnError", "Conflict", "DeploymentError", "HandlerRegistry", "InvalidInput", "JobContext", "NotFound",
           "handler"]
