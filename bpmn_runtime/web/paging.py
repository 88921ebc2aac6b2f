"""Long lists a page at a time: the page asked for, and links to its neighbours that keep the filters."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, request, url_for

PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # keeps the offset a number every database takes


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
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def first_item(self) -> int:
        return offset(self.number, self.size) + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.number * self.size, self.total)

    def url(self, number: int) -> str:
        """This list's address at page `number`, with the same filters. The query is encoded here, not
        handed to url_for, whose own arguments (`_method`, `_external`, `_anchor`) a visitor could set."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [("page", str(number))]
        return f"{url_for(request.endpoint or 'inbox.tasks', **(request.view_args or {}))}?{urlencode(args)}"
