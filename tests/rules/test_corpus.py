"""Real models and the MIWG files are not newly refused by the rule catalogue: every file that deployed before it
still deploys, unless docs/static-rules.md explains why the rule that now refuses it is right."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = [line for line in (Path(__file__).parent / "corpus_deployed.txt").read_text().splitlines()
            if line and not line.startswith("#")]
CATALOGUE = (ROOT / "docs" / "static-rules.md").read_text(encoding="utf-8")
# Files a rule now refuses, the rules, and why that is right (also in docs/static-rules.md).
NEWLY_REFUSED = {
    "tests/data/miwg/bpmn-io-18.6.1/A.2.1-export.bpmn": {
        "EXT.013": "two sequence flows are drawn with a condition marker but the condition is empty; the engine took "
                   "them as unconditional, which is not the model as drawn",
    },
    **{f"tests/data/real-world/{name}": {"CAMUNDA7": why} for name, why in (
        ("bpmn-engine-js/test__resources__bound-error-and-timer.bpmn",
         "camunda:errorCodeVariable and errorMessageVariable on the error boundary event would not be set"),
        ("bpmn-engine-js/test__resources__bound-error.bpmn",
         "camunda:errorCodeVariable and errorMessageVariable on the error boundary event would not be set"),
        ("bpmn-engine-js/test__resources__boundary-timeout.bpmn", "its camunda:taskListener would not run"),
        ("bpmn-engine-js/test__resources__issue-4.bpmn", "its camunda:connector (send-email) would not run"),
        ("c7-examples/migration__migrate-on-deployment__src__main__resources__exampleProcess.bpmn",
         "camunda:initiator would not be set"),
        ("c7-examples/multi-tenancy__tenant-identifier-shared-definitions__src__main__resources__processes__default__"
         "mainProcess.bpmn", "camunda:calledElementTenantId names a tenant; the engine has none"),
        ("c7-examples/servicetask__rest-service__src__main__resources__invokeRestService.bpmn",
         "its camunda:connector (http-connector) would not run"),
    )},
}


def test_the_baseline_lists_the_files_that_deployed() -> None:
    assert len(DEPLOYED) >= 100 and all((ROOT / name).is_file() for name in DEPLOYED)


@pytest.mark.parametrize("name", DEPLOYED)
def test_a_file_that_deployed_before_is_refused_only_for_a_documented_reason(name: str) -> None:
    try:
        parse((ROOT / name).read_bytes(), Path(name).name)
    except DeploymentError as refused:
        allowed = NEWLY_REFUSED.get(name, {})
        unexplained = [f"{p.rule} {p}" for p in refused.problems if p.rule not in allowed]
        assert not unexplained, "\n".join(unexplained)
        for rule_id in {p.rule for p in refused.problems}:
            assert name.rpartition("/")[2] in CATALOGUE and str(rule_id) in CATALOGUE
        return
    assert name not in NEWLY_REFUSED, "it deploys again: remove it from NEWLY_REFUSED and the catalogue"
