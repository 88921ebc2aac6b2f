"""Every attribute and extension element of Camunda 7's modeler schema is either run as Camunda 7 runs it, or
refused at deployment at the element that carries it, naming it (issue 14, "Never silently different").

The list below is the Camunda Modeler's schema for Camunda 7 files (camunda-bpmn-moddle, resources/camunda.json:
each type with the BPMN elements it extends and its attributes), written out here as facts, one case per
attribute and element, each on an element the schema allows it on. A case expected to run deploys; the tests
named beside it show that it runs as Camunda 7 runs it. A case expected to be refused is refused at that element
and the message names the setting. A new attribute in the schema needs a case here: the test that counts them
fails until it has one.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

# The schema's attributes, by the type that declares them (type: the BPMN elements it extends).
SCHEMA_ATTRIBUTES = {
    "Definitions (definitions)": ("diagramRelationId",),
    "AsyncCapable (activities, gateways, events)": ("async", "asyncBefore", "asyncAfter", "exclusive"),
    "JobPriorized (process, AsyncCapable)": ("jobPriority",),
    "SignalEventDefinitionExtension (signalEventDefinition)": ("async",),
    "ErrorEventDefinitionExtension (errorEventDefinition)": ("errorCodeVariable", "errorMessageVariable"),
    "Error (error)": ("errorMessage",),
    "FormSupported (startEvent, userTask)": ("formHandlerClass", "formKey", "formRef", "formRefBinding",
                                             "formRefVersion"),
    "TemplateSupported (collaboration, process, flow elements)": ("modelerTemplate", "modelerTemplateVersion"),
    "Initiator (startEvent)": ("initiator",),
    "ScriptTask (scriptTask)": ("resultVariable", "resource"),
    "Process (process)": ("candidateStarterGroups", "candidateStarterUsers", "versionTag", "historyTimeToLive",
                          "isStartableInTasklist"),
    "EscalationEventDefinitionExtension (escalationEventDefinition)": ("escalationCodeVariable",),
    "FormalExpression (formalExpression)": ("resource",),
    "Assignable (userTask)": ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate",
                              "priority"),
    "CallActivity (callActivity)": ("calledElementBinding", "calledElementVersion", "calledElementVersionTag",
                                    "calledElementTenantId", "caseRef", "caseBinding", "caseVersion",
                                    "caseTenantId", "variableMappingClass", "variableMappingDelegateExpression"),
    "ServiceTaskLike (serviceTask, businessRuleTask, sendTask, messageEventDefinition)": (
        "expression", "class", "delegateExpression", "resultVariable"),
    "DmnCapable (businessRuleTask)": ("decisionRef", "decisionRefBinding", "decisionRefVersion", "mapDecisionResult",
                                      "decisionRefTenantId"),
    "ExternalCapable (ServiceTaskLike)": ("type", "topic"),
    "TaskPriorized (process, ExternalCapable)": ("taskPriority",),
    "Collectable (multiInstanceLoopCharacteristics)": ("collection", "elementVariable"),
    "ConditionalEventDefinitionExtension (conditionalEventDefinition)": ("variableName", "variableEvents"),
}
# The schema's extension elements that may stand in bpmn:extensionElements.
SCHEMA_ELEMENTS = ("in", "out", "properties", "connector", "inputOutput", "field", "failedJobRetryTimeCycle",
                   "executionListener", "taskListener", "formProperty", "formData", "errorEventDefinition",
                   "potentialStarter")

RUNS, REFUSED = "runs", "refused"


@dataclass(frozen=True)
class Case:
    setting: str  # the attribute or element, as the schema names it
    body: str  # the process's content; the element carrying the setting has the id "t"
    expected: str  # RUNS or REFUSED
    declarations: str = ""
    process: str = ""  # attributes of the process element
    shown_by: str = ""  # for RUNS: the test that shows it runs as Camunda 7 runs it


def between(element: str, extra: str = "") -> str:
    """start -> `element` (id t) -> end, and `extra` elements and flows."""
    return (f'<bpmn:startEvent id="start"/>{element}<bpmn:endEvent id="end"/>{extra}'
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>')


def with_boundary(definition: str) -> str:
    """A task 't' with a boundary event holding `definition`, leading to its own end."""
    return between('<bpmn:task id="t" name="Work"/>',
                   f'<bpmn:boundaryEvent id="b" attachedToRef="t">{definition}</bpmn:boundaryEvent>'
                   '<bpmn:endEvent id="end2"/><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="end2"/>')


def extension(tag: str, inner: str, attributes: str = "") -> str:
    return f'<bpmn:{tag} id="t" name="Work" {attributes}><bpmn:extensionElements>{inner}</bpmn:extensionElements>' \
           f'</bpmn:{tag}>'


START_ONLY = '<bpmn:startEvent id="t" {}/><bpmn:endEvent id="end"/>' \
             '<bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="end"/>'
CALL = '<bpmn:callActivity id="t" name="Check" calledElement="child" {}/>'
MULTI = '<bpmn:userTask id="t" name="Review"><bpmn:multiInstanceLoopCharacteristics {}/></bpmn:userTask>'
EXTERNAL = 'camunda:type="external" camunda:topic="work"'
CASES = (
    Case("diagramRelationId", between('<bpmn:task id="t"/>'), RUNS,  # on definitions: see `model`
         shown_by="the web modeler's link to the diagram, nothing about a run"),
    Case("async", between('<bpmn:task id="t" camunda:async="true"/>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_async_before_and_after_wait_for_a_worker"),
    Case("asyncBefore", between('<bpmn:intermediateThrowEvent id="t" camunda:asyncBefore="true"/>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_events_and_gateways_a_token_arrives_at_continue_asynchronously"),
    Case("asyncBefore", between('<bpmn:task id="t" name="Work"><bpmn:multiInstanceLoopCharacteristics '
                                'camunda:collection="items" camunda:asyncBefore="true"/></bpmn:task>'), REFUSED),
    Case("asyncAfter", between('<bpmn:task id="t" camunda:asyncAfter="true"/>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_async_before_and_after_wait_for_a_worker"),
    Case("asyncAfter", between('<bpmn:intermediateThrowEvent id="t" name="Sent" camunda:asyncAfter="true"/>'),
         RUNS, shown_by="test_camunda7_semantics.py::test_events_continue_asynchronously_after_they_occur"),
    Case("asyncAfter", between('<bpmn:exclusiveGateway id="t" name="Which" camunda:asyncAfter="true"/>'),
         REFUSED),
    Case("exclusive", between('<bpmn:task id="t" camunda:asyncBefore="true" camunda:exclusive="false"/>'), RUNS,
         shown_by="a scheduling hint of the job executor: which job goes first, never what a job does"),
    Case("jobPriority", between('<bpmn:task id="t" camunda:jobPriority="5"/>'), RUNS, process='camunda:jobPriority="1"',
         shown_by="a scheduling hint of the job executor"),
    Case("async", between('<bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="sig" '
                          'camunda:async="true"/></bpmn:intermediateThrowEvent>'), REFUSED,
         declarations='<bpmn:signal id="sig" name="go"/>'),
    Case("errorCodeVariable", with_boundary('<bpmn:errorEventDefinition camunda:errorCodeVariable="code"/>'), RUNS,
         shown_by="test_caught_error_variables.py"),
    Case("errorMessageVariable", with_boundary('<bpmn:errorEventDefinition camunda:errorMessageVariable="m"/>'),
         RUNS, shown_by="test_caught_error_variables.py"),
    Case("errorMessage", between('<bpmn:task id="t"/>'), RUNS,
         declarations='<bpmn:error id="err" errorCode="E" camunda:errorMessage="failed: ${why}"/>',
         shown_by="test_caught_error_variables.py"),
    Case("formHandlerClass", between('<bpmn:userTask id="t" camunda:formHandlerClass="org.example.Form"/>'),
         REFUSED),
    Case("formKey", between('<bpmn:userTask id="t" camunda:formKey="camunda-forms:deployment:approve.form"/>'),
         RUNS, shown_by="test_form_keys.py"),
    Case("formKey", between('<bpmn:userTask id="t" camunda:formKey="embedded:app:forms/approve.html"/>'), REFUSED),
    Case("formRef", between('<bpmn:userTask id="t" camunda:formRef="approve" camunda:formRefBinding="deployment"/>'),
         RUNS, shown_by="test_form_keys.py"),
    Case("formRefBinding", between('<bpmn:userTask id="t" camunda:formRef="approve" '
                                   'camunda:formRefBinding="latest"/>'), REFUSED),
    Case("formRefVersion", between('<bpmn:userTask id="t" camunda:formRef="approve" camunda:formRefBinding="version" '
                                   'camunda:formRefVersion="2"/>'), REFUSED),
    Case("modelerTemplate", between('<bpmn:task id="t" camunda:modelerTemplate="com.example.mail"/>'), RUNS,
         process='camunda:modelerTemplate="com.example.process"',
         shown_by="the modeler's record of the element template the element was made from"),
    Case("modelerTemplateVersion", between('<bpmn:task id="t" camunda:modelerTemplate="com.example.mail" '
                                           'camunda:modelerTemplateVersion="3"/>'), RUNS,
         shown_by="the modeler's record of the element template the element was made from"),
    Case("initiator", START_ONLY.format('camunda:initiator="starter"'), RUNS, shown_by="test_initiator.py"),
    Case("initiator", between('<bpmn:task id="t" camunda:initiator="starter"/>'), REFUSED),
    Case("resultVariable", between('<bpmn:scriptTask id="t" scriptFormat="python" camunda:resultVariable="r">'
                                   '<bpmn:script>result = 1</bpmn:script></bpmn:scriptTask>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_a_script_tasks_result_variable_gets_its_result"),
    Case("resource", between('<bpmn:scriptTask id="t" scriptFormat="python" camunda:resource="deployment://x.py"/>'),
         REFUSED),
    Case("candidateStarterGroups", between('<bpmn:task id="t"/>'), RUNS, process='camunda:candidateStarterGroups="a"',
         shown_by="tests/permissions/test_process_permissions.py"),
    Case("candidateStarterUsers", between('<bpmn:task id="t"/>'), RUNS, process='camunda:candidateStarterUsers="ann"',
         shown_by="tests/permissions/test_process_permissions.py"),
    Case("versionTag", between('<bpmn:task id="t"/>'), RUNS, process='camunda:versionTag="1.0"',
         shown_by="a label of the version for people"),
    Case("historyTimeToLive", between('<bpmn:task id="t"/>'), RUNS, process='camunda:historyTimeToLive="30"',
         shown_by="tests/console/test_cleanup.py"),
    Case("isStartableInTasklist", between('<bpmn:task id="t"/>'), RUNS, process='camunda:isStartableInTasklist="true"',
         shown_by="what Camunda's Tasklist offers to start"),
    Case("escalationCodeVariable", with_boundary('<bpmn:escalationEventDefinition '
                                                 'camunda:escalationCodeVariable="code"/>'), RUNS,
         shown_by="test_caught_error_variables.py"),
    Case("resource", '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="g" default="f3"/>'
                     '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>'
                     '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="g"/>'
                     '<bpmn:sequenceFlow id="t" sourceRef="g" targetRef="end"><bpmn:conditionExpression '
                     'xsi:type="bpmn:tFormalExpression" language="python" camunda:resource="check.py"/>'
                     '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="end2"/>', REFUSED),
    Case("assignee", between('<bpmn:userTask id="t" camunda:assignee="${owner}"/>'), RUNS,
         shown_by="tests/engine/test_juel_attributes.py::test_user_task_attributes_embed_expressions"),
    Case("candidateUsers", between('<bpmn:userTask id="t" camunda:candidateUsers="ann, ${second}"/>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_candidate_lists_mix_names_and_expressions"),
    Case("candidateGroups", between('<bpmn:userTask id="t" camunda:candidateGroups="${groups}"/>'), RUNS,
         shown_by="test_camunda7_semantics.py::test_candidate_lists_mix_names_and_expressions"),
    Case("dueDate", between('<bpmn:userTask id="t" camunda:dueDate="${due}"/>'), RUNS,
         shown_by="tests/engine/test_juel_attributes.py::test_user_task_attributes_embed_expressions"),
    Case("followUpDate", between('<bpmn:userTask id="t" camunda:followUpDate="2030-01-01T10:00:00"/>'), RUNS,
         shown_by="tests/web/test_follow_up_dates.py"),
    Case("priority", between('<bpmn:userTask id="t" camunda:priority="${urgent ? 80 : 50}"/>'), RUNS,
         shown_by="tests/engine/test_juel_attributes.py::test_user_task_attributes_embed_expressions"),
    Case("calledElementBinding", between(CALL.format('camunda:calledElementBinding="latest"')), RUNS,
         shown_by="test_camunda7_semantics.py::test_called_element_binding_latest_calls_the_newest_version"),
    Case("calledElementBinding", between(CALL.format('camunda:calledElementBinding="deployment"')), REFUSED),
    Case("calledElementVersion", between(CALL.format('camunda:calledElementBinding="version" '
                                                     'camunda:calledElementVersion="2"')), RUNS,
         shown_by="test_camunda7_semantics.py::test_called_element_binding_version_calls_that_version"),
    Case("calledElementVersion", between(CALL.format('camunda:calledElementVersion="2"')), REFUSED),
    Case("calledElementVersionTag", between(CALL.format('camunda:calledElementBinding="versionTag" '
                                                        'camunda:calledElementVersionTag="v2"')), REFUSED),
    Case("calledElementTenantId", between(CALL.format('camunda:calledElementTenantId="t1"')), REFUSED),
    Case("caseRef", between('<bpmn:callActivity id="t" camunda:caseRef="case"/>'), REFUSED),
    Case("caseBinding", between('<bpmn:callActivity id="t" camunda:caseRef="case" camunda:caseBinding="latest"/>'),
         REFUSED),
    Case("caseVersion", between('<bpmn:callActivity id="t" camunda:caseRef="case" camunda:caseBinding="version" '
                                'camunda:caseVersion="1"/>'), REFUSED),
    Case("caseTenantId", between('<bpmn:callActivity id="t" camunda:caseRef="case" camunda:caseTenantId="a"/>'),
         REFUSED),
    Case("variableMappingClass", between(CALL.format('camunda:variableMappingClass="org.example.Mapping"')), REFUSED),
    Case("variableMappingDelegateExpression", between(CALL.format('camunda:variableMappingDelegateExpression='
                                                                  '"${mapping}"')), REFUSED),
    Case("expression", between('<bpmn:serviceTask id="t" camunda:expression="${service.run()}"/>'), REFUSED),
    Case("class", between('<bpmn:serviceTask id="t" camunda:class="org.example.Charge"/>'), REFUSED),
    Case("delegateExpression", between('<bpmn:sendTask id="t" camunda:delegateExpression="${mailer}"/>'), REFUSED),
    Case("class", between('<bpmn:intermediateThrowEvent id="t"><bpmn:messageEventDefinition '
                          'camunda:class="org.example.Send"/></bpmn:intermediateThrowEvent>'), REFUSED),
    Case("resultVariable", between(f'<bpmn:serviceTask id="t" {EXTERNAL} camunda:resultVariable="r"/>'), RUNS,
         shown_by="Camunda 7 sets it only from camunda:expression, which is refused; an external task ignores it"),
    Case("decisionRef", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                'camunda:resultVariable="dish"/>'), RUNS,
         shown_by="tests/dmn/test_business_rule_tasks.py"),
    Case("decisionRefBinding", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                       'camunda:decisionRefBinding="version" camunda:decisionRefVersion="2"/>'), RUNS,
         shown_by="tests/dmn/test_business_rule_tasks.py"),
    Case("decisionRefBinding", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                       'camunda:decisionRefBinding="deployment"/>'), REFUSED),
    Case("decisionRefVersion", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                       'camunda:decisionRefBinding="version" camunda:decisionRefVersion="3"/>'), RUNS,
         shown_by="tests/dmn/test_business_rule_tasks.py"),
    Case("decisionRefVersion", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                       'camunda:decisionRefBinding="version" camunda:decisionRefVersion="${v}"/>'),
         REFUSED),
    Case("mapDecisionResult", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                      'camunda:mapDecisionResult="singleEntry" camunda:resultVariable="r"/>'), RUNS,
         shown_by="tests/dmn/test_business_rule_tasks.py"),
    Case("decisionRefTenantId", between('<bpmn:businessRuleTask id="t" camunda:decisionRef="dish" '
                                        'camunda:decisionRefTenantId="a"/>'), REFUSED),
    Case("type", between(f'<bpmn:serviceTask id="t" {EXTERNAL}/>'), RUNS, shown_by="test_corpus_end_to_end.py"),
    Case("topic", between(f'<bpmn:serviceTask id="t" {EXTERNAL}/>'), RUNS, shown_by="test_corpus_end_to_end.py"),
    Case("taskPriority", between(f'<bpmn:serviceTask id="t" {EXTERNAL} camunda:taskPriority="${{rank}}"/>'), RUNS,
         process='camunda:taskPriority="10"', shown_by="which external task a worker fetches first, not what it does"),
    Case("collection", between(MULTI.format('camunda:collection="${reviewers}" camunda:elementVariable="who"')), RUNS,
         shown_by="test_camunda7_semantics.py::test_multi_instance_collection_element_variable_and_async_body"),
    Case("elementVariable", between(MULTI.format('camunda:collection="reviewers" camunda:elementVariable="who"')),
         RUNS, shown_by="test_camunda7_semantics.py::test_multi_instance_collection_element_variable_and_async_body"),
    Case("variableName", between('<bpmn:intermediateCatchEvent id="t"><bpmn:conditionalEventDefinition '
                                 'camunda:variableName="ready"><bpmn:condition xsi:type="bpmn:tFormalExpression">'
                                 '${ready}</bpmn:condition></bpmn:conditionalEventDefinition>'
                                 '</bpmn:intermediateCatchEvent>'), RUNS,
         shown_by="test_conditional_variable_filters.py"),
    Case("variableEvents", between('<bpmn:intermediateCatchEvent id="t"><bpmn:conditionalEventDefinition '
                                   'camunda:variableEvents="create, update"><bpmn:condition '
                                   'xsi:type="bpmn:tFormalExpression">${ready}</bpmn:condition>'
                                   '</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>'), RUNS,
         shown_by="test_conditional_variable_filters.py"),
    # extension elements
    Case("in", between(extension("callActivity", '<camunda:in source="a" target="b"/>', 'calledElement="child"')),
         RUNS, shown_by="test_call_activity_variables.py"),
    Case("out", between(extension("callActivity", '<camunda:out variables="all"/>', 'calledElement="child"')),
         RUNS, shown_by="test_call_activity_variables.py"),
    Case("properties", between(extension("userTask", '<camunda:properties><camunda:property name="a" value="b"/>'
                                                     '</camunda:properties>')), RUNS,
         shown_by="Camunda 7 hands them only to Java code and its web apps"),
    Case("connector", between(extension("serviceTask", '<camunda:connector><camunda:connectorId>http-connector'
                                                       '</camunda:connectorId></camunda:connector>')), REFUSED),
    Case("inputOutput", between(extension("task", '<camunda:inputOutput><camunda:inputParameter name="a">1'
                                                  '</camunda:inputParameter></camunda:inputOutput>')), RUNS,
         shown_by="test_parameter_values.py"),
    Case("field", between(extension("serviceTask", '<camunda:field name="to" stringValue="a@b"/>', EXTERNAL)),
         REFUSED),
    Case("failedJobRetryTimeCycle", between(extension("serviceTask", '<camunda:failedJobRetryTimeCycle>R3/PT10M'
                                                                     '</camunda:failedJobRetryTimeCycle>', EXTERNAL)),
         RUNS, shown_by="tests/timers/test_timers_end_to_end.py"),
    Case("executionListener", between(extension("task", '<camunda:executionListener event="start" '
                                                        'expression="${true}"/>')), RUNS,
         shown_by="test_execution_listeners.py"),
    Case("executionListener", between(extension("task", '<camunda:executionListener event="start" class="a.B"/>')),
         REFUSED),
    Case("taskListener", between(extension("userTask", '<camunda:taskListener event="create" '
                                                       'expression="${true}"/>')), RUNS,
         shown_by="test_execution_listeners.py"),
    Case("taskListener", between(extension("userTask", '<camunda:taskListener event="assignment" '
                                                       'expression="${true}"/>')), REFUSED),
    Case("formProperty", between(extension("userTask", '<camunda:formProperty id="a" type="string"/>')), REFUSED),
    Case("formData", between(extension("userTask", '<camunda:formData><camunda:formField id="a" type="string"/>'
                                                   '</camunda:formData>')), RUNS,
         shown_by="tests/web (generated task forms)"),
    Case("errorEventDefinition", between(extension("serviceTask", '<camunda:errorEventDefinition id="e1" '
                                                                  'errorRef="err" expression="${true}"/>', EXTERNAL)),
         REFUSED, declarations='<bpmn:error id="err" errorCode="E"/>'),
    Case("potentialStarter", between(extension("userTask", '<camunda:potentialStarter><bpmn:resourceAssignmentExpression>'
                                                           '<bpmn:formalExpression>ann</bpmn:formalExpression>'
                                                           '</bpmn:resourceAssignmentExpression>'
                                                           '</camunda:potentialStarter>')), REFUSED),
)


def model(case: Case) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    camunda:diagramRelationId="5b7e" id="d" targetNamespace="http://example.com/c7">{case.declarations}
  <bpmn:process id="p" isExecutable="true" {case.process}>{case.body}</bpmn:process>
  <bpmn:process id="child" isExecutable="true"><bpmn:startEvent id="c_start"/><bpmn:endEvent id="c_end"/>
    <bpmn:sequenceFlow id="c1" sourceRef="c_start" targetRef="c_end"/></bpmn:process>
</bpmn:definitions>""".encode()


