"""How long `bpmn-runtime --help` takes: the installed console script, run as a person runs it, several
times; the median counts. With -X importtime, the modules whose import costs most (where the time goes).

As a person runs it, Python reads the project's modules from their bytecode cache: pip byte-compiles a
package it installs, and Python writes the cache of an editable install on the first run. So the first,
uncounted run may write it even where PYTHONDONTWRITEBYTECODE is set (as in some CI and agent shells):
otherwise every counted run would compile cli.py again (some 13 ms of CPU), which no user's run does.

    .venv/bin/python tests/benchmarks/startup.py            # 21 runs
    .venv/bin/python tests/benchmarks/startup.py --quick    # 3 runs: a CI smoke run
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from common import CLI, Target, begin_report, end_report, table

FULL_RUNS, QUICK_RUNS = 21, 3


def one_run(arguments: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(arguments, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{result.stderr}")
    return elapsed


def heaviest_imports(count: int = 15) -> list[tuple[str, float, float]]:
    """The imports of `bpmn-runtime --help` with the largest cumulative time, as (module indented by its
    nesting, cumulative s, self s): a nested module's time is part of its parent's."""
    code = "import sys; sys.argv = ['bpmn-runtime', '--help']; from bpmn_runtime.cli import main; main()"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                            check=False)
    found = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            found.append((match.group(3)[1:] + match.group(4), int(match.group(2)) / 1e6, int(match.group(1)) / 1e6))
    return sorted(found, key=lambda entry: -entry[1])[:count]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="3 runs (CI smoke run)")
    options = arguments.parse_args()
    runs = QUICK_RUNS if options.quick else FULL_RUNS
    begin_report(options.quick, {"runs": runs})
    started = time.perf_counter()
    # the first run warms the page cache and writes the bytecode cache (see above)
    one_run([str(CLI), "--help"], env={name: value for name, value in os.environ.items()
                                       if name != "PYTHONDONTWRITEBYTECODE"})
    help_times = [one_run([str(CLI), "--help"]) for _ in range(runs)]
    python_times = [one_run([sys.executable, "-c", "pass"]) for _ in range(runs)]
    median = statistics.median(help_times)
    rows = [("bpmn-runtime --help", f"{median * 1000:,.0f} ms", f"{min(help_times) * 1000:,.0f} ms",
             f"{max(help_times) * 1000:,.0f} ms"),
            ("python -c pass (the interpreter alone)", f"{statistics.median(python_times) * 1000:,.0f} ms",
             f"{min(python_times) * 1000:,.0f} ms", f"{max(python_times) * 1000:,.0f} ms")]
    print(table(("command", f"median of {runs}", "best", "worst"), rows, left=1))
    imports = heaviest_imports()
    print("\nwhere the time goes (python -X importtime, one run: the imports with the largest cumulative time):")
    print(table(("module", "cumulative", "self"), [(name, f"{cumulative * 1000:,.1f} ms", f"{own * 1000:,.1f} ms")
                                                     for name, cumulative, own in imports], left=1))
    end_report("", "", [Target("bpmn-runtime --help in under 0.3 s (median of the installed console script)",
                               f"{median:.3f} s", median < 0.3)], started)


if __name__ == "__main__":
    main()
