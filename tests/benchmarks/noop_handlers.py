"""Handlers that do nothing, so the worker benchmark measures the engine and the database, not the work."""
from bpmn_runtime import handler


@handler("reserve")
@handler("charge")
@handler("ship")
def done(job) -> dict:
    return {}
