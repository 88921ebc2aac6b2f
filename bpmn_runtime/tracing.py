"""OpenTelemetry traces (the optional `[otel]` extra): a span per runtime call and per handler run, one trace
per instance. Imported only when tracing is on, so a runtime without it neither imports OpenTelemetry nor
spends time on it.

One trace per instance. The call that starts an instance opens its span under the caller's trace context
(a `traceparent` the API was sent, or the span current in the calling program), else as the root of a new
trace; the instance keeps that span's context (`instances.traceparent`). A later call opens its span as a
child of the context of the first instance it touches: jobs, user tasks, timers, messages and compensation
of an instance all land in the instance's trace; other instances the same call touches are linked. The
span of a call starts when the call does (its retries included) and ends after the commit. A call that
touches no instance (a worker polling for due timers, a heartbeat) records a span only inside a span of
its caller: polling makes no traces of its own.
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Any, Iterator

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from bpmn_runtime.errors import BpmnError
from bpmn_runtime.handlers import JobContext

_propagator = TraceContextTextMapPropagator()


def install(exporter: str, service_name: str = "bpmn-runtime") -> None:
    """Make the process's tracer provider export spans (`otlp`: to the collector the standard OTEL_EXPORTER_OTLP_*
    variables name, default http://localhost:4318; `console`: to stdout), unless the program set one already."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    if isinstance(trace.get_tracer_provider(), SdkTracerProvider):
        return
    provider = SdkTracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    span_exporter: SpanExporter
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        span_exporter = OTLPSpanExporter()
    else:
        span_exporter = ConsoleSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)


def context_of(traceparent: str | None) -> otel_context.Context | None:
    """The OpenTelemetry context of a stored or received traceparent (None: none given)."""
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


def traceparent_of(span: Span) -> str:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier["traceparent"]


class Tracing:
    """The tracer of one runtime."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.tracer = (provider or trace.get_tracer_provider()).get_tracer("bpmn_runtime")

    def call(self, operation: str) -> "Call":
        return Call(self.tracer, operation)

    @contextlib.contextmanager
    def handler(self, job: JobContext) -> Iterator[JobContext]:
        """A span for one handler run, current while it runs (so what the handler traces nests in it), in the
        trace of the job's instance; the handler is given the job with the span's own traceparent."""
        span = self.tracer.start_span(f"bpmn handler {job.topic}", context=context_of(job.traceparent),
                                      kind=SpanKind.CONSUMER, attributes=_job_attributes(job))
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            yield dataclasses.replace(job, traceparent=traceparent_of(span))
        except BpmnError as business:  # an outcome the model handles, not a failure
            span.add_event("bpmn_error", {"bpmn.error_code": business.code})
            raise
        except BaseException as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            otel_context.detach(token)
            span.end()


def _job_attributes(job: JobContext) -> dict[str, Any]:
    return {"bpmn.instance_id": job.instance_id, "bpmn.business_key": job.business_key or "",
            "bpmn.process_key": job.process_key, "bpmn.element_id": job.activity_id, "bpmn.job_id": job.job_id,
            "bpmn.topic": job.topic, "bpmn.attempt": job.attempt}


class Call:
    """The span of one runtime call, opened when the call first touches or starts an instance (see the module)."""

    def __init__(self, tracer: trace.Tracer, operation: str) -> None:
        self.tracer = tracer
        self.operation = operation
        self.started = time.time_ns()
        self.span: Span | None = None
        self._traces: set[int] = set()

    def join(self, traceparent: str | None, **attributes: Any) -> None:
        """The call works on an instance with this trace context: its span joins the first instance's trace
        and links the others'."""
        parent = context_of(traceparent)
        if self.span is None:
            self._open(parent, attributes)
            return
        linked = trace.get_current_span(parent).get_span_context() if parent is not None else None
        if linked is not None and linked.is_valid and linked.trace_id not in self._traces:
            self._traces.add(linked.trace_id)
            self.span.add_link(linked, {"bpmn.instance_id": attributes.get("bpmn.instance_id", 0)})

    def instance_context(self, traceparent: str | None, **attributes: Any) -> str:
        """The trace context of an instance this call starts: the call's span, opened under `traceparent` (the
        caller's) if the call has none yet."""
        if self.span is None:
            self._open(context_of(traceparent), attributes)
        assert self.span is not None
        return traceparent_of(self.span)

    def event(self, name: str, attributes: dict[str, Any]) -> None:
        if self.span is not None:
            self.span.add_event(name, {k: v for k, v in attributes.items() if v is not None})

    def end(self, error: BaseException | None = None) -> None:
        """After the commit (or the failure) of the call."""
        if self.span is None and trace.get_current_span().get_span_context().is_valid:
            self._open(None, {})
        if self.span is None:
            return
        if error is not None:
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        self.span.end()

    def _open(self, parent: otel_context.Context | None, attributes: dict[str, Any]) -> None:
        self.span = self.tracer.start_span(f"bpmn {self.operation}", context=parent, start_time=self.started,
                                           attributes={"bpmn.operation": self.operation, **attributes})
        self._traces.add(self.span.get_span_context().trace_id)
