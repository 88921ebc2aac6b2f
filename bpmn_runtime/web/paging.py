"""Long lists a page at a time: the page asked for, and links to its neighbours that keep the filters."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, request, url_for

PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # keeps the offset a number every database takes
COUNT_LIMIT = 10_000  # lists are counted this far; past it a page says "more than 10,000"
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
