"""The indexes that keep lists fast at a million instances, on PostgreSQL: the migrations add pg_trgm trigram
indexes for the searches by part of a text (business key, candidate users and groups) and the planner can
use them for the statements the engine sends; where a role may not create the extension the migration goes
on without them, says so in the log, and the searches still answer."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.queries import Queries

WEB = Path(__file__).parents[1] / "web" / "processes"
TRIGRAM = {"ix_instances_business_key_trgm", "ix_user_tasks_candidate_users_trgm",
           "ix_user_tasks_candidate_groups_trgm"}


def indexes(runtime: Runtime) -> set[str]:
    with runtime.database.engine.connect() as connection:
        return set(connection.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())


def plans(runtime: Runtime, question: Callable[[], Any]) -> str:
    """The plans of the SELECTs `question` sends."""
    sent: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().startswith("SELECT"):
            sent.append((statement, parameters))
    event.listen(runtime.database.engine, "before_cursor_execute", grab)
    try:
        question()
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", grab)
    raw = runtime.database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        found = []
        for statement, parameters in sent:
            cursor.execute("EXPLAIN " + statement, parameters)
            found += [row[0] for row in cursor.fetchall()]
        raw.rollback()
        return "\n".join(found)
    finally:
        raw.close()


def test_searches_by_part_of_a_text_use_trigram_indexes(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(WEB / "review.bpmn")
    ids = [runtime.start("review", {"priority": 1, "due": None}, business_key=f"order-{n}") for n in range(30)]
    assert TRIGRAM | {f"ix_instances_{s}" for s in ("active", "completed", "cancelled")} <= indexes(runtime)
    with runtime.database.engine.begin() as connection:  # 20,000 ended, 100,000 tasks offered to clerks
        connection.execute(text(
            "INSERT INTO instances (definition_id, process_key, business_key, status, version, state, started_at, "
            "updated_at, ended_at) SELECT definition_id, process_key, 'copy-' || g, 'completed', version, state, "
            "started_at, updated_at, updated_at FROM instances, generate_series(1, 20000) AS g WHERE id = :id"),
            {"id": ids[0]})
        connection.execute(text(
            "INSERT INTO user_tasks (instance_id, wait_key, process_key, element_id, name, candidate_users, "
            "candidate_groups, priority, created_at) SELECT instance_id, wait_key + g, process_key, element_id, name, "
            "'', 'clerks', priority, created_at FROM user_tasks, generate_series(1, 100000) AS g "
            "WHERE instance_id = :id"), {"id": ids[0]})
        connection.execute(text("ANALYZE"))

    rows, total = runtime.queries.instances(business_key="der-17")
    assert [r.id for r in rows] == [ids[17]] and total == 1
    assert "ix_instances_business_key_trgm" in plans(
        runtime, lambda: runtime.queries.instances(business_key="der-17"))
    tasks, total = runtime.queries.tasks(user="mia", groups=["managers"], limit=5)
    assert len(tasks) == 5 and total == 30
    assert runtime.queries.tasks(user="mia", groups=["manager"])[1] == 0, "a group is matched whole"
    plan = plans(runtime, lambda: runtime.queries.tasks(user="mia", groups=["managers"]))
    assert "ix_user_tasks_candidate_groups_trgm" in plan and "ix_user_tasks_candidate_users_trgm" in plan
    assert "ix_instances_completed" in plans(runtime, lambda: runtime.queries.instances(status="completed"))
    for sort in ("created", "due", "priority"):  # the keyset cursor of the API, on PostgreSQL's types
        whole = [t.id for t in runtime.queries.tasks(user="mia", groups=["managers"], sort=sort, limit=100)[0]]
        paged: list[int] = []
        after = None
        while True:
            page = runtime.queries.tasks(user="mia", groups=["managers"], sort=sort, limit=7, after=after)[0]
            paged += [t.id for t in page]
            if len(page) < 7:
                break
            after = Queries.task_sort_key(page[-1], sort)
        assert paged == whole and len(whole) == 30, sort
    runtime.close()


@pytest.fixture
def database_without_extensions(postgres_url: str) -> Iterator[str]:
    """The test database, and a role that may use its public schema but not create extensions in it."""
    role = f"bpmn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
    try:
        yield postgres_url.replace("postgres@", f"{role}@", 1)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
        admin.dispose()
        with create_engine(postgres_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT").connect() \
                as connection:
            connection.execute(text(f'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '
                                    f"'{role}'"))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def test_without_pg_trgm_the_migration_goes_on_and_says_how_to_add_the_indexes(
        database_without_extensions: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bpmn_runtime"):
        runtime = Runtime(database_without_extensions)
    [warning] = [r.getMessage() for r in caplog.records if "pg_trgm" in r.getMessage()]
    assert "could not be created" in warning and "CREATE INDEX ix_instances_business_key_trgm" in warning
    assert not TRIGRAM & indexes(runtime) and "ix_instances_active" in indexes(runtime)
    runtime.deploy(WEB / "review.bpmn")
    ids = [runtime.start("review", {"priority": 1, "due": None}, business_key=f"order-{n}") for n in range(3)]
    assert [r.id for r in runtime.queries.instances(business_key="der-1")[0]] == [ids[1]]
    assert runtime.queries.tasks(user="mia", groups=["managers"])[1] == 3
    runtime.close()
