"""Deploying and evaluating decisions, and a business rule task calling one, on PostgreSQL."""
from __future__ import annotations

import pytest

from bpmn_runtime.runtime import Runtime
from tests.dmn.test_business_rule_tasks import DISHES, camunda7


@pytest.mark.postgres
def test_decisions_deploy_version_and_evaluate_on_postgresql(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    try:
        assert [d.version for d in runtime.deploy(DISHES, "dishes.dmn")] == [1]
        assert [d.new for d in runtime.deploy(DISHES, "dishes.dmn")] == [False]
        assert [d.version for d in runtime.deploy(DISHES.replace(b"Beer", b"Cider"), "dishes.dmn")] == [2]
        assert runtime.decide("dish", {"season": "Fall", "guests": 1}).result == [{"dish": "Spareribs",
                                                                                  "drink": "Cider"}]
        assert runtime.decide("dish", {"season": "Fall", "guests": 1}, version=1).result[0]["drink"] == "Beer"
        runtime.deploy(camunda7("singleResult"), "p.bpmn")
        instance_id = runtime.start("p", {"season": "Fall", "guests": 1})
        assert runtime.queries.instance(instance_id).variables["result"] == {"dish": "Spareribs", "drink": "Cider"}
    finally:
        runtime.close()
