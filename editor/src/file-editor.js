// What the editor pages share (the BPMN modeler, the form and the decision editors): the engine's deployment
// check on every change (debounced, older answers dropped), the problem list and status line, download, and
// deploy once the check finds nothing. The page (templates/console/modeler.html, file_editor.html) passes its
// addresses and CSRF token as data attributes of its root, #modeler or #editor, whose id prefixes the ids of
// its parts (#modeler-status, #editor-status, ...).

const CHECK_DELAY_MS = 300;

const page = document.querySelector('[data-check-url]');
export const config = page.dataset;
const part = name => document.getElementById(`${page.id}-${name}`);
const status = part('status');
const deployButton = part('deploy');
const downloadButton = part('download');
const problemList = part('problems');

export function say(text, kind) {
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

// Reads the file the page opens: a deployed one (data-file-url), or null for a new one.
export async function openedFile() {
  if (!config.fileUrl) {
    return null;
  }
  const response = await fetch(config.fileUrl, { credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(await errorText(response));
  }
  return response.text();
}

// One entry of the problem list: a button that shows the problem's place when there is one to show.
export function problemEntry(text, show) {
  const item = document.createElement('li');
  if (!show) {
    item.textContent = text;
    return item;
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = text;
  button.addEventListener('click', show);
  item.append(button);
  return item;
}

// editor: { what: 'diagram' | 'form' | 'decision', mimeType, save(): Promise<string>, fileName(): string, and
//   either showProblems(list, problems), or placeOf(problem): a function showing where it is, or null }
// Returns the function to call on every change.
export function checkAsYouEdit(editor) {
  let checked = 0; // the number of the newest check; older answers are dropped
  let deployable = false;
  let timer;

  function post(url, text) {
    return fetch(`${url}?fileName=${encodeURIComponent(editor.fileName())}`, {
      method: 'POST',
      headers: { 'Content-Type': editor.mimeType, 'X-CSRFToken': config.csrfToken },
      credentials: 'same-origin',
      body: text
    });
  }

  function listProblems(problems) {
    if (editor.showProblems) {
      editor.showProblems(problemList, problems);
      return;
    }
    problemList.replaceChildren(...problems.map(problem => problemEntry(
      `${problem.elementId ? `${problem.elementId}: ` : ''}${problem.message}`, editor.placeOf(problem))));
  }

  function showProblems(problems) {
    listProblems(problems);
    deployable = problems.length === 0;
    deployButton.disabled = !deployable;
    if (deployable) {
      say(`No problems: the engine would deploy this ${editor.what}.`, 'ok');
    } else {
      say(`${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before this ${editor.what} can be deployed.`,
        'problems');
    }
  }

  async function check() {
    const number = ++checked;
    const response = await post(config.checkUrl, await editor.save());
    if (number !== checked) {
      return;
    }
    if (!response.ok) {
      say(`The ${editor.what} could not be checked: ${await errorText(response)}`, 'problems');
      return;
    }
    showProblems((await response.json()).problems);
  }

  function changed() {
    deployable = false;
    deployButton.disabled = true;
    say('Checking…', 'busy');
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  }

  async function download() {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([ await editor.save() ], { type: editor.mimeType }));
    link.download = editor.fileName();
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async function deploy() {
    if (!deployable) {
      return;
    }
    deployButton.disabled = true;
    say('Deploying…', 'busy');
    const response = await post(config.deployUrl, await editor.save());
    if (response.ok) {
      window.location.assign((await response.json()).location);
      return;
    }
    const body = await response.clone().json().catch(() => ({}));
    if (body.problems) {
      showProblems(body.problems);
    } else {
      say(`Nothing was deployed: ${await errorText(response)}`, 'problems');
    }
  }

  downloadButton.addEventListener('click', download);
  deployButton.addEventListener('click', deploy);
  downloadButton.disabled = false;
  page.dataset.ready = 'true';
  changed();
  return changed;
}
