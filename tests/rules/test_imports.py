"""Imports of BPMN files: references with the prefix of an imported namespace resolve in the imported file, a
missing import is refused at its element, files are deployed together, and a deployed file keeps its imports."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse, parse_files
from bpmn_runtime.parser.imports import bundle, unbundle
from bpmn_runtime.runtime import Runtime
from tests.conftest import cli_path

LIBRARY_NS = "http://example.com/library"
LIBRARY = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="library"
    targetNamespace="{LIBRARY_NS}">
  <bpmn:message id="Order" name="order placed"/>
  <bpmn:error id="Failed" errorCode="PAYMENT_FAILED"/>
</bpmn:definitions>""".encode()


def main(message: str = "lib:Order", namespace: str = LIBRARY_NS, location: str = "library.bpmn",
         import_type: str = "http://www.omg.org/spec/BPMN/20100524/MODEL") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:lib="{LIBRARY_NS}"
    id="main" targetNamespace="http://example.com/main">
  <bpmn:import importType="{import_type}" location="{location}" namespace="{namespace}"/>
  <bpmn:process id="shop" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="{message}"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def refusal(files: dict[str, bytes]) -> list[tuple[str | None, str, str]]:
    with pytest.raises(DeploymentError) as refused:
        parse_files(files)
    return [(p.rule, p.file, p.message) for p in refused.value.problems]


def test_a_reference_with_an_imported_prefix_names_the_element_of_the_imported_file() -> None:
    parsed = {p.name: p for p in parse_files({"main.bpmn": main(), "library.bpmn": LIBRARY})}
    wait = parsed["main.bpmn"].definitions.processes["shop"].element("wait")
    assert wait.events[0].name == "order placed", "the imported message's name, as the engine correlates it"
    assert not parsed["library.bpmn"].definitions.processes, "a library without processes is part of the deployment"


def test_an_import_that_is_not_deployed_with_the_file_is_refused_at_the_import() -> None:
    [(rule, file, message)] = refusal({"main.bpmn": main()})
    assert (rule, file) == ("EXT.001", "main.bpmn")
    assert "'library.bpmn' is not among the files deployed with this one" in message
    with pytest.raises(DeploymentError) as refused:
        parse(main(), "main.bpmn")
    assert refused.value.problems[0].line == 4


def test_an_import_whose_file_declares_another_namespace_is_refused() -> None:
    found = refusal({"main.bpmn": main(namespace="http://example.com/other"), "library.bpmn": LIBRARY})
    assert any(rule == "EXT.001" and "targetNamespace is 'http://example.com/library'" in message
               for rule, _, message in found)


def test_a_prefixed_reference_must_be_declared_in_the_imported_file() -> None:
    found = refusal({"main.bpmn": main(message="lib:Missing"), "library.bpmn": LIBRARY})
    assert ("REF.EXISTS", "main.bpmn",
            "messageRef 'lib:Missing' names nothing declared in the imported file of its namespace") in found


def test_a_prefixed_reference_must_name_the_right_kind_in_the_imported_file() -> None:
    found = refusal({"main.bpmn": main(message="lib:Failed"), "library.bpmn": LIBRARY})
    assert any(rule == "REF.TYPE" and "names a bpmn:error, but must name a bpmn:message" in message
               for rule, _, message in found)


def test_an_import_is_found_by_the_last_part_of_its_location() -> None:
    assert parse_files({"main.bpmn": main(location="../shared/library.bpmn"), "library.bpmn": LIBRARY})


def test_imports_of_xml_schemas_are_allowed_and_not_read() -> None:
    definitions = parse(main(message="Order", import_type="http://www.w3.org/2001/XMLSchema",
                             location="types.xsd").replace(b'<bpmn:process', b'<bpmn:message id="Order"/>'
                                                                            b'<bpmn:process', 1), "main.bpmn")
    assert definitions.processes["shop"].element("wait").events[0].name == "Order"


def test_a_stored_file_keeps_its_imports_after_its_root_element() -> None:
    stored = bundle(main(), {"library.bpmn": LIBRARY})
    assert stored.startswith(main()) and unbundle(stored) == (main(), {"library.bpmn": LIBRARY})
    assert parse(stored, "main.bpmn").processes["shop"].element("wait").events[0].name == "order placed"
    assert bundle(LIBRARY, {}) == LIBRARY, "a file without imports is stored as it is"


def test_files_deployed_together_run_with_what_they_import(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "main.bpmn").write_bytes(main())
    (tmp_path / "library.bpmn").write_bytes(LIBRARY)
    runtime = Runtime(sqlite_url)
    deployed = runtime.deploy([tmp_path / "main.bpmn", tmp_path / "library.bpmn"])
    assert [(d.key, d.version, d.file_name, d.new) for d in deployed] == [("shop", 1, "main.bpmn", True)]
    instance = runtime.start("shop")
    restarted = Runtime(sqlite_url)  # parses the stored file again, with the import it keeps
    assert restarted.correlate_message("order placed") == instance
    assert restarted.queries.instance(instance).summary.status == "completed"
    again = restarted.deploy([tmp_path / "main.bpmn", tmp_path / "library.bpmn"])
    assert [d.new for d in again] == [False]


def test_a_deployment_is_refused_as_a_whole(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "main.bpmn").write_bytes(main())
    runtime = Runtime(sqlite_url)
    with pytest.raises(DeploymentError):
        runtime.deploy([tmp_path / "main.bpmn"])
    assert runtime.queries.definitions() == []


def test_the_cli_deploys_several_files_as_one_deployment(tmp_path: Path) -> None:
    (tmp_path / "main.bpmn").write_bytes(main())
    (tmp_path / "library.bpmn").write_bytes(LIBRARY)
    result = subprocess.run([cli_path(), "--db", str(tmp_path / "engine.db"), "deploy", "main.bpmn", "library.bpmn"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "deployed: shop version 1 from main.bpmn" in result.stdout
    alone = subprocess.run([cli_path(), "--db", str(tmp_path / "other.db"), "deploy", "main.bpmn"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert alone.returncode != 0 and "library.bpmn" in alone.stdout + alone.stderr
