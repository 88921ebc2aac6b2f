"""How values read on a page: times in UTC with the zone said, the runtime's messages as sentences, JSON."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Flask


def when(value: datetime | str | None, seconds: bool = False) -> str:
    """A time as people read it. Stored times are UTC (SQLite hands them back without a zone); a due
    date from a model is shown in its own zone, or as written when it has none."""
    if value is None or value == "":
        return "—"
    zone = " UTC"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
        zone = value.strftime(" %Z") if value.tzinfo else ""
    return value.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")) + zone


def sentence(text: object) -> str:
    """The runtime's messages start in lower case; a page shows them as sentences."""
    words = str(text)
    return words[:1].upper() + words[1:]


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def matched_rules(matches: list[dict[str, Any]] | None) -> str:
    """The rules a decision evaluation matched, per table (see `dmn.results.matches_text`)."""
    from bpmn_runtime.dmn.results import matches_text

    return matches_text(matches or [])


def install(app: Flask) -> None:
    app.jinja_env.filters.update(when=when, sentence=sentence, as_json=as_json, matched_rules=matched_rules)
