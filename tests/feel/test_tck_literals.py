"""The DMN TCK's literal and boxed expressions (see tck_literals) give the results the TCK expects.

Two kinds of case differ on purpose and are listed with the reason; any other failure fails the test.
"""
from __future__ import annotations

from tests.feel.tck_literals import cases

# External functions call Java: refused, an expression may call only FEEL.
EXTERNAL = "0076-feel-external-java"
# DMN 1.5's boxed conditional, filter, some and every give null for a non-boolean condition; the FEEL
# text they are translated into here gives the else branch, drops the item, or false, as FEEL says.
BOXED_NON_BOOLEAN = {
    ("1150-boxed-conditional", "decision003"), ("1151-boxed-filter", "decision004"),
    ("1151-boxed-filter", "decision005"), ("1153-boxed-some", "decision005"), ("1153-boxed-some", "decision006"),
    ("1154-boxed-every", "decision005"), ("1154-boxed-every", "decision006"),
}


def test_every_tck_literal_expression_gives_the_expected_result() -> None:
    found = cases()
    assert len(found) > 2400, f"only {len(found)} TCK cases were found: is tests/data/dmn-tck complete?"
    failures = []
    for case in found:
        passed, result = case.run()
        if not passed and case.folder != EXTERNAL and (case.folder, case.name) not in BOXED_NON_BOOLEAN:
            failures.append(f"{case.folder} {case.name}: {case.text.strip()!r} gave {result!r}, "
                            f"expected {case.expected!r}")
    assert not failures, f"{len(failures)} of {len(found)} cases failed:\n" + "\n".join(failures)


def test_the_known_differences_are_still_listed_correctly() -> None:
    by_key = {(case.folder, case.name): case for case in cases()}
    for key in BOXED_NON_BOOLEAN:
        passed, _ = by_key[key].run()
        assert not passed, f"{key} now passes: remove it from BOXED_NON_BOOLEAN"
