"""Imports between models: which models a model needs, found by namespace among those available.

A DMN import names a model by its namespace (`<import namespace="..." name="lib"/>`); the location is a
hint for tools, not something this engine fetches. The models needed are the imported ones and theirs,
transitively; imports of other kinds (XML Schema, PMML) are refused, since nothing could use them.
"""
from __future__ import annotations

from collections.abc import Mapping

from bpmn_runtime.dmn.model import Definitions
from bpmn_runtime.dmn.parser import DMN_NAMESPACES
from bpmn_runtime.errors import Problem


def imported_models(definitions: Definitions, available: Mapping[str, Definitions]) -> tuple[
        dict[str, Definitions], list[Problem]]:
    """The models `definitions` imports, directly or not, by namespace; a problem for each one missing."""
    found: dict[str, Definitions] = {}
    problems: list[Problem] = []
    pending = [definitions]
    while pending:
        model = pending.pop()
        for item in model.imports:
            if item.import_type and item.import_type not in DMN_NAMESPACES:
                problems.append(Problem(model.file, item.origin.line, "", (
                    f"the import '{item.name}' is of type {item.import_type}; only DMN models can be imported")))
                continue
            if item.namespace in found or item.namespace == definitions.namespace:
                continue
            target = available.get(item.namespace)
            if target is None:
                problems.append(Problem(model.file, item.origin.line, "", (
                    f"the imported model '{item.name or item.namespace}' (namespace {item.namespace}) is not "
                    f"deployed; deploy it first or together with this file")))
                continue
            found[item.namespace] = target
            pending.append(target)
    return found, problems