def test_every_attribute_and_element_of_the_schema_has_a_case() -> None:
    attributes = {name for names in SCHEMA_ATTRIBUTES.values() for name in names}
    assert attributes | set(SCHEMA_ELEMENTS) == {case.setting for case in CASES}
    assert all(case.shown_by for case in CASES if case.expected == RUNS)


@pytest.mark.parametrize("case", [c for c in CASES if c.expected == RUNS], ids=lambda c: c.setting)
def test_a_setting_camunda_7_runs_deploys(case: Case) -> None:
    parse(model(case), "schema.bpmn")


@pytest.mark.parametrize("case", [c for c in CASES if c.expected == REFUSED], ids=lambda c: c.setting)
def test_a_setting_that_cannot_run_as_camunda_7_runs_it_is_refused_where_it_is_set(case: Case) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(case), "schema.bpmn")
    problems = refused.value.problems
    assert problems and all(problem.element_id == "t" and problem.line > 0 for problem in problems), problems
    assert any(f"camunda:{case.setting}" in problem.message or _panel_words(case.setting) in problem.message
               for problem in problems), problems


def _panel_words(setting: str) -> str:
    """How a refusal that names the properties panel field rather than the attribute names the setting."""
    return {"formKey": "form key", "formRefBinding": "Binding", "formRefVersion": "Binding",
            "resource": "resource", "expression": "Java", "class": "Java", "delegateExpression": "Java",
            "decisionRefBinding": "decisionRefBinding"}.get(setting, f"camunda:{setting}")
