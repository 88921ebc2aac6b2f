"""Long lists a page at a time: the page asked for, and links to its neighbours that keep the filters."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import abort, request, url_for

from bpmn_runtime.runtime.queries import COUNT_LIMIT

PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # keeps the offset a number every database takes
CURSORS = ("before", "after")


def whole_number(text: str, high: int) -> int | None:
    """`text` as a whole number from 0 to `high`, or None when it is anything else (str.isdigit() alone
    also takes digits that int() refuses, such as '²', and int() refuses more than 4,300 digits)."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(high)):
        return None
    number = int(text)
    return number if number <= high else None


def requested_page() -> int:
    """The `page` query argument; anything that is not a number means the first page, and a page past the
    millionth is refused (400) rather than sent to the database."""
    text = request.args.get("page", "1")
    if not (text.isascii() and text.isdigit()):
        return 1
    number = whole_number(text, MAX_PAGE)
    if number is None:
        abort(400, f"Page numbers go up to {MAX_PAGE:,}.")
    return max(number, 1)


def offset(number: int, size: int = PAGE_SIZE) -> int:
    return (number - 1) * size


@dataclass(frozen=True)
class Page:
    """A page of a list: its number, the list's length (counted up to COUNT_LIMIT + 1 only: a count of a
    million rows would cost more than the page), and the keyset cursors of its neighbours where the list
    has them (an id to go on after or before), so a page deep in a long list costs what the first does."""

    number: int
    total: int
    size: int = PAGE_SIZE
    next_cursor: tuple[tuple[str, str], ...] = ()
    previous_cursor: tuple[tuple[str, str], ...] = ()

    @property
    def more_than(self) -> bool:
        return self.total > COUNT_LIMIT

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_next(self) -> bool:
        return self.more_than or self.number < self.pages

    @property
    def first_item(self) -> int:
        return offset(self.number, self.size) + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.number * self.size, self.total)

    def url(self, number: int) -> str:
        """This list's address at page `number`, with the same filters (and the cursor that leads there). The
        query is encoded here, not handed to url_for, whose own arguments (`_method`, `_external`,
        `_anchor`) a visitor could set."""
        cursor = self.next_cursor if number > self.number else self.previous_cursor if 1 < number < self.number \
            else ()
        keep = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", *CURSORS)]
        args = keep + [("page", str(number)), *cursor]
        return f"{url_for(request.endpoint or 'inbox.tasks', **(request.view_args or {}))}?{urlencode(args)}"


def cursor(name: str) -> int | None:
    """A keyset cursor of the address (`before` or `after`: an id), or None."""
    return whole_number(request.args.get(name, ""), 2**63 - 1)


MAX_CURSOR = 1_000  # characters: a cursor holds a sort name, one sort value and an id


def task_cursor(sort: str, value: Any, task_id: int) -> str:
    """The API's cursor of the task page after a task: its sort, its sort value and its id, opaque to clients."""
    shown = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([sort, shown, task_id]).encode()).decode().rstrip("=")


def read_task_cursor(text: str, sort: str) -> tuple[Any, int]:
    """The sort value and id of an API task cursor made for `sort`; 400 for anything else (tampered, or
    made for another order)."""
    refused = f"'after' must be the 'next' cursor of a page of tasks in the order '{sort}'."
    if len(text) > MAX_CURSOR:
        abort(400, refused)
    try:
        found = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        abort(400, refused)
    if not (isinstance(found, list) and len(found) == 3 and found[0] == sort and type(found[2]) is int
            and 0 < found[2] < 2**63):
        abort(400, refused)
    value = found[1]
    if sort in ("created", "oldest"):
        try:
            value = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            value = None
        if value is None:
            abort(400, refused)
    elif not (value is None and sort in ("due", "follow-up") or type(value) is (int if sort == "priority" else str)):
        abort(400, refused)
    return value, found[2]
