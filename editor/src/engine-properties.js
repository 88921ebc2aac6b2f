// The properties panel offers what bpmn-runtime executes and nothing it would refuse or ignore.
//
// It starts from bpmn-js-properties-panel's Camunda 8 (zeebe:) or Camunda 7 (camunda:) provider and, running
// after it, hides what the engine does not execute. The lists come from bpmn_runtime/parser: camunda.py and
// zeebe.py read the extensions the engine runs (topics and job types, retries, assignee and candidates, due
// date, priority, camunda:formData and embedded form-js forms, I/O mappings as text or expressions, headers and
// camunda:properties, async before/after, multi-instance collections); camunda.py refuses Java implementations
// (camunda:class, delegateExpression, expression) and I/O parameters that are scripts, lists or maps; the
// validation modules refuse compensation throws that do not wait for completion. Everything else a provider
// offers is read by no part of the engine: listeners, connectors, field injection, history and tasklist
// settings, job priorities, version tags, follow-up dates, business keys and variable propagation of calls,
// binding types and version tags of links, error and escalation variables, conditional-event variable filters,
// Camunda 8 user-task, script and ad-hoc implementations. Business rule tasks call a decision as camunda.py and
// zeebe.py read it: Camunda 7 camunda:decisionRef with binding 'latest' or 'version', resultVariable and
// mapDecisionResult (no version tag, deployment binding or tenant); Camunda 8 zeebe:calledDecision decisionId and
// resultVariable (binding 'latest' only), or a topic / job type like any worker task.
import { SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is } from 'bpmn-js/lib/util/ModelUtil';

const HIDDEN_GROUPS = {
  camunda8: new Set([
    'scriptImplementation', 'script', // zeebe:script (FEEL) is not read; scripts are bpmn:script
    'userTaskImplementation', 'adHocSubProcessImplementation', 'activeElements',
    'jobPriorityDefinition', 'businessId', 'inputPropagation', 'outputPropagation', 'event-condition',
    'Zeebe__ExecutionListeners', 'Zeebe__TaskListeners', 'Zeebe__ExtensionProperties'
  ]),
  camunda7: new Set([
    'CamundaPlatform__HistoryCleanup', 'CamundaPlatform__Tasklist', 'CamundaPlatform__CandidateStarter',
    'CamundaPlatform__ExternalTask', 'CamundaPlatform__Errors', 'CamundaPlatform__StartInitiator',
    'CamundaPlatform__InMapping', 'CamundaPlatform__InMappingPropagation', 'CamundaPlatform__OutMapping',
    'CamundaPlatform__OutMappingPropagation', 'CamundaPlatform__ConnectorInput', 'CamundaPlatform__ConnectorOutput',
    'CamundaPlatform__ExecutionListener', 'CamundaPlatform__TaskListener', 'CamundaPlatform__FieldInjection',
    'CamundaPlatform__BusinessKey'
  ])
};
const HIDDEN_ENTRIES = {
  camunda8: new Set([
    'waitForCompletion', 'cancelRemainingInstances', 'versionTag', 'bindingType', 'taskScheduleFollowUpDate',
    'propagateAllChildVariables', 'propagateAllParentVariables', 'errorCodeVariable', 'errorMessageVariable',
    'escalationCodeVariable'
  ]),
  camunda7: new Set([
    'waitForCompletion', 'cancelRemainingInstances', 'versionTag', 'followUpDate', 'exclusive', 'jobPriority',
    'multiInstanceAsynchronousBefore', 'multiInstanceAsynchronousAfter', 'multiInstanceExclusive',
    'multiInstanceRetryTimeCycle', 'errorMessage', 'errorCodeVariable', 'errorMessageVariable',
    'escalationCodeVariable', 'conditionVariableName', 'conditionVariableEvents'
  ])
};
// Camunda 7 I/O parameters: only "String or expression"; the type select would offer scripts, lists and maps.
const TEXT_ONLY_PARAMETERS = new Set([ 'CamundaPlatform__Input', 'CamundaPlatform__Output' ]);
// The tasks that run as jobs of a topic (reader.py); in Camunda 7 only camunda:topic implements them.
const WORKER_TASKS = [ 'bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask' ];

function attributeEntry(id, label, attribute, extra = () => ({})) {
  function Entry({ element }) {
    const commandStack = useService('commandStack');
    const translate = useService('translate');
    const debounce = useService('debounceInput');
    const businessObject = element.businessObject;
    return TextFieldEntry({
      element, id, label: translate(label), debounce,
      getValue: () => businessObject.get(attribute),
      setValue: value => commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: businessObject, properties: { [attribute]: value || undefined, ...extra(value) }
      })
    });
  }
  return { id, component: Entry };
}

