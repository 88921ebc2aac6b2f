"""EL's type coercions (EL spec 1.23, as JUEL implements them) over the Python values variables hold.

Python values stand for the Java values Camunda 7 would hold: None is null, bool is Boolean, int is
Long within Java's 64-bit range and BigInteger beyond it, float is Double, str is String, lists and
tuples are Lists, sets are Sets, mappings are Maps. Date values and the execution are JavaObjects.
"""
from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Set
from typing import Any

from bpmn_runtime.juel.errors import Failure
from bpmn_runtime.juel.limits import Budget

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_WHOLE = re.compile(r"[+-]?[0-9]+")
_JAVA_DOUBLE = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)")
_MAX_NESTING = 100  # of lists and maps turned into text


class JavaObject(ABC):
    """A value standing for a Java object other than the basic ones: it knows its text and equality."""

    @abstractmethod
    def java_text(self) -> str:
        """What Java's toString() gives, as this engine shows it."""

    @abstractmethod
    def java_equals(self, other: Any) -> bool:
        """What Java's equals() gives."""

    def compare(self, other: Any) -> int:
        """Java's compareTo(); Failure where the object is not Comparable with `other`."""
        raise Failure(f"{describe(self)} cannot be compared with {describe(other)}")


def is_long(value: Any) -> bool:
    return type(value) is int and LONG_MIN <= value <= LONG_MAX


def is_big_integer(value: Any) -> bool:
    return type(value) is int and not LONG_MIN <= value <= LONG_MAX


def wrap_long(number: int) -> int:
    """Java's long arithmetic overflows by wrapping around."""
    return (number - LONG_MIN) % 2**64 + LONG_MIN


def _saturate(number: float, low: int, high: int) -> int:
    """Java's cast of a double to long or int: truncated, NaN is 0, out of range sticks to the end."""
    if math.isnan(number):
        return 0
    if number >= high:
        return high
    if number <= low:
        return low
    return int(number)


def _to_whole(value: Any, low: int, high: int) -> int:
    """Coerce to a Java whole number type of range low..high (EL 1.23.3)."""
    if value is None or value == "":
        return 0
    if type(value) is int:
        return (value - low) % (high - low + 1) + low  # Java's longValue() and intValue() keep the low bits
    if type(value) is float:
        return _saturate(value, low, high)
    if type(value) is str:
        if _WHOLE.fullmatch(value) and low <= int(value) <= high:
            return int(value)
        raise Failure(f"{describe(value)} is not a whole number")
    raise Failure(f"{describe(value)} is not a number")


def to_long(value: Any) -> int:
    """Coerce to Long, the type of EL's whole-number arithmetic."""
    return _to_whole(value, LONG_MIN, LONG_MAX)


def to_integer(value: Any) -> int:
    """Coerce to Integer (Java int), as method parameters such as substring's indexes need."""
    return _to_whole(value, INT_MIN, INT_MAX)


def to_big_integer(value: Any) -> int:
    """Coerce to BigInteger."""
    if type(value) is int:
        return value
    if type(value) is str and _WHOLE.fullmatch(value):
        return int(value)
    return to_long(value)


def to_double(value: Any) -> float:
    """Coerce to Double (EL 1.23.3); texts are read as Java's Double.valueOf reads them."""
    if value is None or value == "":
        return 0.0
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if type(value) is str:
        text = value.strip("".join(map(chr, range(33))))  # Java trims every character up to the space
        if _JAVA_DOUBLE.fullmatch(text):
            return float(text.rstrip("fFdD").replace("Infinity", "inf"))
        raise Failure(f"{describe(value)} is not a number")
    raise Failure(f"{describe(value)} is not a number")


def to_boolean(value: Any) -> bool:
    """Coerce to Boolean (EL 1.23.2): null and "" are false, a text is true when it is "true" in any case."""
    if value is None or value == "":
        return False
    if type(value) is bool:
        return value
    if type(value) is str:
        return value.lower() == "true"
    raise Failure(f"{describe(value)} is not true or false")


def to_string(value: Any, budget: Budget) -> str:
    """Coerce to String (EL 1.23.1): null is "", other values as Java's toString() writes them."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    builder = _TextBuilder(budget)
    builder.write(value, 0)
    return "".join(builder.parts)


class _TextBuilder:
    """Java's toString() of nested values, sized and charged as the text grows."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.length += len(text)
        self.budget.string(self.length, added=len(text))
        self.parts.append(text)

    def write(self, value: Any, depth: int) -> None:
        if depth > _MAX_NESTING:
            raise Failure(f"the value is nested more than {_MAX_NESTING} lists or maps deep")
        if isinstance(value, Mapping):
            self.add("{")
            for index, (key, item) in enumerate(value.items()):
                self.add(", " if index else "")
                self.write(key, depth + 1)
                self.add("=")
                self.write(item, depth + 1)
            self.add("}")
        elif isinstance(value, (list, tuple, Set)):
            self.add("[")
            for index, item in enumerate(value):
                self.add(", " if index else "")
                self.write(item, depth + 1)
            self.add("]")
        else:
            self.add(_scalar_text(value))


def _scalar_text(value: Any) -> str:
    """The text of a value that is not a collection; null inside a list or map is written "null", as Java does."""
    if type(value) is str:
        return value
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        try:
            return str(value)
        except ValueError:  # beyond Python's limit on digits
            raise Failure("the number is too large to write out") from None
    if type(value) is float:
        return double_text(value)
    if isinstance(value, JavaObject):
        return value.java_text()
    raise Failure(f"{describe(value)} has no text form")


def double_text(number: float) -> str:
    """Java's Double.toString: shortest digits; plain from 10^-3 up to 10^7, else d.dddE±n."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(all_digits) - len(digits))  # value is 0.digits * 10**point
    digits = digits.rstrip("0") or "0"
    if 1e-3 <= abs(number) < 1e7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def java_equals(left: Any, right: Any) -> bool:
    """Java's equals(): no coercion, a Long never equals a Double, lists and maps compare element-wise."""
    if left is None or right is None:
        return left is right
    if isinstance(left, JavaObject):
        return left.java_equals(right)
    if type(left) is str and type(right) is str:
        return left == right
    if type(left) is float and type(right) is float:
        if math.isnan(left) and math.isnan(right):
            return True
        return left == right and math.copysign(1.0, left) == math.copysign(1.0, right)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(java_equals(a, b) for a, b in zip(left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(java_equals(left[key], right[key]) for key in left)
    if isinstance(left, Set) and isinstance(right, Set):
        return left == right
    return type(left) is type(right) and bool(left == right)


def describe(value: Any) -> str:
    """A value in a modeler's words, for messages."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is str:
        return f'the text "{value}"' if len(value) <= 40 else f'the text "{value[:37]}..."'
    if type(value) is int:
        return f"the number {value}" if abs(value) < 10**40 else "a very large number"
    if type(value) is float:
        return f"the number {double_text(value)}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, Set):
        return "a set"
    if isinstance(value, JavaObject):
        return value.java_text()
    return f"a {type(value).__name__} value"


def coerce_to_boolean(value: Any) -> bool:
    """EL's coercion to Boolean, for conditions; TypeError for a value EL cannot coerce (a number, a list)."""
    try:
        return to_boolean(value)
    except Failure as failure:
        raise TypeError(str(failure)) from None


def coerce_to_string(value: Any) -> str:
    """EL's coercion to String, for attributes that hold text (assignee, due date, ...)."""
    try:
        return to_string(value, Budget())
    except Failure as failure:
        raise TypeError(str(failure)) from None
