"""A runtime on a fresh SQLite file for each test."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.runtime import Runtime


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'spiff.db'}")
    yield runtime
    runtime.close()
