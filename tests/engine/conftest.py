"""The `engine` fixture: a fresh runtime on a SQLite file in the test's folder (see `harness`)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.engine.harness import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    harness = Engine(f"sqlite:///{tmp_path / 'engine.db'}")
    yield harness
    harness.runtime.close()