// Camunda 7's implementation select offers Java code and connectors; the engine runs external tasks only.
const TOPIC = attributeEntry('externalTopic', 'Topic', 'camunda:topic',
  value => ({ 'camunda:type': value ? 'external' : undefined }));
// Camunda 7's implementation select of a business rule task: the engine calls a decision or hands it to workers.
const DECISION = 'dmn';
const EXTERNAL = 'external';
function selectEntry(id, label, options, getValue, properties) {
  function Entry({ element }) {
    const commandStack = useService('commandStack');
    const translate = useService('translate');
    const businessObject = element.businessObject;
    return SelectEntry({
      element, id, label: translate(label),
      getOptions: () => options.map(([ value, text ]) => ({ value, label: translate(text) })),
      getValue: () => getValue(businessObject),
      setValue: value => commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: businessObject, properties: properties(value)
      })
    });
  }
  return { id, component: Entry };
}
const RULE_IMPLEMENTATION = selectEntry('businessRuleImplementation', 'Implementation',
  [ [ DECISION, 'DMN decision' ], [ EXTERNAL, 'External (topic)' ] ],
  businessObject => businessObject.get('camunda:decisionRef') === undefined ? EXTERNAL : DECISION,
  value => value === DECISION
    ? { 'camunda:decisionRef': '', 'camunda:topic': undefined, 'camunda:type': undefined }
    : { 'camunda:decisionRef': undefined, 'camunda:decisionRefBinding': undefined,
      'camunda:decisionRefVersion': undefined, 'camunda:resultVariable': undefined,
      'camunda:mapDecisionResult': undefined });
// bpmn-js-properties-panel's binding select also offers 'deployment' and 'versionTag', which camunda.py refuses.
const DECISION_BINDING = selectEntry('decisionRefBinding', 'Binding', [ [ 'latest', 'latest' ], [ 'version', 'version' ] ],
  businessObject => businessObject.get('camunda:decisionRefBinding') || 'latest',
  value => ({ 'camunda:decisionRefBinding': value === 'latest' ? undefined : value, 'camunda:decisionRefVersion': undefined }));
// The provider's decision entries the engine reads, in its order; the binding select above replaces its own.
const DECISION_ENTRIES = [ 'decisionRef', 'decisionRefBinding', 'decisionRefVersion', 'decisionRefResultVariable',
  'mapDecisionResult' ];

function businessRuleEntries(entries, businessObject) {
  if (businessObject.get('camunda:decisionRef') === undefined) {
    return [ RULE_IMPLEMENTATION, TOPIC ];
  }
  const provided = new Map(entries.map(entry => [ entry.id, entry ]));
  provided.set('decisionRefBinding', DECISION_BINDING);
  return [ RULE_IMPLEMENTATION, ...DECISION_ENTRIES.filter(id => provided.has(id)).map(id => provided.get(id)) ];
}

// Camunda 7's call activity select offers CMMN cases and bindings; the engine calls a process by id.
const CALLED_PROCESS = attributeEntry('calledElement', 'Called process ID', 'calledElement');

function camunda7Replacements(groups, element) {
  for (const group of groups) {
    if (group.id === 'CamundaPlatform__Implementation') {
      group.entries = is(element, 'bpmn:BusinessRuleTask') ? businessRuleEntries(group.entries, element.businessObject)
        : WORKER_TASKS.some(type => is(element, type)) ? [ TOPIC ] : [];
    } else if (group.id === 'CamundaPlatform__CallActivity') {
      group.entries = [ CALLED_PROCESS ];
    } else if (TEXT_ONLY_PARAMETERS.has(group.id)) {
      for (const item of group.items || []) {
        item.entries = item.entries.filter(entry => !entry.id.endsWith('-type'));
      }
    }
  }
}

function EngineProperties(propertiesPanel, config) {
  const platform = config.platform;
  this.getGroups = element => groups => {
    if (platform === 'camunda7') {
      camunda7Replacements(groups, element);
    }
    return groups
      .filter(group => !HIDDEN_GROUPS[platform].has(group.id))
      .map(group => group.entries ? { ...group, entries: group.entries.filter(entry => !HIDDEN_ENTRIES[platform].has(entry.id)) } : group)
      .filter(group => !group.entries || group.entries.length);
  };
  propertiesPanel.registerProvider(100, this); // after the platform providers (500)
}
EngineProperties.$inject = [ 'propertiesPanel', 'config.engineProperties' ];

export default {
  __init__: [ 'engineProperties' ],
  engineProperties: [ 'type', EngineProperties ]
};
