"""W3C trace context (https://www.w3.org/TR/trace-context/) without OpenTelemetry: checking a `traceparent`
header a caller sent, and reading its trace id for log lines. An instance keeps one as its trace context."""
from __future__ import annotations

import re

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")


def valid(header: str | None) -> str | None:
    """`header` when it is a traceparent of version 00 with non-zero ids, else None: the W3C rule is to
    ignore a traceparent that cannot be read, not to refuse the request."""
    value = header.strip().lower() if header else ""
    found = _TRACEPARENT.fullmatch(value)
    if found is None or found.group(1) == "0" * 32 or found.group(2) == "0" * 16:
        return None
    return value


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a traceparent ("00-<trace id>-<span id>-<flags>")."""
    return traceparent[3:35] if traceparent else None
