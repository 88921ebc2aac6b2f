"""What an installation decides about its web app: session lifetimes, cookies, who may read /metrics, how large
a request may be, how failed logins are throttled. `serve` reads them from its options and the environment;
the defaults depend on whether the server listens only on this machine (loopback) or on a network."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from bpmn_runtime.accounts import Throttling
from bpmn_runtime.errors import InvalidInput

MB = 1024 * 1024
OPEN = "open"  # BPMN_RUNTIME_METRICS_TOKEN=open: /metrics without a token, even on a network


@dataclass(frozen=True)
class WebSettings:
    """`metrics_token` None leaves /metrics open; otherwise a scraper sends it as a bearer token. With
    `metrics_closed`, /metrics answers no one (a network server whose operator set no token)."""

    session_hours: float = 12.0
    idle_minutes: float = 60.0
    secure_cookies: bool = False
    metrics_token: str | None = None
    metrics_closed: bool = False
    body_limit: int = 1 * MB
    deploy_limit: int = 25 * MB
    throttling: Throttling = field(default_factory=Throttling)


def is_loopback(host: str) -> bool:
    """The address is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def for_server(host: str, *, secure_cookies: bool | None = None, metrics_token: str | None = None) -> WebSettings:
    """The settings of `serve --host HOST`: options given win, then the environment, then the defaults
    (on a network: Secure cookies, and /metrics only with a token)."""
    local = is_loopback(host)
    token = metrics_token or os.environ.get("BPMN_RUNTIME_METRICS_TOKEN") or None
    return WebSettings(
        session_hours=_number("BPMN_RUNTIME_SESSION_HOURS", 12.0),
        idle_minutes=_number("BPMN_RUNTIME_SESSION_IDLE_MINUTES", 60.0),
        secure_cookies=(not local) if secure_cookies is None else secure_cookies,
        metrics_token=None if token == OPEN else token,
        metrics_closed=token is None and not local,
    )


def _number(variable: str, default: float) -> float:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 10_000:
        raise InvalidInput(f"{variable} must be a number above 0 (at most 10000), not '{text}'")
    return value
