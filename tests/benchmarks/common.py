"""What every benchmark script shares: timing, memory, the machine line (with its load average), child
processes per scenario, fresh PostgreSQL databases, the figures table and the "targets: met/missed" block.

The scripts import it as a sibling module (`sys.path` gets this folder first when a script runs), so each
stays runnable as `python tests/benchmarks/NAME.py` from any folder.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
PROCESSES = HERE / "processes"
CLI = Path(sys.executable).parent / "bpmn-runtime"
POSTGRES_ADMIN = os.environ.get("BPMN_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
Figures = dict[str, Any]


# --- measuring ---------------------------------------------------------------------------------------


def rss_bytes() -> int:
    """The resident set size of this process now."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best we have
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed(action: Callable[[], Any]) -> float:
    """Seconds `action` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_seconds(action: Callable[[], Any], repeats: int, warm_up: int = 0) -> float:
    """The median time of `repeats` calls, after `warm_up` calls that are not counted."""
    return statistics.median([timed(action) for _ in range(repeats)][warm_up:])


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank; values need not be sorted)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the shared machine was."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine(mode: str, counts: Any = None, extra: str = "") -> str:
    """The first lines of every report: machine, versions, load average, mode and counts."""
    import sqlite3

    import sqlalchemy
    from SpiffWorkflow.version import __version__ as spiff_version
    line = (f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; SQLAlchemy {sqlalchemy.__version__};"
            f" SpiffWorkflow {spiff_version}{extra}\n"
            f"load average at start: {load_average()}\n"
            f"mode: {mode}")
    if counts is not None:
        from dataclasses import asdict, is_dataclass
        line += f"; counts: {json.dumps(asdict(counts) if is_dataclass(counts) else counts)}"
    return line


def begin_report(quick: bool, counts: Any, extra: str = "") -> bool:
    """Print the machine lines (with PostgreSQL's version when it answers); whether PostgreSQL answers."""
    postgres = postgres_reachable()
    version = f"; PostgreSQL {postgres_version(POSTGRES_ADMIN)}" if postgres else "; PostgreSQL unreachable"
    print(machine("quick" if quick else "full", counts, version + extra) + "\n", flush=True)
    return postgres


def postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


# --- child processes ---------------------------------------------------------------------------------


def run_child(script: str | Path, arguments: Sequence[str], label: str, *, timeout: float | None = None) -> Figures:
    """Run `script --child ARGUMENTS` in a fresh interpreter; its last output line is the JSON figures."""
    print(f"  running {label} ...", file=sys.stderr, flush=True)
    command = [sys.executable, str(script), "--child", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"{label} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- PostgreSQL --------------------------------------------------------------------------------------


def postgres_reachable(admin_url: str = POSTGRES_ADMIN) -> bool:
    from sqlalchemy import create_engine, text
    engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means: not here
        return False
    finally:
        engine.dispose()


def fresh_postgres(admin_url: str = POSTGRES_ADMIN) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server of `admin_url`: its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"bpmn_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


@contextlib.contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN) -> Iterator[str]:
    url, drop = fresh_postgres(admin_url)
    try:
        yield url
    finally:
        drop()


# --- the report --------------------------------------------------------------------------------------


def shown(value: float | None, unit: str) -> str:
    """A figure with its unit: a rate per second, seconds as milliseconds, bytes as MiB or kB, a ratio."""
    if value is None:
        return "-"
    if unit == "/s":
        return f"{value:,.0f} /s"
    if unit == "ms":
        return f"{value * 1000:,.2f} ms"
    if unit == "s":
        return f"{value:,.3f} s"
    if unit == "x":
        return f"{value:,.2f}x"
    if unit == "kB":
        return f"{value / 1000:,.1f} kB"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value / 2**20:,.1f} MiB"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 2) -> str:
    """Rows under a header, the first `left` columns left-aligned and the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if i < left else cell.rjust(width) for i, (cell, width)
                       in enumerate(zip(row, widths))).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One line of the targets block: what was promised, what was measured, and whether it holds.
    `met` None: the figure could not be measured (say why in `measured`)."""

    text: str
    measured: str
    met: bool | None

    def line(self) -> str:
        verdict = "not measured" if self.met is None else "met" if self.met else "missed"
        return f"  {verdict}: {self.text} (measured: {self.measured})"


def targets_block(targets: Sequence[Target]) -> str:
    return "targets:\n" + "\n".join(target.line() for target in targets)


def closing(started: float) -> str:
    return f"(run took {time.perf_counter() - started:,.0f} s; load average at end: {load_average()})"


def end_report(text: str, note: str, targets: Sequence[Target], started: float) -> None:
    """Print the figures, a note on how they were taken, the targets block and the closing line."""
    print(text)
    if note:
        print("\n" + textwrap.fill(note, 110))
    print("\n" + targets_block(targets))
    print("\n" + closing(started))
