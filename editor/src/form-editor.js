// The console's form editor: form-js's editor for a new form or a deployed .form file, checked by the
// engine's own form check (what deployment would refuse) as people edit, downloadable, and deployable as a
// .form file that user tasks link to by its id (zeebe:formDefinition formId).
import { FormEditor } from '@bpmn-io/form-js-editor';
import { checkAsYouEdit, config, openedFile, say } from './file-editor';

function randomId() {
  return Math.random().toString(36).slice(2, 9);
}

// What the Camunda Modeler writes for a new Camunda 8 form.
function newForm() {
  return {
    type: 'default',
    id: `Form_${randomId()}`,
    components: [],
    executionPlatform: 'Camunda Cloud',
    executionPlatformVersion: '8.6.0',
    schemaVersion: 18
  };
}

// The palette offers the components the inbox shows and checks (data-components), and no component the
// deployment would refuse. A constructed stylesheet hides the others: the page's policy allows no <style>.
function offerOnly(types) {
  const others = types.map(type => `:not([data-field-type="${type}"])`).join('');
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`.fjs-palette-field${others} { display: none; }`);
  document.adoptedStyleSheets = [ ...document.adoptedStyleSheets, sheet ];
}

async function open() {
  offerOnly(config.components.split(' '));
  let schema;
  try {
    const text = await openedFile();
    schema = text === null ? newForm() : JSON.parse(text);
  } catch (error) {
    say(`The form could not be opened: ${error.message}`, 'problems');
    return;
  }
  const editor = new FormEditor({
    container: '#editor-canvas',
    propertiesPanel: { parent: '#editor-properties' }
  });
  try {
    await editor.importSchema(schema);
  } catch (error) {
    say(`The form could not be opened: ${error.message}`, 'problems');
    return;
  }
  const changed = checkAsYouEdit({
    what: 'form',
    mimeType: 'application/json',
    save: async () => JSON.stringify(editor.saveSchema(), null, 2),
    // the server keeps only plain characters of a file name, and must still see the .form ending
    fileName: () => config.fileName || `${String(editor.saveSchema().id).replace(/[^A-Za-z0-9_-]/g, '') || 'form'}.form`,
    placeOf: () => null // the engine names the field in the message
  });
  editor.on('changed', changed);
}

open();
