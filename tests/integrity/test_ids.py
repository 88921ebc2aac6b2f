"""Ids are never handed out twice, on SQLite as on PostgreSQL: repeating `complete 5`, a stale browser tab or
a retried API call answers what became of task 5, and never acts on another instance's task; an old
incident's retry never takes over another instance's job. A request key belongs to one process."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from bpmn_runtime.errors import Conflict, NotFound, TaskEnded
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.store.database import MIGRATIONS, Database
from tests.integrity.models import user_task
from tests.integrity.task_models import service_task



@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(request.getfixturevalue("sqlite_url"))


def open_task(runtime: Runtime, instance_id: int) -> int:
    return next(t.id for t in runtime.queries.instance(instance_id).tasks)


def test_a_completed_tasks_id_never_comes_back_and_repeating_the_completion_says_so(url: str) -> None:
    runtime = Runtime(url)
    runtime.deploy(user_task(), "review.bpmn")
    first = runtime.start("review")
    task_id = open_task(runtime, first)
    runtime.complete_task(task_id, {"verdict": "fine"}, actor=Actor.person("mia", role="operator"))
    second = runtime.start("review")
    assert open_task(runtime, second) != task_id, "the newest row's id was handed out again"

    with pytest.raises(TaskEnded, match=rf"task {task_id} \('Review'\) was completed at .* UTC by mia"):
        runtime.complete_task(task_id, {"verdict": "again"})
    with pytest.raises(TaskEnded, match="was completed at"):
        runtime.claim(task_id, "sam")
    assert runtime.queries.instance(second).summary.status == "active", "the other instance's task is untouched"
    assert "verdict" not in runtime.queries.instance(second).variables


def test_a_withdrawn_task_says_so(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(user_task(), "review.bpmn")
    instance_id = runtime.start("review")
    task_id = open_task(runtime, instance_id)
    runtime.cancel(instance_id)
    with pytest.raises(TaskEnded, match=rf"task {task_id} \('Review'\) was withdrawn at"):
        runtime.complete_task(task_id)
    with pytest.raises(NotFound, match="there is no open task 999"):
        runtime.complete_task(999)


def test_an_old_incident_never_takes_over_a_new_job(url: str) -> None:
    runtime = Runtime(url)
    runtime.deploy(service_task(), "charge.bpmn")
    failed = runtime.start("charge")
    job = runtime.acquire_jobs("w", ["charge"])[0]
    assert runtime.fail_job(job.job_id, "w", "card declined", retries=0)
    runtime.cancel(failed)  # the job goes; the incident stays open
    runtime.start("charge")
    [new_job] = runtime.queries.jobs()
    assert new_job.id != job.job_id
    incident = runtime.queries.incidents()[0]
    with pytest.raises(Conflict, match="no longer exists"):
        runtime.retry_incident(incident.id)
    assert runtime.queries.jobs()[0].retries == new_job.retries


def test_upgrading_an_existing_sqlite_database_keeps_its_rows_and_skips_the_ids_still_named(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database = Database(str(path), run_migrations=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    database.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO definitions VALUES (1, 'p', 1, 'p', 'f', 'c', x'00', '2026-01-01')")
        raw.execute("INSERT INTO instances (id, definition_id, process_key, request_key, status, version, state, "
                    "started_at, updated_at) VALUES (1, 1, 'p', 'k', 'active', 1, '{}', '2026-01-01', '2026-01-01')")
        raw.execute("INSERT INTO user_tasks (instance_id, wait_key, process_key, element_id, name, candidate_users, "
                    "candidate_groups, priority, created_at) VALUES (1, 1, 'p', 't', 'T', '', '', 50, '2026-01-01')")
        raw.execute("INSERT INTO incidents (instance_id, job_id, element_id, message, created_at) "
                    "VALUES (1, 40, 'job', 'failed', '2026-01-01')")
    Database(str(path)).dispose()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT id, name FROM user_tasks").fetchall() == [(1, "T")]
        sequences = dict(raw.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        assert sequences["jobs"] == 40 and sequences["user_tasks"] == 1
        table = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'user_tasks'").fetchone()[0]
        assert "AUTOINCREMENT" in table


def test_a_request_key_belongs_to_its_process(url: str) -> None:
    runtime = Runtime(url)
    runtime.deploy(user_task("review"), "review.bpmn")
    runtime.deploy(user_task("audit"), "audit.bpmn")
    review = runtime.start("review", request_key="req-1")
    audit = runtime.start("audit", request_key="req-1")
    assert audit != review
    assert runtime.queries.instance(audit).summary.process_key == "audit"
    assert runtime.start("audit", request_key="req-1") == audit
    assert runtime.start("review", request_key="req-1") == review
