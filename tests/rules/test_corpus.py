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
# Real-world files refused for engine extensions the engine does not run, each reviewed in this record (rule EXTENSION)
CORPUS_RECORD = ROOT / "tests" / "camunda" / "real_world_corpus.tsv"
# Files a rule now refuses, the rules, and why that is right (also in docs/static-rules.md).
NEWLY_REFUSED = {
    **{f"tests/data/real-world/{row[0]}": {"EXTENSION": row[4]}
       for row in (line.split("\t") for line in CORPUS_RECORD.read_text(encoding="utf-8").splitlines())
       if len(row) == 5 and row[1] == "refused"},  # the rules below name theirs
    "tests/data/miwg/bpmn-io-18.6.1/A.2.1-export.bpmn": {
        "EXT.013": "two sequence flows are drawn with a condition marker but the condition is empty; the engine took "
                   "them as unconditional, which is not the model as drawn",
    },
    **{f"tests/data/real-world/bpmn-engine-js/test__resources__{name}.bpmn": {
        "EXPR.LANGUAGE": "the conditions are JavaScript (`this.variables.input < 2`), which the engine read as its "
                         "Python-syntax sandbox, where they fail"}
       for name in ("loop", "multiple-joins", "task-multiple-inbound")},
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
            documented_in = CORPUS_RECORD.name if rule_id == "EXTENSION" else name.rpartition("/")[2]
            assert documented_in in CATALOGUE and str(rule_id) in CATALOGUE
        return
    assert name not in NEWLY_REFUSED, "it deploys again: remove it from NEWLY_REFUSED and the catalogue"
