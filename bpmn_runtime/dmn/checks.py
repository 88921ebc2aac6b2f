"""The deployment check of a DMN model: with the models it imports, every decision must compile."""
from __future__ import annotations

from collections.abc import Mapping

from bpmn_runtime.dmn.drg import DecisionModel
from bpmn_runtime.dmn.imports import imported_models
from bpmn_runtime.dmn.model import Definitions
from bpmn_runtime.dmn.parser import unique
from bpmn_runtime.errors import DeploymentError


def checked_model(definitions: Definitions, available: Mapping[str, Definitions]) -> DecisionModel:
    """The compiled model, or DeploymentError listing every problem (imports missing, FEEL that does not
    parse, types that are not there, decisions requiring themselves), each located in its file."""
    imported, problems = imported_models(definitions, available)
    model = DecisionModel(definitions, imported)
    problems += model.problems
    if problems:
        raise DeploymentError(unique(problems))
    return model
