"""Expressions and scripts: what the sandbox refuses is refused at deployment, before anything could run it."""
from __future__ import annotations

from dataclasses import replace

from bpmn_runtime import expressions, juel
from bpmn_runtime.engine import python_timers
from bpmn_runtime.errors import ExpressionError, Problem
from bpmn_runtime.model import Element, Flow, Listener, Process, ScriptValue, parameter_parts
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.events import TIMER_FIELDS
from bpmn_runtime.parser.validation.extensions_not_run import RULE as EXTENSION
from bpmn_runtime.parser.validation.shared import problem


def sandbox_problems(process: Process, element: Element, check_scripts: bool) -> list[Problem]:
    """Every expression of `element`, and its scripts (a script task's, SpiffWorkflow's pre- and post-scripts)
    unless the embedding program runs scripts itself."""
    problems = []
    for text in _expressions_of(process, element):
        try:
            expressions.check(text)
        except ExpressionError as error:
            problems.append(problem(element, str(error)))
    problems += _python_timer_problems(element) + _correlation_problems(element)
    if not check_scripts:
        return problems
    if element.kind == "scriptTask" and element.script and \
            element.script_format in expressions.SANDBOX_SCRIPT_FORMATS:
        try:
            expressions.check_script(element.script)
        except ExpressionError as error:
            problems.append(problem(element, str(error)))
    for setting, script in (("preScript", element.extensions.pre_script),
                            ("postScript", element.extensions.post_script)):
        try:
            expressions.check_script(script or "")
        except ExpressionError as error:  # a SpiffWorkflow setting the engine cannot run as SpiffWorkflow does
            problems.append(replace(problem(element, f"spiffworkflow:{setting} on {element.label}: {error}"),
                                    rule=EXTENSION))
    if check_scripts:
        problems += [problem(element, f"camunda:inputOutput parameter '{name}': {why}")
                     for name, script in _parameter_scripts(element) if (why := _sandbox_refusal(script))]
    return problems + (_listener_script_problems(process, element) if check_scripts else [])


def _correlation_problems(element: Element) -> list[Problem]:
    """The retrieval expressions of a SpiffWorkflow message's correlation properties (see `spiff_correlation`)."""
    problems = []
    for definition in element.events:
        for prop, expression in definition.correlation.properties if definition.correlation else ():
            try:
                expressions.check(expression)
            except ExpressionError as error:
                problems.append(problem(element, f"the correlation property '{prop}' of message '{definition.name}' "
                                                 f"(correlationPropertyRetrievalExpression): {error}"))
    return problems


def _python_timer_problems(element: Element) -> list[Problem]:
    """A SpiffWorkflow file's timers, Python expressions (see `python_timers`) of the engine's sandbox."""
    problems = []
    for definition in element.events:
        timer = definition.timer
        if timer is None or not timer.python:
            continue
        try:
            for text in python_timers.read(timer.kind, timer.expression).sandbox_expressions():
                expressions.check(text)
        except ExpressionError as error:
            problems.append(problem(element, f"the {TIMER_FIELDS[timer.kind]} '{timer.expression[:60]}': {error}"))
    return problems


def _listener_script_problems(process: Process, element: Element) -> list[Problem]:
    """The Python scripts of the listeners of `element` and of the flows it leaves by, which the sandbox runs,
    each refused at the element or flow that carries it."""
    found = []
    owners: list[Element | Flow] = [element, *(process.flows[flow] for flow in element.outgoing)]
    for owner in owners:
        listeners = owner.listeners if isinstance(owner, Flow) else \
            owner.extensions.execution_listeners + owner.extensions.task_listeners
        for listener in listeners:
            if listener.script and listener.script_format in expressions.SANDBOX_SCRIPT_FORMATS:
                try:
                    expressions.check_script(listener.script)
                except ExpressionError as error:
                    found.append(problem(owner, f"the script of the {listener.event} listener: {error}; a "
                                                f"listener sets a variable with 'name = expression', as "
                                                f"execution.setVariable('name', value) would"))
    return found


def _listeners_of(process: Process, element: Element) -> list[Listener]:
    """The Camunda 7 listeners run on `element` and on the flows it sends tokens along."""
    extensions = element.extensions
    return [*extensions.execution_listeners, *extensions.task_listeners,
            *(listener for flow in element.outgoing for listener in process.flows[flow].listeners)]


def _parameter_scripts(element: Element) -> list[tuple[str, ScriptValue]]:
    """The camunda:script values of `element`'s input and output parameters, by parameter name."""
    return [(m.target, part) for m in element.extensions.inputs + element.extensions.outputs
            for part in parameter_parts(m.source) if isinstance(part, ScriptValue)]


