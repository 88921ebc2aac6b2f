"""Shared fixtures: a real SQLite file per test, a real PostgreSQL database created and dropped per test,
and the paths of the example processes and of the test corpora in tests/data."""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
DATA = REPOSITORY / "tests" / "data"  # third-party corpora copied into the repository (see its README)
PROCESSES = REPOSITORY / "processes"
POSTGRES_ADMIN = os.environ.get("BPMN_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'engine.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped on leaving (for fixtures of any scope)."""
    from sqlalchemy import create_engine, text
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"bpmn_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A working folder holding a copy of ./processes, as a newcomer's checkout has."""
    work = tmp_path / "work"
    shutil.copytree(PROCESSES, work / "processes", ignore=shutil.ignore_patterns("__pycache__"))
    return work


def cli_path() -> str:
    """The `bpmn-runtime` console script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "bpmn-runtime"
    assert script.exists(), f"{script} is missing: install the package with pip install -e '.[dev]'"
    return str(script)
