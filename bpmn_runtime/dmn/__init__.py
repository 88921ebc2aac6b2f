"""DMN 1.5 decisions (DMN 1.1 to 1.4 files too): decision tables with every hit policy, boxed expressions,
business knowledge models, decision services and imports, evaluated with the `feel` package.

Public API:

    parse_dmn(data, file_name) -> Definitions            # raises DeploymentError with located problems
    read_deployed(data, file_name) -> Definitions        # a stored file, without the deployment checks
    is_dmn(data) -> bool                                 # whether bytes look like a DMN file
    imported_models(definitions, available) -> (models by namespace, problems)
    checked_model(definitions, available) -> DecisionModel  # raises DeploymentError listing every problem
    DecisionModel(definitions, imported)                 # compiled once; `.problems` lists what cannot run
    DecisionModel.evaluate(decision, inputs, now=None) -> DecisionResult
    DecisionModel.evaluate_service(service, arguments) -> DecisionResult
    DecisionResult: value (a FEEL value; `feel.to_python` for JSON), matches (rules per table), notes

Mistakes in data give null, as DMN says, and the notes say why; a decision that cannot be evaluated at all
(not in the model, past its budget) raises DecisionError.
"""
from bpmn_runtime.dmn.checks import checked_model
from bpmn_runtime.dmn.drg import DecisionModel
from bpmn_runtime.dmn.evaluation import DecisionError, DecisionResult, RuleMatches
from bpmn_runtime.dmn.imports import imported_models
from bpmn_runtime.dmn.model import Definitions
from bpmn_runtime.dmn.parser import is_dmn, parse_dmn, read_deployed

__all__ = ["DecisionError", "DecisionModel", "DecisionResult", "Definitions", "RuleMatches", "checked_model", "imported_models",
           "is_dmn", "parse_dmn", "read_deployed"]
