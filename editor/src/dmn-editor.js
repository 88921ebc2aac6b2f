// The console's decision editor: dmn-js (decision requirements diagram, decision tables, literal
// expressions) for a new decision table or a deployed .dmn file, checked by the engine's DMN deployment
// validation as people edit, downloadable, and deployable. Tabs above the editor switch between its views.
import DmnModeler from 'dmn-js/lib/Modeler';
import { checkAsYouEdit, config, openedFile, say } from './file-editor';

function randomId() {
  return Math.random().toString(36).slice(2, 9);
}

// A decision table with one input and one output, as the Camunda Modeler starts a new DMN file; its own
// namespace keeps it apart from every other deployed file (the engine finds imported models by namespace).
function newDecisionTable() {
  const id = randomId();
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_${id}" name="Decisions" namespace="urn:bpmn-runtime:dmn:${id}" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.6.0">
  <decision id="Decision_${id}" name="Decision 1">
    <decisionTable id="DecisionTable_${id}">
      <input id="Input_${id}" label="Input 1">
        <inputExpression id="InputExpression_${id}" typeRef="string">
          <text></text>
        </inputExpression>
      </input>
      <output id="Output_${id}" label="Output 1" name="output1" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_${id}">
      <dmndi:DMNShape id="DMNShape_${id}" dmnElementRef="Decision_${id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
`;
}

const VIEW_NAMES = { drd: 'Diagram', decisionTable: 'Decision table', literalExpression: 'Literal expression',
  boxedContext: 'Boxed context' };

function showTabs(modeler) {
  const tabs = document.getElementById('editor-views');
  const active = modeler.getActiveView();
  tabs.replaceChildren(...modeler.getViews().map(view => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button-small';
    button.textContent = view.type === 'drd' ? VIEW_NAMES.drd :
      `${view.element.name || view.element.id} (${(VIEW_NAMES[view.type] || view.type).toLowerCase()})`;
    button.setAttribute('aria-pressed', String(view === active));
    button.addEventListener('click', () => modeler.open(view));
    return button;
  }));
}

async function open() {
  let xml;
  try {
    xml = (await openedFile()) ?? newDecisionTable();
  } catch (error) {
    say(`The decisions could not be opened: ${error.message}`, 'problems');
    return;
  }
  const modeler = new DmnModeler({ container: '#editor-canvas' });
  try {
    await modeler.importXML(xml);
  } catch (error) {
    say(`The decisions could not be opened: ${error.message}`, 'problems');
    return;
  }
  const viewOf = id => modeler.getViews().find(view => view.element.id === id);
  // a deployed decision opens on its own view; a new file on its decision table
  const first = viewOf(config.decision) || modeler.getViews().find(view => view.type === 'decisionTable');
  if (first) {
    await modeler.open(first);
  }
  const changed = checkAsYouEdit({
    what: 'decision',
    mimeType: 'application/xml',
    save: async () => (await modeler.saveXML({ format: true })).xml,
    fileName: () => config.fileName || `${modeler.getDefinitions().id}.dmn`,
    placeOf: problem => {
      const view = viewOf(problem.elementId);
      return view ? () => modeler.open(view) : null;
    }
  });
  const watched = new Set();
  function watchActive() {
    const viewer = modeler.getActiveViewer();
    if (viewer && !watched.has(viewer)) {
      watched.add(viewer);
      viewer.on('commandStack.changed', changed);
    }
    showTabs(modeler);
  }
  modeler.on('views.changed', watchActive);
  watchActive();
}

open();
