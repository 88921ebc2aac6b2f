"""The API's long lists: counted up to 10,000 (past it `moreThanTotal`), and paged with the keyset cursor each
page gives as `next` (`after=`), in every order of the inbox, without repeating or skipping a row while new
ones arrive."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.queries import COUNT_LIMIT, TASK_SORTS
from tests.web.conftest import WEB_PROCESSES, bearer, run_cli

DUES = [None, "2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z", None, "2030-01-02T00:00:00Z", "2030-01-03T00:00:00Z",
        None]
PRIORITIES = [2, 1, 2, 5, 1, 2, 3]


def walk(client: FlaskClient, headers: dict[str, str], path: str, items: str,
         after: str | None = None) -> list[dict[str, Any]]:
    """Every row of a list (after the cursor `after`), a page of 3 at a time, following `next`."""
    found: list[dict[str, Any]] = []
    page = client.get(f"{path}&limit=3" + (f"&after={after}" if after else ""), headers=headers).get_json()
    while True:
        found += page[items]
        if page["next"] is None:
            return found
        assert len(page[items]) == 3, "a page shorter than the limit is the last"
        page = client.get(f"{path}&limit=3&after={page['next']}", headers=headers).get_json()


def test_tasks_are_paged_by_cursor_in_every_order(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(WEB_PROCESSES / "review.bpmn")
    for priority, due in zip(PRIORITIES, DUES):
        runtime.start("review", {"priority": priority, "due": due})
    client, mia = app.test_client(), bearer(runtime, "mia")
    for sort in TASK_SORTS:
        whole = client.get(f"/api/v1/tasks?process=review&sort={sort}", headers=mia).get_json()
        assert (whole["total"], whole["moreThanTotal"], whole["next"]) == (7, False, None)
        paged = walk(client, mia, f"/api/v1/tasks?process=review&sort={sort}", "tasks")
        assert [t["id"] for t in paged] == [t["id"] for t in whole["tasks"]], sort
    by_due = [t["due"] for t in walk(client, mia, "/api/v1/tasks?process=review&sort=due", "tasks")]
    assert by_due == sorted(d for d in DUES if d) + [None, None, None]
    by_priority = walk(client, mia, "/api/v1/tasks?process=review&sort=priority", "tasks")
    assert [t["priority"] for t in by_priority] == sorted(PRIORITIES, reverse=True)
    assert [t["id"] for t in by_priority if t["priority"] == 2] == sorted(
        (t["id"] for t in by_priority if t["priority"] == 2), reverse=True), "ties: newest task first"


def test_a_task_cursor_goes_on_where_it_was_while_new_tasks_arrive(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(WEB_PROCESSES / "review.bpmn")
    for priority in PRIORITIES:
        runtime.start("review", {"priority": priority, "due": None})
    client, mia = app.test_client(), bearer(runtime, "mia")
    first = client.get("/api/v1/tasks?process=review&limit=4", headers=mia).get_json()
    runtime.start("review", {"priority": 1, "due": None})  # newest: at the top of the first page now
    rest = client.get(f"/api/v1/tasks?process=review&limit=4&after={first['next']}", headers=mia).get_json()
    ids = [t["id"] for t in first["tasks"] + rest["tasks"]]
    assert len(ids) == len(set(ids)) == 7 and rest["next"] is None


def test_bad_cursors_and_orders_are_refused(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(WEB_PROCESSES / "review.bpmn")
    for priority in PRIORITIES:
        runtime.start("review", {"priority": priority, "due": None})
    client, mia, olga = app.test_client(), bearer(runtime, "mia"), bearer(runtime, "olga")
    by_priority = client.get("/api/v1/tasks?sort=priority&limit=2", headers=mia).get_json()["next"]
    for path in (f"/api/v1/tasks?sort=due&after={by_priority}", "/api/v1/tasks?after=not-a-cursor",
                 "/api/v1/tasks?after=W10", "/api/v1/tasks?after=" + "A" * 2000):
        refused = client.get(path, headers=mia)
        assert refused.status_code == 400, path
        assert refused.get_json()["error"].startswith("'after' must be the 'next' cursor of a page of tasks"), path
    assert client.get("/api/v1/tasks?sort=sideways", headers=mia).get_json() == {
        "error": f"'sort' must be one of {', '.join(TASK_SORTS)}."}
    both = client.get(f"/api/v1/tasks?sort=priority&offset=2&after={by_priority}", headers=mia)
    assert both.status_code == 400 and "either 'offset' or 'after'" in both.get_json()["error"]
    assert client.get("/api/v1/instances?after=x1", headers=olga).status_code == 400
    # the status is written into the statement (for its index): one no instance can have matches none
    assert client.get("/api/v1/instances?status=x'%20OR%20'1'='1", headers=olga).get_json()["instances"] == []
    assert runtime.queries.instances(status="active\x00") == ([], 0), "nor one the driver could not take"


def test_instances_are_paged_by_cursor_and_counted_up_to_ten_thousand(runtime: Runtime, app: Flask,
                                                                       tmp_path: Path) -> None:
    runtime.deploy(WEB_PROCESSES / "review.bpmn")
    started = [runtime.start("review", {"priority": 1, "due": None}) for _ in range(7)]
    client, olga = app.test_client(), bearer(runtime, "olga")
    first = client.get("/api/v1/instances?process=review&limit=3", headers=olga).get_json()
    assert first["next"] == str(first["instances"][-1]["id"])
    runtime.start("review", {"priority": 1, "due": None})  # newest: the next page does not shift
    listed = [i["id"] for i in first["instances"]] + [
        i["id"] for i in walk(client, olga, "/api/v1/instances?process=review", "instances", first["next"])]
    assert listed == sorted(started, reverse=True)

    with runtime.database.engine.begin() as connection:  # copies of the first instance, as ended ones
        connection.execute(text(
            "INSERT INTO instances (definition_id, process_key, business_key, status, version, state, started_at, "
            "updated_at, ended_at) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
            "SELECT definition_id, process_key, 'copy-' || n.i, 'completed', version, state, started_at, updated_at, "
            "updated_at FROM instances, n WHERE instances.id = :id"), {"id": started[0]})
    many = client.get("/api/v1/instances?limit=1", headers=olga).get_json()
    assert (many["total"], many["moreThanTotal"]) == (COUNT_LIMIT, True)
    active = client.get("/api/v1/instances?limit=1&status=active", headers=olga).get_json()
    assert (active["total"], active["moreThanTotal"]) == (8, False)
    newest_completed = client.get("/api/v1/instances?limit=2&status=completed", headers=olga).get_json()
    assert [i["businessKey"] for i in newest_completed["instances"]] == ["copy-10000", "copy-9999"]
    db = Path(runtime.database.url.removeprefix("sqlite:///"))
    assert run_cli(tmp_path, db, "instances", "--limit", "1").splitlines()[-1] == "(10007 more; use --limit)", \
        "the command line counts exactly"