def _sandbox_refusal(script: ScriptValue) -> str | None:
    """Why the sandbox, which runs scripts when the runtime has no script runner, cannot give a parameter the
    value of `script`; None when it can (an empty script is refused as the model is read)."""
    if not script.script:
        return None
    if script.format not in expressions.SANDBOX_SCRIPT_FORMATS:
        return (f"its script is written in '{script.format}', which this engine runs only through a script "
                f"runner the runtime is given; write it as Python assignments (Format: python) ending in "
                f"'result = ...'")
    try:
        assigned = expressions.check_script(script.script)
    except ExpressionError as error:
        return str(error)
    return None if "result" in assigned else \
        "its script assigns no 'result'; the parameter's value is what the script assigns to result"


def constant_condition_problems(process: Process, element: Element) -> list[Problem]:
    """A condition that is a single literal has one value forever; it must at least be true or false.
    The condition is read, never evaluated: running a model's text at deployment could cost anything."""
    completion = element.loop.completion_condition if element.loop is not None and element.loop.multi_instance \
        else None
    return [*_constant_conditions([c for c in _conditions_of(process, element) if c != completion], element),
            *completion_condition_boolean(element, completion)]


@rule("EXT.071")
def completion_condition_boolean(element: Element, completion: str | None) -> list[Problem]:
    """EXT.071: the completion condition of a multi-instance activity is a boolean expression (a literal one
    must be true or false)."""
    return _constant_conditions([completion] if completion else [], element)


def _constant_conditions(conditions: list[str], element: Element) -> list[Problem]:
    problems = []
    for condition in conditions:
        try:
            is_literal, value = expressions.literal(condition)
        except ExpressionError:
            continue  # refused by sandbox_problems already
        if not is_literal:
            continue
        try:
            expressions.as_condition(condition, value)
        except ExpressionError:
            problems.append(problem(element, f"the condition \"{condition}\" is always {value!r}, not true or false"))
    return problems


def _expressions_of(process: Process, element: Element) -> list[str]:
    """Every expression the engine will evaluate for `element`: its conditions, mappings and counts."""
    found = _conditions_of(process, element)
    found += [part for m in element.extensions.inputs + element.extensions.outputs
              for part in parameter_parts(m.source) if part and isinstance(part, str)]
    found += [d.correlation_key for d in element.events if d.correlation_key]
    found += [d.payload for d in element.events if d.payload]
    passing = element.extensions.passing
    found += [m.expression for m in passing.ins + passing.outs if m.expression]
    found += [listener.expression for listener in _listeners_of(process, element) if listener.expression]
    if element.loop is not None and element.loop.cardinality:
        found.append(element.loop.cardinality)
    return found + (_templates_of(element) if process.embedded_expressions else []) + _feel_attributes_of(element)


def _feel_attributes_of(element: Element) -> list[str]:
    """Camunda 8 attributes, message and signal names and thrown codes written as FEEL (`=...`), evaluated when an
    instance gets there: their syntax is checked now."""
    extensions = element.extensions
    texts = [*(d.name for d in element.events if d.kind in ("message", "signal", "error", "escalation")),
             extensions.topic, extensions.retries_expression, extensions.script_expression, extensions.assignee, extensions.due_date,
             extensions.follow_up_date, extensions.priority, extensions.decision_ref,
             *extensions.candidate_users, *extensions.candidate_groups]
    return [text for text in texts if text and text.lstrip().startswith("=")]


def _templates_of(element: Element) -> list[str]:
    """Camunda 7 (and Flowable) attributes that may embed `${...}`, checked like expressions so Java-only calls
    are refused."""
    extensions = element.extensions
    texts = [extensions.assignee, extensions.due_date, extensions.follow_up_date, extensions.priority,
             extensions.topic, extensions.passing.business_key, extensions.skip_expression, extensions.called_version,
             *extensions.candidate_users, *extensions.candidate_groups, element.name if element.kind == "userTask" else None]
    for definition in element.events:
        texts.append(definition.name if definition.kind in ("message", "signal") else None)
        texts.append(definition.timer.expression if definition.timer is not None and not definition.timer.python
                     else None)
    return [text for text in texts if text and juel.is_template(text) and not text.startswith("=")]


def _conditions_of(process: Process, element: Element) -> list[str]:
    """The expressions of `element` that decide something, and so must give true or false."""
    found = [process.flows[f].condition for f in element.outgoing]
    found += [d.condition for d in element.events] + [element.activation_condition, element.completion_condition]
    if element.loop is not None:
        found += [element.loop.loop_condition, element.loop.completion_condition]
        found += [behavior.condition for behavior in element.loop.complex_behaviors]
    return [text for text in found if text]
