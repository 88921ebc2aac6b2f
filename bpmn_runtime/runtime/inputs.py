"""Text that callers hand the runtime and that ends up in a database column, checked before it gets there:
PostgreSQL refuses a NUL character in any text and a value longer than its column, and would answer either
with an error no caller can act on. Variables are JSON and are checked in `variables`."""
from __future__ import annotations

from bpmn_runtime.errors import InvalidInput

KEY_LENGTH = 255  # business keys, request keys, process keys, message and signal names, worker ids, topics
TEXT_LENGTH = 10_000  # reasons and error messages


def key(value: str, what: str) -> str:
    """A name or key: text of 1 to 255 characters without NUL."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} must be non-empty text")
    return text(value, what, KEY_LENGTH)


def optional_key(value: str | None, what: str) -> str | None:
    """A key the caller may leave out (None), such as a business key."""
    return None if value is None else text(value, what, KEY_LENGTH)


def text(value: str, what: str, limit: int = TEXT_LENGTH) -> str:
    """Free text of at most `limit` characters without NUL."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    if "\x00" in value:
        raise InvalidInput(f"{what} holds a NUL character (\\u0000), which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, such as JSON's "\ud800"
        raise InvalidInput(f"{what} holds a character that is not valid Unicode") from None
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value)} characters long; at most {limit} can be stored")
    return value
