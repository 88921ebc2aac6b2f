"""DMN on the web: the API route, the console's Decisions pages and upload, matched rules in an instance's
history, and `serve` deploying the .dmn files of ./processes."""
from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web.serve import deploy_folder
from tests.dmn.models import decision, literal, model
from tests.dmn.test_business_rule_tasks import DISHES, camunda7
from tests.dmn.test_decide_cli import SCORE
from tests.dmn.test_imports import LIBRARY, SHOP
from tests.web.conftest import Person, bearer, flashes


def test_the_api_evaluates_a_decision_and_lists_them(app: Flask, runtime: Runtime) -> None:
    runtime.deploy(SCORE, "grade.dmn")
    client, olga = app.test_client(), bearer(runtime, "olga")
    answer = client.post("/api/v1/decisions/grade/evaluate", json={"variables": {"score": 60}}, headers=olga)
    assert answer.status_code == 200
    assert answer.json == {"key": "grade", "version": 1, "name": "Grade", "result": "B",
                           "matched": [{"decision": "grade", "name": "Grade", "rules": [{"index": 2, "id": "rule2"}]}],
                           "notes": []}
    assert client.post("/api/v1/decisions/nope/evaluate", json={}, headers=olga).status_code == 404
    assert client.post("/api/v1/decisions/grade/evaluate", json={}, headers=bearer(runtime, "mia")).status_code == 403
    listed = client.get("/api/v1/decisions", headers=olga).json["decisions"]
    assert [(d["key"], d["version"], d["fileName"]) for d in listed] == [("grade", 1, "grade.dmn")]


def test_the_console_draws_a_decision_table_and_takes_dmn_uploads(olga: Person, runtime: Runtime) -> None:
    uploaded = olga.post("/console/deployments", {"file": (io.BytesIO(DISHES), "dishes.dmn")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "Deployed Dish (dish) version 1 from dishes.dmn." in flashes(uploaded.text)
    listed = olga.get("/console/decisions").text
    assert 'href="/console/decisions/dish"' in listed
    page = olga.get("/console/decisions/dish").text
    assert "R · RULE ORDER" in page
    rows = re.findall(r'<tr id="rule-(\d)">(.*?)</tr>', page, re.DOTALL)
    assert [number for number, _ in rows] == ["1", "2", "3"]
    assert re.findall(r"<code>(.*?)</code>", rows[1][1]) == ["&#34;Winter&#34;", "&lt;= 8", "&#34;Roastbeef&#34;",
                                                             "&#34;Wine&#34;"]
    assert olga.get("/console/decisions/nope").status_code == 404


def test_an_instance_history_in_the_console_shows_the_matched_rules(olga: Person, runtime: Runtime) -> None:
    runtime.deploy(DISHES, "dishes.dmn")
    runtime.deploy(camunda7("resultList"), "p.bpmn")
    instance_id = runtime.start("p", {"season": "Fall", "guests": 2})
    page = olga.get(f"/console/instances/{instance_id}").text
    assert "Decision evaluated" in page
    assert re.search(r'href="/console/decisions/dish\?version=1">Dish v1</a> gave .*\(Dish: rule 1 \(rule1\)\)', page)


def test_serve_deploys_dmn_files_importing_ones_after_those_they_import(tmp_path: Path, runtime: Runtime) -> None:
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "a-shop.dmn").write_bytes(SHOP)
    (folder / "b-library.dmn").write_bytes(LIBRARY)
    (folder / "broken.dmn").write_bytes(model(decision("d", literal("1 +"))))
    said: list[str] = []
    deploy_folder(runtime, folder, said.append)
    assert said[:2] == [f"deployed: price version 1 from {folder / 'b-library.dmn'}",
                        f"deployed: offer version 1 from {folder / 'a-shop.dmn'}"]
    assert said[3].startswith("not deployed: the file cannot be deployed (1 problem(s)):")
    assert runtime.decide("offer", {"lib": {"Base price": 10}}).result == 15
