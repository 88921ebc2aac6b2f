"""Camunda 8 models for the tests, written as Camunda Modeler writes them (the zeebe namespace, the platform)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bpmn_runtime.runtime import Runtime

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Cloud"
    id="definitions" targetNamespace="http://bpmn.io/schema/bpmn">
"""


def model(body: str, declarations: str = "") -> bytes:
    """A Camunda 8 file holding process 'p' with `body` (its elements and flows), then `declarations`."""
    return f'{HEADER}<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>{declarations}' \
           f'</bpmn:definitions>'.encode()


def flows(*ids: str) -> str:
    """Sequence flows linking the elements in order."""
    return "".join(f'<bpmn:sequenceFlow id="{a}_{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in zip(ids, ids[1:]))


def extensions(*parts: str) -> str:
    return f"<bpmn:extensionElements>{''.join(parts)}</bpmn:extensionElements>"


def job(topic: str, *parts: str, element_id: str = "work", kind: str = "serviceTask", name: str = "") -> str:
    """A task run by the workers of `topic` (a zeebe:taskDefinition type), with more extension `parts`."""
    return (f'<bpmn:{kind} id="{element_id}" name="{name}">'
            f'{extensions(f"<zeebe:taskDefinition type={quote(topic)}/>", *parts)}</bpmn:{kind}>')


def quote(text: str) -> str:
    """An XML attribute value, quoted."""
    return '"' + text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") + '"'


def runtime_on(tmp_path: Path) -> Runtime:
    return Runtime(f"sqlite:///{tmp_path / 'engine.db'}")


def deploy_one_task(tmp_path: Path, task: str, element_id: str = "work", declarations: str = "") -> Runtime:
    """A runtime with process 'p' deployed: start, `task` (whose id is `element_id`), end; then `declarations`."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", element_id, "e")}',
                         declarations), "p.bpmn")
    return runtime


def only_job(runtime: Runtime) -> Any:
    [job_context] = runtime.acquire_jobs("test-worker")
    return job_context
