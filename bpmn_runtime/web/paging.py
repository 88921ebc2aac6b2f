"""Long lists a page at a time: the page asked for, and links to its neighbours that keep the filters."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

PAGE_SIZE = 20


def requested_page() -> int:
    """The `page` query argument; anything that is not a positive number means the first page."""
    text = request.args.get("page", "1")
    return max(int(text), 1) if text.isdigit() else 1


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
        """This list's address at page `number`, with the same filters."""
        args = {**request.args.to_dict(), "page": number}
        return url_for(request.endpoint, **(request.view_args or {}), **args)
