"""Deploying files, and the parsed processes of what is deployed.

A changed file gives each of its executable processes a new version; an identical one changes nothing.
The newest version of a process is the one its start events (message, signal, timer) start; deploying
a process never touches another process's versions, subscriptions or timers.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from bpmn_runtime.dmn import is_dmn
from bpmn_runtime.engine.start_events import start_triggers, timer_schedule
from bpmn_runtime.engine.timers import next_firing
from bpmn_runtime.errors import DeploymentError, ExpressionError, NotFound, Problem
from bpmn_runtime.model import Definitions, Process, TimerSpec
from bpmn_runtime.parser import parse, parse_files, read_deployed
from bpmn_runtime.parser.namespaces import camunda
from bpmn_runtime.parser.xml_loading import load_xml
from bpmn_runtime.runtime import inputs, linked_forms, permissions
from bpmn_runtime.runtime.cleanup import time_to_live
from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.runtime.unit_of_work import DefinitionRef, UnitOfWork
from bpmn_runtime.store import statements
from bpmn_runtime.store.tables import Definition, Job, Subscription

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime")
PARSED_DEFINITIONS_KEPT = 256  # parsed files kept in memory; older ones are parsed again when needed
FILE_NAME_LENGTH = 500


def _times_to_live(data: bytes, name: str) -> dict[str, str]:
    """Process id -> its camunda:historyTimeToLive, as written (`cleanup.time_to_live` reads it)."""
    root = load_xml(data, name).getroot()
    return {process.get("id", ""): process.get(camunda("historyTimeToLive"), "")
            for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
            if process.get(camunda("historyTimeToLive"))}


def file_kind(name: str, data: bytes) -> str:
    """What a file to deploy holds: "form" (a form-js .form file), "dmn" (told by its name or its content) or
    "bpmn"."""
    if linked_forms.is_form_file(name):
        return "form"
    if name.lower().endswith(".dmn") or is_dmn(data):
        return "dmn"
    return "bpmn"


class Deployments:
    """Deploys files and hands out the parsed processes of stored definitions (parsed once, kept bounded)."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime
        self._parsed: OrderedDict[int, Definitions] = OrderedDict()
        self._lock = threading.Lock()

    def deploy(self, source: str | Path | bytes | Sequence[str | Path],
               file_name: str | None = None, actor: Actor = PROGRAM) -> list[DeployedProcess]:
        """Deploy, as `actor`, a `.bpmn` file, or several files as one deployment (their imports may name one
        another): each executable process gets a new version unless unchanged, and nothing is deployed when any
        file is refused. A `.dmn` file (told by its name or its content) and a `.form` file (a form-js form,
        which processes link to; see `linked_forms`) are deployed first, each getting a new version unless
        unchanged."""
        if isinstance(source, bytes):
            files = {file_name or "upload.bpmn": source}
        else:
            paths = [Path(source)] if isinstance(source, (str, Path)) else [Path(each) for each in source]
            files = {}
            for path in paths:
                if not path.is_file():
                    raise NotFound(f"{path}: no such file")
                files[file_name if file_name and len(paths) == 1 else path.name] = path.read_bytes()
        deployed: list[DeployedProcess] = []
        for name in files:
            inputs.text(name, "the file name", FILE_NAME_LENGTH)
        for name, data in list(files.items()):
            if file_kind(name, data) == "form":
                form = files.pop(name)
                deployed.append(self.runtime.transactions.run(
                    lambda unit: linked_forms.deploy_form(unit, form, name), "deploy"))
            elif file_kind(name, data) == "dmn":
                deployed += self.runtime.decisions.deploy(files.pop(name), name)
        if not files:
            return deployed
        parsed = parse_files(files, check_scripts=self.runtime.script_runner is None)
        ttl = {key: days for name, data in files.items() for key, days in _times_to_live(data, name).items()}

        forms = {each.key: each.definition_id for each in deployed if each.kind == "form"}

        def work(unit: UnitOfWork) -> list[DeployedProcess]:
            unit.actor = actor
            return deployed + [self._deploy_process(unit, process, each.name, each.stored,
                                                    hashlib.sha256(each.stored).hexdigest(), ttl, forms)
                               for each in parsed for process in each.definitions.executable_processes()]
        return self.runtime.transactions.run(work, "deploy")

    def check(self, data: bytes, name: str) -> list[Problem]:
        """Every problem that deploying this one file (BPMN, DMN or form) now would refuse, deploying nothing:
        the editors run it as people edit."""
        try:
            kind = file_kind(name, data)
            if kind == "form":
                linked_forms.read_form_file(data, name)
            elif kind == "dmn":
                self.runtime.decisions.check(data, name)
            else:
                definitions = parse(data, name, check_scripts=self.runtime.script_runner is None)
                return self.runtime.transactions.run(lambda unit: [
                    problem for process in definitions.executable_processes()
                    for problem in (linked_forms.unresolved_links(unit.connection, process) +
                                    self._start_problems(unit.session, process, unit.now))], "query", repeatable=True)
        except DeploymentError as refused:
            return refused.problems
        return []

    def _deploy_process(self, unit: UnitOfWork, process: Process, name: str, data: bytes,
                        checksum: str, ttl: dict[str, str], forms: Mapping[str, int]) -> DeployedProcess:
        """A new version of `process` (unless unchanged), bound to the `forms` deployed with it (by form id)."""
        session = unit.session
        latest = session.execute(select(Definition).where(Definition.key == process.id)
                                 .order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()
        if latest is not None and latest.checksum == checksum:
            unit.audit("deploy", process_key=process.id, detail={"version": latest.version, "file": name,
                                                                  "new": False})
            return DeployedProcess(process.id, latest.version, latest.id, latest.name, latest.file_name, False)
        version = latest.version + 1 if latest else 1
        definition = Definition(key=process.id, version=version, name=process.name or process.id, file_name=name,
                                checksum=checksum, xml=data, deployed_at=unit.now,
                                history_ttl_days=time_to_live(ttl.get(process.id)))
        session.add(definition)
        session.flush()
        linked_forms.bind(unit, process, definition.id, forms)
        self._register_start_triggers(unit, definition, process)
        permissions.from_model(unit.connection, process.id, process.starter_users, process.starter_groups)
        unit.audit("deploy", process_key=process.id, detail={"version": version, "file": name, "new": True})
        unit.after_commit(lambda: log_event(log, logging.INFO, "deployed %s version %s from %s", process.id, version,
                                            name, process_key=process.id))
        return DeployedProcess(process.id, version, definition.id, definition.name, name, True)

    def _register_start_triggers(self, unit: UnitOfWork, definition: Definition, process: Process) -> None:
        """The newest version's start events start instances; the older versions of this process stop."""
        session = unit.session
        older = select(Definition.id).where(Definition.key == process.id, Definition.id != definition.id)
        session.execute(delete(Subscription).where(Subscription.instance_id.is_(None),
                                                   Subscription.definition_id.in_(older)))
        session.execute(delete(Job).where(Job.kind == "start_timer", Job.definition_id.in_(older)))
        for trigger in start_triggers(process):
            if trigger.kind == "message":
                self._refuse_taken_message(session, process, trigger.element_id, trigger.name)
            if trigger.kind in ("message", "signal"):
                session.execute(insert(Subscription).values(
                    definition_id=definition.id, kind=trigger.kind, name=trigger.name,
                    element_id=trigger.element_id, created_at=unit.now))
            elif trigger.timer is not None:
                due = self._first_start(process, trigger.element_id, trigger.timer, unit.now)
                session.execute(insert(Job).values(
                    definition_id=definition.id, kind="start_timer", topic=process.id,
                    element_id=trigger.element_id, due_at=due, retries=self.runtime.default_retries,
                    created_at=unit.now, idempotency_key=f"start-{definition.id}-{trigger.element_id}"))

    def _start_problems(self, session: Session, process: Process, now: datetime) -> list[Problem]:
        """What `_register_start_triggers` would refuse of the process's start events, registering nothing."""
        problems = []
        for trigger in start_triggers(process):
            try:
                if trigger.kind == "message":
                    self._refuse_taken_message(session, process, trigger.element_id, trigger.name)
                elif trigger.kind != "signal" and trigger.timer is not None:
                    self._first_start(process, trigger.element_id, trigger.timer, now)
            except DeploymentError as refused:
                problems += refused.problems
        return problems

    @staticmethod
    def _first_start(process: Process, element_id: str, timer: TimerSpec, now: datetime) -> datetime:
        """When a timer start event first fires; one that cannot (its expression fails, it never fires)
        refuses the deployment, located at its start event."""
        try:
            due = next_firing(timer_schedule(timer), since=now, fired=0, now=now)
            reason = "never fires"
        except ExpressionError as error:
            due, reason = None, str(error)
        if due is None:
            start = process.element(element_id)
            raise DeploymentError([Problem(start.origin.file, start.origin.line, element_id,
                                           f"the timer start event cannot be scheduled: {reason}")])
        return due

    @staticmethod
    def _refuse_taken_message(session: Session, process: Process, element_id: str, message: str) -> None:
        """A message starts one process only (as in Camunda 7): another process's start with it is refused."""
        other = session.execute(select(Definition.key, Definition.file_name).join(
            Subscription, Subscription.definition_id == Definition.id).where(
            Subscription.instance_id.is_(None), Subscription.kind == "message", Subscription.name == message,
            Definition.key != process.id).limit(1)).one_or_none()
        if other is not None:
            start = process.element(element_id)
            raise DeploymentError([Problem(start.origin.file, start.origin.line, element_id,
                                           f"message '{message}' already starts process '{other.key}' (deployed "
                                           f"from {other.file_name}); a message can start one process only: "
                                           f"give this start event another message")])

    def process_of(self, definition_id: int, key: str, bind: Session | Connection) -> Process:
        """The parsed process of a stored definition (parsed once, kept while it is among the recent ones)."""
        with self._lock:
            definitions = self._parsed.get(definition_id)
            if definitions is not None:
                self._parsed.move_to_end(definition_id)
        if definitions is None:
            row = bind.execute(statements.DEFINITION_SOURCE, {"definition_id": definition_id}).one_or_none()
            if row is None:
                raise NotFound(f"there is no deployed definition {definition_id}")
            definitions = read_deployed(row.xml, row.file_name)
            linked_forms.attach(bind, definition_id, definitions)
            with self._lock:
                self._parsed[definition_id] = definitions
                while len(self._parsed) > PARSED_DEFINITIONS_KEPT:
                    self._parsed.popitem(last=False)
        return definitions.processes[key]

    def latest_definition(self, key: str, bind: Session | Connection,
                          version: int | None = None) -> tuple[DefinitionRef, Process]:
        """The newest (or the given) version of process `key` and its parsed process."""
        query = statements.DEFINITION_VERSION if version else statements.LATEST_DEFINITION
        connection = bind.connection() if isinstance(bind, Session) else bind
        row = query.one_or_none(connection, {"key": key, "version": version})
        if row is None:
            known = bind.execute(select(Definition.key).distinct()).scalars().all()
            hint = f"; deployed processes: {', '.join(sorted(known))}" if known else "; nothing is deployed yet"
            raise NotFound(f"there is no deployed process '{key}'{' version ' + str(version) if version else ''}{hint}")
        definition = DefinitionRef(*row)
        return definition, self.process_of(definition.id, key, bind)
