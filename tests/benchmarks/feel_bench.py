"""What a typical condition costs with FEEL and with the sandbox that runs JUEL and plain text.

    python tests/benchmarks/feel_bench.py            # about ten seconds
    python tests/benchmarks/feel_bench.py --quick    # a smoke run

Each case is one condition written twice: in FEEL (`= ...`) and in the plain syntax the sandbox runs,
both through `bpmn_runtime.expressions` as the engine calls them, with the compiled form cached as in
the engine. The target: FEEL no slower than the sandbox for a typical condition (ratio <= 1.0).
"""
from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bpmn_runtime.expressions import evaluate  # noqa: E402

ORDER = {"amount": 1500, "status": "open", "customer": {"address": {"city": "Paris"}},
         "items": [{"sku": f"A{n}", "price": n * 10} for n in range(10)]}
CASES: list[tuple[str, str, str, Any]] = [
    ("amount and status", '= amount > 1000 and status = "open"', 'amount > 1000 and status == "open"', True),
    ("some over 10 items", "= some item in items satisfies item.price > 80",
     "any([item['price'] > 80 for item in items])", True),
    ("context path", '= customer.address.city = "Paris"', 'customer.address.city == "Paris"', True),
]
TYPICAL = "amount and status"


def per_call(text: str, repeat: int, number: int) -> float:
    """Best time of one evaluation, in microseconds."""
    evaluate(text, ORDER)  # compile once, as the engine does
    return min(timeit.repeat(lambda: evaluate(text, ORDER), repeat=repeat, number=number)) / number * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    options = parser.parse_args()
    repeat, number = (3, 500) if options.quick else (7, 5000)
    print(f"{'condition':22} {'FEEL us':>9} {'sandbox us':>11} {'ratio':>7}")
    ratios = {}
    for name, feel_text, plain_text, expected in CASES:
        feel_result = evaluate(feel_text, ORDER)
        if feel_result != expected:
            print(f"{name}: FEEL gave {feel_result!r}, expected {expected!r}")
            return 1
        # the sandbox form is only timed when it runs at all (comprehensions are refused there)
        try:
            evaluate(plain_text, ORDER)
            sandbox = per_call(plain_text, repeat, number)
        except Exception as error:
            print(f"{name:22} {per_call(feel_text, repeat, number):9.2f} {'refused':>11}  ({error})")
            continue
        feel = per_call(feel_text, repeat, number)
        ratios[name] = feel / sandbox
        print(f"{name:22} {feel:9.2f} {sandbox:11.2f} {ratios[name]:7.2f}")
    verdict = "met" if ratios[TYPICAL] <= 1.0 else "missed"
    print(f"target (FEEL no slower than the sandbox for {TYPICAL!r}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
