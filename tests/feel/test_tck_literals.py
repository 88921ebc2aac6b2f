"""The DMN TCK's literal and boxed expressions (see tck_literals) give the results the TCK expects.

External functions are refused on purpose; any other failure fails the test.
"""
from __future__ import annotations

from tests.feel.tck_literals import cases

# External functions call Java: refused, an expression may call only FEEL.
EXTERNAL = "0076-feel-external-java"


def test_every_tck_literal_expression_gives_the_expected_result() -> None:
    found = cases()
    assert len(found) > 2400, f"only {len(found)} TCK cases were found: is tests/data/dmn-tck complete?"
    failures = []
    for case in found:
        passed, result = case.run()
        if not passed and case.folder != EXTERNAL:
            failures.append(f"{case.folder} {case.name}: {case.text.strip()!r} gave {result!r}, "
                            f"expected {case.expected!r}")
    assert not failures, f"{len(failures)} of {len(found)} cases failed:\n" + "\n".join(failures)
