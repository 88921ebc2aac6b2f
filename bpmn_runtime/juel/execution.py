"""`execution` in expressions: the read-only part of Camunda 7's DelegateExecution that models use.

The engine fills an ExecutionView for the activity instance an expression runs in. Expressions can
read it (`execution.getVariable("x")`, `execution.processBusinessKey`) but never change it: calls
such as `setVariable` are refused at deployment.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bpmn_runtime.juel.coercion import JavaObject
from bpmn_runtime.juel.errors import Failure
from bpmn_runtime.juel.limits import Budget

# Method names of Camunda's execution that change the instance; refused as such, not as Java-only.
MUTATING_PREFIXES = ("set", "remove", "create", "resolve", "insert", "delete")


@dataclass(frozen=True, slots=True)
class ExecutionView:
    """What an expression may read about the execution it runs in; the engine fills it in.

    `local_variables` are the variables of the innermost scope (Camunda's "local" variables);
    `now` is the engine's clock for this step, read by `now()` and `dateTime()` (None: the system clock);
    `task` is the user task a task listener runs for (`TASK_PROPERTIES` by name), None elsewhere.
    """

    process_instance_id: str
    id: str
    business_key: str | None = None
    activity_id: str | None = None
    activity_name: str | None = None
    process_definition_key: str | None = None
    process_definition_version: int | None = None
    event_name: str | None = None
    local_variables: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    task: Mapping[str, Any] | None = None

    @property
    def process_definition_id(self) -> str | None:
        """Camunda's id is key:version:uuid; here key:version, or the key when the version is unknown."""
        if self.process_definition_key is None or self.process_definition_version is None:
            return self.process_definition_key
        return f"{self.process_definition_key}:{self.process_definition_version}"


class ExecutionAccess(JavaObject):
    """`execution` while one expression runs: the view, and the variables visible where it runs."""

    __slots__ = ("view", "variables")

    def __init__(self, view: ExecutionView, variables: Mapping[str, Any]) -> None:
        self.view = view
        self.variables = variables

    def java_text(self) -> str:
        return f"the execution {self.view.id} of instance {self.view.process_instance_id}"

    def java_equals(self, other: Any) -> bool:
        return isinstance(other, ExecutionAccess) and other.view == self.view


class TaskAccess(ExecutionAccess):
    """`task` in a task listener: Camunda 7's DelegateTask, read-only, with the variables seen from the task."""

    __slots__ = ()

    def java_text(self) -> str:
        task = self.view.task or {}
        return f"the task '{task.get('name')}' ({task.get('taskDefinitionKey')}) of instance " \
               f"{self.view.process_instance_id}"

    def java_equals(self, other: Any) -> bool:
        return isinstance(other, TaskAccess) and other.view == self.view


def _variable_name(arguments: list[Any]) -> str:
    (name,) = arguments
    if type(name) is not str:
        raise Failure("a variable name must be text")
    return name


def _copy(variables: Mapping[str, Any], budget: Budget) -> dict[str, Any]:
    budget.charge(len(variables))
    return dict(variables)


_Getter = Callable[[ExecutionAccess, Budget], Any]
_GETTERS: dict[str, _Getter] = {
    "getId": lambda access, budget: access.view.id,
    "getProcessInstanceId": lambda access, budget: access.view.process_instance_id,
    "getProcessBusinessKey": lambda access, budget: access.view.business_key,
    "getBusinessKey": lambda access, budget: access.view.business_key,
    "getActivityId": lambda access, budget: access.view.activity_id,
    "getCurrentActivityId": lambda access, budget: access.view.activity_id,
    "getCurrentActivityName": lambda access, budget: access.view.activity_name,
    "getProcessDefinitionId": lambda access, budget: access.view.process_definition_id,
    "getEventName": lambda access, budget: access.view.event_name,
    "getVariables": lambda access, budget: _copy(access.variables, budget),
    "getVariablesLocal": lambda access, budget: _copy(access.view.local_variables, budget),
    "getVariableNames": lambda access, budget: sorted(_copy(access.variables, budget)),
    "getVariableNamesLocal": lambda access, budget: sorted(_copy(access.view.local_variables, budget)),
}

# Bean properties, as EL reads them: `execution.processBusinessKey` calls getProcessBusinessKey().
PROPERTIES: dict[str, _Getter] = {name[3].lower() + name[4:]: getter for name, getter in _GETTERS.items()}

# What a task listener's `task` gives, by bean property (the engine fills them in `ExecutionView.task`).
TASK_PROPERTY_NAMES = ("name", "assignee", "priority", "dueDate", "followUpDate", "taskDefinitionKey", "eventName",
                       "processInstanceId", "executionId", "processDefinitionId")


def _task_getter(name: str) -> _Getter:
    def read(access: ExecutionAccess, budget: Budget) -> Any:
        task = access.view.task or {}
        if name not in task:  # the engine leaves out what may have changed since the task was created
            raise Failure(f"the task's {name} is known to its create listeners only; the inbox may have changed "
                          f"it since")
        return task[name]
    return read


_TASK_GETTERS: dict[str, _Getter] = {
    **{f"get{name[0].upper()}{name[1:]}": _task_getter(name) for name in TASK_PROPERTY_NAMES},
    **{name: _GETTERS[name] for name in ("getVariables", "getVariablesLocal", "getVariableNames",
                                         "getVariableNamesLocal")},
}
TASK_PROPERTIES: dict[str, _Getter] = {name[3].lower() + name[4:]: getter for name, getter in _TASK_GETTERS.items()}


def _without_arguments(getter: _Getter) -> Callable[[ExecutionAccess, list[Any], Budget], Any]:
    return lambda access, arguments, budget: getter(access, budget)


_Method = tuple[tuple[int, ...], Callable[[ExecutionAccess, list[Any], Budget], Any]]
_VARIABLE_METHODS: dict[str, _Method] = {
    "getVariable": ((1,), lambda access, arguments, budget: access.variables.get(_variable_name(arguments))),
    "getVariableLocal": ((1,), lambda access, arguments, budget:
                         access.view.local_variables.get(_variable_name(arguments))),
    "hasVariable": ((1,), lambda access, arguments, budget: _variable_name(arguments) in access.variables),
    "hasVariableLocal": ((1,), lambda access, arguments, budget:
                         _variable_name(arguments) in access.view.local_variables),
}
EXECUTION_METHODS: dict[str, _Method] = {
    **{name: ((0,), _without_arguments(getter)) for name, getter in _GETTERS.items()}, **_VARIABLE_METHODS,
}
TASK_METHODS: dict[str, _Method] = {
    **{name: ((0,), _without_arguments(getter)) for name, getter in _TASK_GETTERS.items()}, **_VARIABLE_METHODS,
}
