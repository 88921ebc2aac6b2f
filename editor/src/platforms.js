// The two flavours of executable BPMN the engine reads: Camunda 8 (zeebe:) and Camunda 7 (camunda:).
// A diagram's flavour decides the moddle extension, the properties provider and the behaviours loaded.
import {
  CamundaPlatformPropertiesProviderModule,
  ZeebePropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaPlatformBehaviors from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import CamundaCloudBehaviors from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';

const MODELER_NS = 'http://camunda.org/schema/modeler/1.0';

// Camunda 8 behaviours make every new user task a zeebe:UserTask, whose forms can only be linked ones; the
// engine shows embedded form-js forms (and linked .form files only once they can be deployed), so new user
// tasks stay plain.
function KeepUserTasksPlain() {}
const PlainUserTasks = { createZeebeUserTaskBehavior: [ 'type', KeepUserTasksPlain ] };

export const PLATFORMS = {
  camunda8: {
    label: 'Camunda 8',
    executionPlatform: 'Camunda Cloud',
    version: '8.6.0',
    namespace: 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"',
    moddleExtensions: { zeebe: zeebeModdle },
    modules: [ ZeebePropertiesProviderModule, CamundaCloudBehaviors, PlainUserTasks ]
  },
  camunda7: {
    label: 'Camunda 7',
    executionPlatform: 'Camunda Platform',
    version: '7.22.0',
    namespace: 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    moddleExtensions: { camunda: camundaModdle },
    modules: [ CamundaPlatformPropertiesProviderModule, CamundaPlatformBehaviors ]
  }
};

// The flavour a file was made for: Camunda Modeler's executionPlatform mark first, then the extension
// namespace it declares; a plain BPMN file opens as Camunda 8, the default for new diagrams.
export function platformOf(xml) {
  const root = new DOMParser().parseFromString(xml, 'application/xml').documentElement;
  const marked = root.getAttributeNS(MODELER_NS, 'executionPlatform');
  const found = Object.keys(PLATFORMS).find(key => PLATFORMS[key].executionPlatform === marked);
  if (found) {
    return found;
  }
  const declared = Array.from(root.attributes).map(attribute => attribute.value);
  if (!declared.includes('http://camunda.org/schema/zeebe/1.0') && declared.includes('http://camunda.org/schema/1.0/bpmn')) {
    return 'camunda7';
  }
  return 'camunda8';
}

function randomId() {
  return Math.random().toString(36).slice(2, 9);
}

// An executable process with one start event, marked for the platform so the engine checks it as such.
export function newDiagram(platform) {
  const { executionPlatform, version, namespace } = PLATFORMS[platform];
  const process = `Process_${randomId()}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:modeler="${MODELER_NS}" ${namespace}
  id="Definitions_${randomId()}" targetNamespace="http://bpmn.io/schema/bpmn"
  modeler:executionPlatform="${executionPlatform}" modeler:executionPlatformVersion="${version}">
  <bpmn:process id="${process}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${process}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
