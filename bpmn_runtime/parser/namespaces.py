"""XML namespaces of BPMN 2.0 and of the vendor extensions we read."""
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
SPIFFWORKFLOW = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ACTIVITI = "http://activiti.org/bpmn"
FLOWABLE = "http://flowable.org/bpmn"
# Camunda Modeler's mark of the engine a file was made for: "Camunda Platform" (7) or "Camunda Cloud" (8)
EXECUTION_PLATFORM = "{http://camunda.org/schema/modeler/1.0}executionPlatform"


def bpmn(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def camunda(name: str) -> str:
    return f"{{{CAMUNDA}}}{name}"


def zeebe(name: str) -> str:
    return f"{{{ZEEBE}}}{name}"


def local_name(tag: object) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: object) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].partition("}")[0]
