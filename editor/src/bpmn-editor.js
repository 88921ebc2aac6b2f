// The console's modeler: bpmn-js with the properties panel, checked by the engine's own deployment check on
// every change, downloadable, and deployable once the check finds nothing. The page (templates/console/
// modeler.html) passes its addresses and CSRF token as data attributes of #modeler.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import EngineProperties from './engine-properties';
import { PLATFORMS, newDiagram, platformOf } from './platforms';
import { showProblems } from './problems';

const CHECK_DELAY_MS = 300;
const page = document.getElementById('modeler');
const config = page.dataset;
const status = document.getElementById('modeler-status');
const deployButton = document.getElementById('modeler-deploy');
const downloadButton = document.getElementById('modeler-download');
const problemList = document.getElementById('modeler-problems');

function say(text, kind) {
  status.textContent = text;
  status.className = `modeler-status status-${kind}`;
}

async function errorText(response) {
  try {
    return (await response.json()).error;
  } catch {
    return `the server answered ${response.status}; reload the page and try again`;
  }
}

function post(url, xml) {
  return fetch(`${url}?fileName=${encodeURIComponent(fileName())}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': config.csrfToken },
    credentials: 'same-origin',
    body: xml
  });
}

let modeler;
let checked = 0; // the number of the newest check; older answers are dropped
let deployable = false;

function fileName() {
  if (config.fileName) {
    return config.fileName;
  }
  const process = modeler.getDefinitions().rootElements.find(element => element.$type === 'bpmn:Process');
  return `${process ? process.id : 'diagram'}.bpmn`;
}

function showCount(problems) {
  showProblems(modeler, problemList, problems);
  deployable = problems.length === 0;
  deployButton.disabled = !deployable;
  if (deployable) {
    say('No problems: the engine would deploy this diagram.', 'ok');
  } else {
    say(`${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before this diagram can be deployed.`, 'problems');
  }
}

async function check() {
  const number = ++checked;
  const { xml } = await modeler.saveXML({ format: true }); // as downloaded, so the line numbers match
  const response = await post(config.checkUrl, xml);
  if (number !== checked) {
    return;
  }
  if (!response.ok) {
    say(`The diagram could not be checked: ${await errorText(response)}`, 'problems');
    return;
  }
  showCount((await response.json()).problems);
}

let timer;
function changed() {
  deployable = false;
  deployButton.disabled = true;
  say('Checking…', 'busy');
  clearTimeout(timer);
  timer = setTimeout(check, CHECK_DELAY_MS);
}

async function download() {
  const { xml } = await modeler.saveXML({ format: true });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([ xml ], { type: 'application/xml' }));
  link.download = fileName();
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function deploy() {
  if (!deployable) {
    return;
  }
  deployButton.disabled = true;
  say('Deploying…', 'busy');
  const { xml } = await modeler.saveXML({ format: true });
  const response = await post(config.deployUrl, xml);
  if (response.ok) {
    window.location.assign((await response.json()).location);
    return;
  }
  const body = await response.clone().json().catch(() => ({}));
  if (body.problems) {
    showCount(body.problems);
  } else {
    say(`Nothing was deployed: ${await errorText(response)}`, 'problems');
  }
}

async function open() {
  let xml;
  if (config.diagramUrl) {
    const response = await fetch(config.diagramUrl, { credentials: 'same-origin' });
    if (!response.ok) {
      say(`The diagram could not be opened: ${await errorText(response)}`, 'problems');
      return;
    }
    xml = await response.text();
  } else {
    xml = newDiagram(config.platform);
  }
  const platform = config.diagramUrl ? platformOf(xml) : config.platform;
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
  if (config.diagramUrl) {
    modeler.get('canvas').zoom('fit-viewport', 'auto');
  }
  modeler.on('commandStack.changed', changed);
  downloadButton.addEventListener('click', download);
  deployButton.addEventListener('click', deploy);
  downloadButton.disabled = false;
  page.dataset.ready = 'true';
  changed();
}

open();
