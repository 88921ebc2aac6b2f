"""/metrics for Prometheus: the runtime's counters and the shared backlog, as `worker --metrics-port` serves
them, so a `serve` process is scraped like a worker. They hold counts, no data, but process names and
volumes are still an installation's business: on a network a scraper must send the configured token."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bpmn_runtime.web.services import runtime, settings

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    access = settings()
    if access.metrics_closed:
        abort(403, "Metrics are not served on a network without a token: set BPMN_RUNTIME_METRICS_TOKEN "
                   "(or BPMN_RUNTIME_METRICS_TOKEN=open) where `bpmn-runtime serve` runs.")
    if access.metrics_token is not None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(),
                                                                    access.metrics_token.encode()):
            abort(401, "Send the metrics token (BPMN_RUNTIME_METRICS_TOKEN) as 'Authorization: Bearer <token>'.")
    return Response(generate_latest(runtime().metrics.registry), content_type=CONTENT_TYPE_LATEST)
