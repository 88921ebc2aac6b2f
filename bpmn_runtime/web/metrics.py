"""/metrics for Prometheus: the runtime's counters and the shared backlog, as `worker --metrics-port` serves
them, so a `serve` process is scraped like a worker. Open like that port: it holds counts, no data."""
from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bpmn_runtime.web.services import runtime

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(runtime().metrics.registry), content_type=CONTENT_TYPE_LATEST)
