"""Which engine a BPMN file was made for (its dialect), decided once from the whole file; every reading and every
check that depends on it asks `dialect_of` (through `Document.dialect` in validation, `read_definitions`' argument
in the reader), so a file is never Camunda 7 for one rule and a plain BPMN file for another.

The rules follow how the home engines' modelers mark their files; the first that applies decides:

1. SpiffWorkflow, when the file uses a SpiffWorkflow extension (an element or attribute of its namespace), which
   only SpiffArena's modeler writes. This outweighs the rest: SpiffWorkflow's own example models are saved by
   Camunda Modeler, which stamps its "Camunda Platform" on them and may declare and use `camunda:` beside them.
2. The execution platform Camunda Modeler (since 4.7) and Camunda's Web Modeler stamp on the root
   (`modeler:executionPlatform`): "Camunda Platform" is Camunda 7, "Camunda Cloud" is Camunda 8, whatever
   namespaces the file also carries (a Camunda 8 file may keep the `camunda:` settings of the model it came from).
3. The engine whose extensions the file uses: `camunda:` Camunda 7, `zeebe:` Camunda 8, `activiti:` Activiti,
   `flowable:` Flowable. A file that uses several (written by hand: no modeler writes two engines' settings
   without a platform stamp) is the first of them in that order.
4. The engine whose namespace the file declares without using it, in the same order (SpiffWorkflow's last): the
   modelers declare their engine's namespace on every new diagram (Camunda Modeler before 4.7 `camunda:`, Zeebe
   Modeler `zeebe:`, Activiti Designer `activiti:`, Flowable's modeler `flowable:`, SpiffArena `spiffworkflow:`).
5. CAMUNDA_MODELER, for a file Camunda Modeler saved without any of these marks (`exporter="Camunda Modeler"`, as
   its versions before 4 saved plain diagrams), or with an execution platform of another name: it was drawn for
   some engine that reads Camunda Modeler's files, not held to be a plain BPMN file, but read as no one engine.
6. None: a plain BPMN 2.0 file, held to every rule of the specification.
"""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.parser import namespaces
from bpmn_runtime.parser.namespaces import EXECUTION_PLATFORM, namespace

CAMUNDA_7 = "Camunda 7"
CAMUNDA_8 = "Camunda 8"
ACTIVITI = "Activiti"
FLOWABLE = "Flowable"
SPIFF = "SpiffWorkflow"
CAMUNDA_MODELER = "Camunda Modeler"
# The engines by the namespace of their extensions, in the order rules 3 and 4 prefer them.
ENGINE_NAMESPACES = {
    namespaces.CAMUNDA: CAMUNDA_7,
    namespaces.ZEEBE: CAMUNDA_8,
    namespaces.ACTIVITI: ACTIVITI,
    namespaces.FLOWABLE: FLOWABLE,
    namespaces.SPIFFWORKFLOW: SPIFF,
}
# The values of `modeler:executionPlatform` Camunda's modelers write (@camunda/execution-platform).
PLATFORMS = {"Camunda Platform": CAMUNDA_7, "Camunda Cloud": CAMUNDA_8}


def dialect_of(root: etree._Element) -> str | None:
    """The engine the file whose root is `root` was made for, by the rules above (None: a plain BPMN file)."""
    used: set[str] = set()
    declared: set[str] = set()
    for event, item in etree.iterwalk(root, events=("start", "start-ns")):
        if event == "start-ns":
            declared.add(item[1])
        elif isinstance(item.tag, str):
            used.add(namespace(item.tag))
            used.update(namespace(name) for name in item.attrib)
    if namespaces.SPIFFWORKFLOW in used:
        return SPIFF
    platform = (root.get(EXECUTION_PLATFORM) or "").strip()
    if platform in PLATFORMS:
        return PLATFORMS[platform]
    for marks in (used, declared):
        engine = next((engine for uri, engine in ENGINE_NAMESPACES.items() if uri in marks), None)
        if engine is not None:
            return engine
    if platform or (root.get("exporter") or "").strip().lower() == "camunda modeler":
        return CAMUNDA_MODELER
    return None
