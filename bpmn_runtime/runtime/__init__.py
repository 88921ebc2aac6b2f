"""The runtime: the facade the CLI, the web app, workers and embedding programs call."""
from bpmn_runtime.runtime.runtime import Runtime

__all__ = ["Runtime"]
