"""Deployed form-js forms (`.form` files) and the forms processes link to.

A `.form` file is deployed with versions, as a process is: an unchanged file keeps its version. A user task
or start event links to one by the form's id (Camunda 8 `zeebe:formDefinition formId`) or by its file name
(Camunda 7 `camunda-forms:deployment:NAME.form`). A link to no deployed form refuses the deployment, located at
its element. Which version an element shows is what Camunda 8's bindingType says: `deployment`, the version
deployed together with the process (refused when the deployment has none); `latest`, the newest version when the
task is created; `versionTag`, the newest version carrying that version tag (the form's `versionTag`) when the task
is created. A task keeps the version it was created with. Camunda 7 links are bound to the newest version when the
process is deployed. Each function works inside the caller's unit of work (one transaction).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Mapping

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.forms import JSON_SCHEMA_FORM, linked_form, read_form_js
from bpmn_runtime.json_schema_forms import is_json_schema, read_json_schema
from bpmn_runtime.model import Definitions, Element, FormField, Process
from bpmn_runtime.runtime import inputs
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.store.tables import DeployedForm, LinkedForm

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork


def is_form_file(name: str) -> bool:
    """A form-js `.form` file, or a `.json` file: a SpiffArena JSON-schema form, known by its file name."""
    return name.lower().endswith((".form", ".json"))


def _read_form(text: str) -> tuple[tuple[FormField, ...], list[str]]:
    """The items of a stored form: a JSON schema, or a form-js form."""
    return read_json_schema(text) if is_json_schema(text) else read_form_js(text)


def read_form_file(data: bytes, name: str) -> tuple[str, str]:
    """The id and text of a .form file (a JSON-schema file's id is its name); DeploymentError saying what keeps
    the inbox from showing it."""
    try:
        text = data.decode("utf-8-sig")
        schema = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise DeploymentError([Problem(name, 0, "", "the form is not valid JSON (a .form file from the Camunda "
                                                    "Modeler is)")]) from None
    if name.lower().endswith(".json"):
        problems = read_json_schema(text)[1] if is_json_schema(text) else [
            "a .json file is deployed as a SpiffArena JSON-schema form, and this one has no 'properties'"]
        if len(name) > inputs.KEY_LENGTH:
            problems.append(f"the file name is {len(name)} characters long; at most {inputs.KEY_LENGTH} can be "
                            f"stored for a JSON-schema form, known by its name")
        if problems:
            raise DeploymentError([Problem(name, 0, "", problem) for problem in problems])
        return name, text
    _, problems = read_form_js(text)
    form_id = schema.get("id") if isinstance(schema, dict) else None
    if not isinstance(form_id, str) or not form_id.strip():
        problems.insert(0, "the form has no 'id'; the Camunda Modeler gives every form one")
    elif len(form_id) > inputs.KEY_LENGTH:
        problems.insert(0, f"the form's id is {len(form_id)} characters long; at most {inputs.KEY_LENGTH} can be "
                           f"stored")
    if problems:
        raise DeploymentError([Problem(name, 0, "", problem) for problem in problems])
    return str(form_id).strip(), text


def deploy_form(unit: "UnitOfWork", data: bytes, name: str) -> DeployedProcess:
    """Deploy a .form file: a new version of its form, unless the newest version is the same file."""
    form_id, text = read_form_file(data, name)
    checksum = hashlib.sha256(data).hexdigest()
    latest = unit.session.execute(select(DeployedForm).where(DeployedForm.form_id == form_id)
                                  .order_by(DeployedForm.version.desc()).limit(1)).scalar_one_or_none()
    if latest is not None and latest.checksum == checksum:
        return DeployedProcess(form_id, latest.version, latest.id, form_id, latest.file_name, False, "form")
    version = latest.version + 1 if latest else 1
    row = DeployedForm(form_id=form_id, version=version, file_name=name, checksum=checksum, schema=text,
                       deployed_at=unit.now)
    unit.session.add(row)
    unit.session.flush()
    return DeployedProcess(form_id, version, row.id, form_id, name, True, "form")


def bind(unit: "UnitOfWork", process: Process, definition_id: int, deployed_with: Mapping[str, int]) -> None:
    """Bind each element of `process` that links to a deployed form to the version it shows when it is not chosen
    as each task is created; a link to no such form refuses the deployment, located at its element.
    `deployed_with` holds the forms of the same deployment: their version's row, by form id."""
    bound, problems = _resolve(unit.connection, process, deployed_with)
    if problems:
        raise DeploymentError(problems)
    for element_id, form_version_id in bound.items():
        unit.connection.execute(insert(LinkedForm).values(definition_id=definition_id, element_id=element_id,
                                                          form_version_id=form_version_id))


def unresolved_links(connection: Connection, process: Process) -> list[Problem]:
    """The links of `process` to no deployed form: what `bind` would refuse for a deployment of the process
    alone, for a check that deploys nothing."""
    return _resolve(connection, process, {})[1]


def _resolve(connection: Connection, process: Process, deployed_with: Mapping[str, int]
             ) -> tuple[dict[str, int], list[Problem]]:
    """The form version each linking element of `process` is bound to at deployment (the newest, or the one
    deployed with it), and a problem located at each element whose link names no form it could show."""
    bound: dict[str, int] = {}
    problems = []
    for element in process.walk():
        link = linked_form(element.extensions.form_key)
        if link is None:
            continue
        by, name = link
        if element.extensions.form_binding == "deployment":
            found = deployed_with.get(name)
            missing = (f"the form is bound to the version deployed with the process (Form, Binding: deployment), "
                       f"but this deployment has no form with id '{name}'; deploy its .form file together with "
                       f"the process")
        else:
            found = _newest(connection, by, name, element.extensions.form_version_tag)
            what = f"a form with id '{name}'" if by == "id" else f"a form file named '{name}'"
            if element.extensions.form_version_tag is not None:
                what += f" with version tag '{element.extensions.form_version_tag}'"
            deploy = "deploy the JSON-schema file with the model (SpiffArena keeps it beside the model)" \
                if (element.extensions.form_key or "").startswith(JSON_SCHEMA_FORM) else \
                "deploy the .form file first (Camunda 8 resolves linked forms at deployment too)"
            missing = f"the form is linked to {what}, but none is deployed; {deploy}"
        if found is None:
            problems.append(Problem(element.origin.file, element.origin.line, element.id, missing))
        else:
            bound[element.id] = found
    return bound, problems


def _newest(bind: Session | Connection, by: str, name: str, version_tag: str | None,
            created_by: datetime | None = None) -> int | None:
    """The row of the newest version of the form (deployed by `created_by`, and carrying `version_tag`)."""
    column = DeployedForm.form_id if by == "id" else DeployedForm.file_name
    query = select(DeployedForm.id, DeployedForm.schema).where(column == name) \
        .order_by(DeployedForm.version.desc(), DeployedForm.id.desc())
    if created_by is not None:
        query = query.where(DeployedForm.deployed_at <= created_by)
    for row_id, schema in bind.execute(query if version_tag is not None else query.limit(1)):
        if version_tag is None or _version_tag(schema) == version_tag:
            return int(row_id)
    return None


def _version_tag(schema: str) -> str | None:
    """The version tag Camunda Modeler writes in a form (`"versionTag": "v2"`)."""
    tag = json.loads(schema).get("versionTag")  # checked to be a JSON object when the form was deployed
    return tag.strip() if isinstance(tag, str) else None


def as_created(bind: Session | Connection, element: Element, created_at: datetime) -> Element:
    """`element` with the form a task of it created at `created_at` shows (or its start event, for an instance
    started then): for a Camunda 8 link bound to the latest version or to a version tag, the newest such version
    deployed by then (a later one is for later tasks); otherwise the element as bound at deployment."""
    link = linked_form(element.extensions.form_key)
    if link is None or element.extensions.form_binding not in ("latest", "versionTag"):
        return element
    found = _newest(bind, link[0], link[1], element.extensions.form_version_tag, created_at)
    if found is None:
        return element  # deployed after the task was created on a clock behind the deployer's: as bound
    schema = bind.execute(select(DeployedForm.schema).where(DeployedForm.id == found)).scalar_one()
    return _with_form(element, read_form_js(schema)[0])


def attach(bind: Session | Connection, definition_id: int, definitions: Definitions) -> None:
    """Put the forms a stored process version was bound to on its elements (read from the database: the
    process's own file only names them)."""
    rows = bind.execute(select(LinkedForm.element_id, DeployedForm.schema).join(
        DeployedForm, DeployedForm.id == LinkedForm.form_version_id).where(
        LinkedForm.definition_id == definition_id)).all()
    for element_id, schema in rows:
        for process in definitions.processes.values():
            element = process.elements.get(element_id)
            if element is not None:
                items, _ = _read_form(schema)  # checked when the form was deployed
                process.elements[element_id] = _with_form(element, items)


def _with_form(element: Element, items: tuple[FormField, ...]) -> Element:
    return dataclasses.replace(element, extensions=dataclasses.replace(element.extensions, form_fields=items))
