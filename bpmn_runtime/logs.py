"""Log lines that carry their ids: one helper that writes them, a text and a JSON formatter, and redaction.

Every line about an instance goes through `log_event`, which puts the ids (instance, business key,
process, element, job, trace) on the record as fields and starts the message with the instance id and
business key, so a line reads the same under any logging setup an embedding program has. The text
formatter adds the other ids at the end of the line; the JSON formatter writes one object a line with
every field beside the plain message, for log collectors that index fields.

Values (handler inputs and outputs, logged at DEBUG) pass through `redact`: a variable whose name matches
one of the sensitive patterns (`BPMN_RUNTIME_SENSITIVE_VARIABLES`, see `sensitive`) is logged as
`***`, at any depth of a JSON value.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Mapping

from bpmn_runtime import sensitive

FORMATS = ("text", "json")
TEXT_LAYOUT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
IN_MESSAGE = ("instance_id", "business_key")  # the message names these itself (see `log_event`)


def log_event(logger: logging.Logger, level: int, message: str, *args: object, **fields: Any) -> None:
    """Log `message % args` with `fields` (instance_id, business_key, process_key, element_id, job_id,
    trace_id, and any other) on the record; fields that are None are left out. With an instance id, the
    message starts with "instance N (business key K): "."""
    if not logger.isEnabledFor(level):
        return
    present = {name: value for name, value in fields.items() if value is not None}
    text, values = message, args
    if "instance_id" in present:
        text = "instance %s (business key %s): " + message
        values = (present["instance_id"], present.get("business_key") or "-", *args)
    logger.log(level, text, *values, extra={"bpmn": present, "bpmn_message": (message, args)}, stacklevel=2)


def _plain(record: logging.LogRecord) -> str:
    """The message without the instance prefix `log_event` added (JSON carries the ids as fields)."""
    original = getattr(record, "bpmn_message", None)
    if original is None:
        return record.getMessage()
    message, args = original
    return str(message % args) if args else str(message)


def _text_value(value: Any) -> str:
    if isinstance(value, str) and value and not re.search(r'[\s"=\[\]]', value):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The usual one-line layout, with the record's ids (other than those the message names) at its end."""

    def __init__(self) -> None:
        super().__init__(TEXT_LAYOUT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields: Mapping[str, Any] = getattr(record, "bpmn", {})
        extra = " ".join(f"{name}={_text_value(value)}" for name, value in fields.items() if name not in IN_MESSAGE)
        return f"{line} [{extra}]" if extra else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the record's fields, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": _plain(record)}
        document.update(getattr(record, "bpmn", {}))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exception"] = record.exc_text
        return json.dumps(document, default=str, ensure_ascii=False)


class _Settings:
    """What `configure` chose, so that worker processes started later set up their logging the same way."""

    format = "text"
    level = logging.INFO
    handler: logging.Handler | None = None  # the one `configure` installed


def configure(log_format: str = "text", level: int = logging.INFO, sensitive: Iterable[str] | None = None, *,
              stream: IO[str] | None = None) -> None:
    """Send the root logger's lines to `stream` (stderr) in `log_format` (text or json) from `level` on;
    `sensitive`: the variable name patterns to redact (default: `BPMN_RUNTIME_SENSITIVE_VARIABLES`, else
    `sensitive.DEFAULT_SENSITIVE`). Like `logging.basicConfig`, it leaves alone a root logger that a program (or a test
    runner) gave handlers of its own; a second call replaces what the first installed."""
    if log_format not in FORMATS:
        raise ValueError(f"log format {log_format!r}: use one of {', '.join(FORMATS)}")
    _Settings.format, _Settings.level = log_format, level
    set_sensitive(sensitive)
    root = logging.getLogger()
    if _Settings.handler is not None:
        root.removeHandler(_Settings.handler)
    elif root.handlers:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    _Settings.handler = handler


def settings() -> tuple[str, int, tuple[str, ...]]:
    """The format, level and sensitive patterns `configure` set (for a child process to do the same)."""
    return _Settings.format, _Settings.level, sensitive_patterns()


def set_sensitive(chosen: Iterable[str] | None) -> None:
    """Which variable names are sensitive: shell-style patterns, matched without regard to case (see
    `sensitive`)."""
    sensitive.choose(chosen)


def sensitive_patterns() -> tuple[str, ...]:
    return sensitive.patterns()
