// The console's modeler: bpmn-js with the properties panel, checked by the engine's own deployment check on
// every change, downloadable, and deployable once the check finds nothing. The page (templates/console/
// modeler.html) passes its addresses and CSRF token as data attributes of #modeler (see file-editor.js).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import EngineProperties from './engine-properties';
import { PLATFORMS, newDiagram, platformOf } from './platforms';
import { showProblems } from './problems';
import { checkAsYouEdit, config, openedFile, say } from './file-editor';

let modeler;

function fileName() {
  if (config.fileName) {
    return config.fileName;
  }
  const process = modeler.getDefinitions().rootElements.find(element => element.$type === 'bpmn:Process');
  return `${process ? process.id : 'diagram'}.bpmn`;
}

async function open() {
  let xml;
  try {
    xml = (await openedFile()) ?? newDiagram(config.platform);
  } catch (error) {
    say(`The diagram could not be opened: ${error.message}`, 'problems');
    return;
  }
  const platform = config.fileUrl ? platformOf(xml) : config.platform;
  document.getElementById('modeler-platform').textContent = PLATFORMS[platform].label;
  modeler = new BpmnModeler({
    container: '#modeler-canvas',
    propertiesPanel: { parent: '#modeler-properties' },
    additionalModules: [ BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ...PLATFORMS[platform].modules,
      EngineProperties ],
    moddleExtensions: PLATFORMS[platform].moddleExtensions,
    engineProperties: { platform }
  });
  try {
    await modeler.importXML(xml);
  } catch (error) {
    say(`The diagram could not be opened: ${error.message}`, 'problems');
    return;
  }
  if (config.fileUrl) {
    modeler.get('canvas').zoom('fit-viewport', 'auto');
  }
  const changed = checkAsYouEdit({
    what: 'diagram',
    mimeType: 'application/xml',
    save: async () => (await modeler.saveXML({ format: true })).xml, // as downloaded, so the line numbers match
    fileName,
    showProblems: (list, problems) => showProblems(modeler, list, problems)
  });
  modeler.on('commandStack.changed', changed);
}

open();
