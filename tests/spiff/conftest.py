"""Runtimes on a fresh SQLite file for each test: `runtime`, and `clocked`, whose clock is virtual."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import START


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'spiff.db'}")
    yield runtime
    runtime.close()


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Runtime, VirtualClock]]:
    """A runtime whose clock stands at START until a test moves it."""
    clock = VirtualClock(START)
    runtime = Runtime(f"sqlite:///{tmp_path / 'clocked.db'}", clock=clock)
    yield runtime, clock
    runtime.close()
