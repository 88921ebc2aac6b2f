"""Deploying DMN files, finding deployed decisions, and evaluating them (for callers and business rule tasks).

A changed file gives each of its decisions a new version; an identical one changes nothing. The file is
stored whole (`dmn_files`); a model imported by another is found by its namespace among the newest files,
so a model must be deployed before (or with) the models that import it. Compiled models are kept in
memory, keyed by their file and the files of the models they import.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from bpmn_runtime.dmn import DecisionError, DecisionModel, Definitions, checked_model, parse_dmn, read_deployed
from bpmn_runtime.dmn.imports import imported_models
from bpmn_runtime.dmn.model import Decision, DecisionTable
from bpmn_runtime.dmn.results import rule_results
from bpmn_runtime.engine.decision_calls import DecisionCall, DecisionOutcome
from bpmn_runtime.engine.behaviours.base import Incident
from bpmn_runtime.errors import DeploymentError, NotFound, Problem
from bpmn_runtime.feel import to_python
from bpmn_runtime.runtime import inputs
from bpmn_runtime.runtime.records import DeployedProcess, Record
from bpmn_runtime.store.tables import DecisionDefinition, DmnFile

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

log = logging.getLogger("bpmn_runtime")
COMPILED_MODELS_KEPT = 128
NAMESPACE_LENGTH = 500


@dataclass(frozen=True)
class DeployedDecision(DeployedProcess):
    """A deployed decision, told apart from a process by its kind; `definition_id` is its decision definition."""

    kind: str = "decision"


@dataclass(frozen=True)
class DecisionInfo(Record):
    """A deployed decision version, for lists."""

    key: str
    version: int
    name: str
    file_name: str
    deployed_at: Any
    definition_id: int


@dataclass(frozen=True)
class Evaluated(Record):
    """A decision's evaluation for callers: the result as JSON, the rules that matched, why parts were null."""

    key: str
    version: int
    name: str
    result: Any
    matched: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Decisions:
    """Deploys DMN files and evaluates deployed decisions."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime
        self._compiled: OrderedDict[tuple[int, ...], DecisionModel] = OrderedDict()
        self._parsed: OrderedDict[int, Definitions] = OrderedDict()
        self._lock = threading.Lock()

    # --- deploying --------------------------------------------------------------------------------

    def deploy(self, data: bytes, name: str) -> list[DeployedProcess]:
        """Deploy a `.dmn` file: each decision in it gets a new version unless the file is unchanged."""
        definitions = self._parsed_file(data, name)
        checksum = hashlib.sha256(data).hexdigest()

        def work(unit: "UnitOfWork") -> list[DeployedProcess]:
            self._check_with_deployed(definitions, unit.connection)
            return self._store(unit, definitions, name, data, checksum)
        return self.runtime.transactions.run(work, "deploy")

    def check(self, data: bytes, name: str) -> None:
        """Raise the DeploymentError that deploying this `.dmn` file now would raise; deploy nothing."""
        definitions = self._parsed_file(data, name)
        self.runtime.transactions.run(
            lambda unit: self._check_with_deployed(definitions, unit.connection), "query", repeatable=True)

    @staticmethod
    def _parsed_file(data: bytes, name: str) -> Definitions:
        definitions = parse_dmn(data, name)
        problems = _column_problems(definitions)
        if problems:
            raise DeploymentError(problems)
        return definitions

    def _check_with_deployed(self, definitions: Definitions, connection: Connection) -> None:
        """Check the model with the deployed models it may import (the newest file of each other namespace)."""
        available = {model.namespace: model for _, model in self._newest_files(connection)
                     if model.namespace != definitions.namespace}
        checked_model(definitions, available)

    def _store(self, unit: "UnitOfWork", definitions: Definitions, name: str, data: bytes,
               checksum: str) -> list[DeployedProcess]:
        session = unit.session
        newest = session.execute(select(DmnFile).where(DmnFile.namespace == definitions.namespace)
                                 .order_by(DmnFile.id.desc()).limit(1)).scalar_one_or_none()
        if newest is None or newest.checksum != checksum:
            newest = DmnFile(namespace=definitions.namespace, name=definitions.name or definitions.id, file_name=name,
                             checksum=checksum, xml=data, deployed_at=unit.now)
            session.add(newest)
            session.flush()
        file_id = newest.id
        deployed: list[DeployedProcess] = []
        for decision in definitions.decisions.values():
            latest = session.execute(select(DecisionDefinition).where(DecisionDefinition.key == decision.id)
                                     .order_by(DecisionDefinition.version.desc()).limit(1)).scalar_one_or_none()
            if latest is not None and latest.checksum == checksum:
                deployed.append(DeployedDecision(decision.id, latest.version, latest.id, latest.name, name, False))
                continue
            version = latest.version + 1 if latest else 1
            row = DecisionDefinition(key=decision.id, version=version, name=decision.name or decision.id,
                                     file_id=file_id, checksum=checksum, deployed_at=unit.now)
            session.add(row)
            session.flush()
            unit.after_commit(functools.partial(log.info, "deployed decision %s version %s from %s", decision.id,
                                                version, name))
            deployed.append(DeployedDecision(decision.id, version, row.id, row.name, name, True))
        return deployed

    def _newest_files(self, connection: Connection) -> list[tuple[int, Definitions]]:
        """The newest deployed file of each namespace, parsed (kept with the compiled models' files)."""
        newest = select(func.max(DmnFile.id)).group_by(DmnFile.namespace).scalar_subquery()
        ids = connection.execute(select(DmnFile.id).where(DmnFile.id.in_(newest))).scalars().all()
        return [(file_id, self._definitions(file_id, connection)) for file_id in ids]

    # --- finding and evaluating -------------------------------------------------------------------

    def _definitions(self, file_id: int, connection: Connection) -> Definitions:
        with self._lock:
            cached = self._parsed.get(file_id)
        if cached is not None:
            return cached
        row = connection.execute(select(DmnFile.xml, DmnFile.file_name).where(DmnFile.id == file_id)).one()
        definitions = read_deployed(row.xml, row.file_name)
        with self._lock:
            self._parsed[file_id] = definitions
            while len(self._parsed) > COMPILED_MODELS_KEPT:
                self._parsed.popitem(last=False)
        return definitions

    def model(self, key: str, connection: Connection, version: int | None = None) -> tuple[DecisionDefinition, DecisionModel]:
        """The newest (or the given) version of decision `key` and its compiled model; NotFound names the
        deployed decisions when it is not there."""
        query = select(DecisionDefinition).where(DecisionDefinition.key == key)
        query = query.where(DecisionDefinition.version == version) if version else \
            query.order_by(DecisionDefinition.version.desc()).limit(1)
        with Session(bind=connection) as session:
            row = session.execute(query).scalar_one_or_none()
            if row is None:
                known = session.execute(select(DecisionDefinition.key).distinct()).scalars().all()
                hint = f"; deployed decisions: {', '.join(sorted(known))}" if known else "; no decision is deployed"
                raise NotFound(f"there is no deployed decision '{key}'"
                               f"{' version ' + str(version) if version else ''}{hint}")
            session.expunge(row)
        definitions = self._definitions(row.file_id, connection)
        newest = {model.namespace: (file_id, model) for file_id, model in self._newest_files(connection)}
        imported, problems = imported_models(definitions, {ns: model for ns, (_, model) in newest.items()})
        if problems:
            raise NotFound(f"decision '{row.name}' cannot be evaluated: {problems[0].message}")
        cache_key = (row.file_id, *sorted(newest[namespace][0] for namespace in imported))
        with self._lock:
            model = self._compiled.get(cache_key)
            if model is not None:
                self._compiled.move_to_end(cache_key)
        if model is None:
            model = DecisionModel(definitions, imported)
            with self._lock:
                self._compiled[cache_key] = model
                while len(self._compiled) > COMPILED_MODELS_KEPT:
                    self._compiled.popitem(last=False)
        return row, model

    def evaluate(self, key: str, variables: Mapping[str, Any], version: int | None = None) -> Evaluated:
        """Evaluate the newest (or the given) version of decision `key` with JSON variables."""
        inputs.key(key, "the decision key")

        def work(unit: "UnitOfWork") -> Evaluated:
            row, model = self.model(key, unit.connection, version)
            result = model.evaluate(key, variables, now=unit.now, inputs_in_scope=True)
            return Evaluated(row.key, row.version, row.name, to_python(result.value),
                             [match.to_json() for match in result.matches], list(result.notes))
        return self.runtime.transactions.run(work, "decide", repeatable=True)

    def lookup(self, unit: "UnitOfWork") -> "DecisionLookupOf":
        """What the engine calls to evaluate a business rule task's decision, inside `unit`'s transaction."""
        return DecisionLookupOf(self, unit)

    def deployed(self) -> list[DecisionInfo]:
        """Every deployed decision version, by key, newest version first."""
        return self.runtime.transactions.run(lambda unit: self._listed(unit.connection), "query", repeatable=True)

    def definitions_of(self, key: str, version: int | None = None) -> tuple[DecisionInfo, Definitions]:
        """A deployed decision version and the model of its file, for drawing it."""
        def work(unit: "UnitOfWork") -> tuple[DecisionInfo, Definitions]:
            row, model = self.model(key, unit.connection, version)
            file_name = unit.connection.execute(select(DmnFile.file_name).where(DmnFile.id == row.file_id)).scalar_one()
            return (DecisionInfo(row.key, row.version, row.name, file_name, row.deployed_at, row.id),
                    model.definitions)
        return self.runtime.transactions.run(work, "query", repeatable=True)

    def file_of(self, key: str, version: int | None = None) -> tuple[DecisionInfo, bytes]:
        """A deployed decision version and the whole .dmn file it came from, as the decision editor opens it."""
        def work(unit: "UnitOfWork") -> tuple[DecisionInfo, bytes]:
            row, _ = self.model(key, unit.connection, version)
            file = unit.connection.execute(select(DmnFile.file_name, DmnFile.xml)
                                           .where(DmnFile.id == row.file_id)).one()
            return DecisionInfo(row.key, row.version, row.name, file.file_name, row.deployed_at, row.id), file.xml
        return self.runtime.transactions.run(work, "query", repeatable=True)

    @staticmethod
    def _listed(connection: Connection) -> list[DecisionInfo]:
        rows = connection.execute(select(DecisionDefinition.key, DecisionDefinition.version, DecisionDefinition.name,
                                         DmnFile.file_name, DecisionDefinition.deployed_at, DecisionDefinition.id)
                                  .join(DmnFile, DmnFile.id == DecisionDefinition.file_id)
                                  .order_by(DecisionDefinition.key, DecisionDefinition.version.desc())).all()
        return [DecisionInfo(*row) for row in rows]


@dataclass(frozen=True)
class DecisionLookupOf:
    """The engine's decision lookup bound to one unit of work: a missing decision is an incident."""

    decisions: Decisions
    unit: "UnitOfWork"

    def __call__(self, call: DecisionCall) -> DecisionOutcome:
        try:
            row, model = self.decisions.model(call.decision, self.unit.connection, call.version)
            result = model.evaluate(call.decision, call.variables, now=call.now, inputs_in_scope=True)
        except (NotFound, DecisionError) as error:
            raise Incident(str(error)) from None
        decision = model.definitions.decisions[row.key]
        return DecisionOutcome(row.key, row.version, row.name, to_python(result.value),
                               [{name: to_python(value) for name, value in entry.items()}
                                for entry in rule_results(decision, result)],
                               [match.to_json() for match in result.matches], _hit_policy(decision))


def _hit_policy(decision: Decision) -> str | None:
    """The hit policy of a decision table, with its aggregation; None for other decision logic."""
    table = decision.logic
    if not isinstance(table, DecisionTable):
        return None
    return f"{table.hit_policy} {table.aggregation}" if table.aggregation else table.hit_policy


def _column_problems(definitions: Definitions) -> list[Problem]:
    """Ids and names longer than the columns that keep them."""
    found = []
    if len(definitions.namespace) > NAMESPACE_LENGTH:
        found.append(Problem(definitions.file, 0, definitions.id, (
            f"the namespace is {len(definitions.namespace)} characters long; at most {NAMESPACE_LENGTH} can be stored")))
    for decision in definitions.decisions.values():
        for what, value in (("id", decision.id), ("name", decision.name)):
            if len(value) > inputs.KEY_LENGTH:
                found.append(Problem(definitions.file, decision.origin.line, decision.id[:40], (
                    f"the decision {what} is {len(value)} characters long; at most {inputs.KEY_LENGTH} can be stored")))
    return found
