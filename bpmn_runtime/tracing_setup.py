"""Turning tracing on for a command (`--tracing`): OpenTelemetry and its exporters are imported only when
asked for, and a missing `[otel]` extra is a plain message, not an ImportError."""
from __future__ import annotations

EXPORTERS = ("off", "otlp", "console")  # what `--tracing` takes


def install_tracing(exporter: str) -> None:
    """Set up OpenTelemetry's exporter `exporter`; nothing is imported when it is "off"."""
    if exporter == "off":
        return
    from bpmn_runtime.errors import BpmnRuntimeError
    try:
        from bpmn_runtime.tracing import install
    except ImportError as missing:
        raise BpmnRuntimeError(f"--tracing {exporter} needs the [otel] extra: pip install 'bpmn-runtime[otel]' "
                               f"({missing})") from None
    install(exporter)
