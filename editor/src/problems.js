// The engine's deployment problems drawn on the diagram: a marker on each element that has any (its messages
// as the tooltip) and a list below the canvas whose entries select their element. Problems about the whole
// file, or about something not drawn, are in the list only.
import { problemEntry } from './file-editor';

function drawn(element) {
  return element && element.parent && (element.waypoints || element.width);
}

function marker(messages) {
  const node = document.createElement('div');
  node.className = 'problem-marker';
  node.textContent = messages.length > 1 ? String(messages.length) : '!';
  node.title = messages.join('\n');
  node.setAttribute('role', 'img');
  node.setAttribute('aria-label', messages.join('; '));
  return node;
}

export function showProblems(modeler, list, problems) {
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  const canvas = modeler.get('canvas');
  overlays.remove({ type: 'problem' });
  registry.forEach(element => canvas.removeMarker(element, 'has-problem'));

  const byElement = new Map();
  for (const problem of problems) {
    const element = registry.get(problem.elementId);
    if (drawn(element)) {
      byElement.set(element, [ ...(byElement.get(element) || []), problem.message ]);
    }
  }
  for (const [ element, messages ] of byElement) {
    canvas.addMarker(element, 'has-problem');
    overlays.add(element, 'problem', { position: { top: -10, right: 10 }, html: marker(messages) });
  }
  list.replaceChildren(...problems.map(problem => entry(modeler, problem)));
}

function entry(modeler, problem) {
  const element = modeler.get('elementRegistry').get(problem.elementId);
  const where = element ? (element.businessObject.name || problem.elementId) : (problem.elementId || 'The file');
  const text = `${where}${problem.line ? ` (line ${problem.line})` : ''}: ${problem.message}`;
  return problemEntry(text, drawn(element) ? () => {
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  } : null);
}
