"""From `.dmn` bytes (DMN 1.1 to 1.5) to the decision model, or DeploymentError listing located problems.

The XML is read with the same hardening as BPMN files (`parser.xml_loading`). What the engine could not
evaluate as drawn is refused at deployment: expression languages other than FEEL, Java and PMML
functions, FEEL that does not parse, references to elements that are not there, cycles of requirements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from lxml import etree

from bpmn_runtime.dmn.model import (
    AGGREGATIONS, HIT_POLICIES, Binding, BusinessKnowledgeModel, Conditional, Context, ContextEntry, Decision,
    DecisionService, DecisionTable, Definitions, Expression, Filter, FunctionDefinition, Import, InputClause,
    InputData, Invocation, ItemDefinition, Iterator, ListExpression, LiteralExpression, OutputClause, Reference,
    Relation, Rule, TypedName,
)
from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.model import Source
from bpmn_runtime.parser.namespaces import local_name, namespace
from bpmn_runtime.parser.xml_loading import load_xml

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
XSD = "http://www.w3.org/2001/XMLSchema"
MAX_PROBLEMS = 100
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?definitions\b[^>]*?xmlns(?::[\w.-]+)?=[\"']([^\"']+)[\"']", re.DOTALL)
EXPRESSION_TAGS = frozenset({"literalExpression", "decisionTable", "context", "list", "relation", "invocation",
                             "functionDefinition", "conditional", "filter", "for", "some", "every"})


def is_dmn(data: bytes) -> bool:
    """Whether `data` looks like a DMN file (its root element is DMN's `definitions`), without parsing it."""
    head = data[:4096]
    return any(uri.encode() in head for uri in DMN_NAMESPACES) and _ROOT.search(head) is not None


@dataclass
class _Reader:
    file: str
    namespace: str
    nsmap: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, node: etree._Element, message: str, element_id: str | None = None) -> None:
        ident = element_id if element_id is not None else _owner_id(node)
        self.problems.append(Problem(self.file, node.sourceline or 0, ident, message))

    def source(self, node: etree._Element) -> Source:
        return Source(self.file, node.sourceline or 0)

    def type_ref(self, value: str | None) -> str | None:
        """A typeRef without the prefixes older models put on it (`feel:string`, `tns:tPerson`)."""
        if value is None or not value.strip():
            return None
        text = value.strip()
        prefix, colon, rest = text.partition(":")
        if colon and " " not in prefix:
            uri = self.nsmap.get(prefix, "")
            if uri in (self.namespace, XSD) or "FEEL" in uri.upper() or prefix in ("feel", "xsd", "xs"):
                return rest
        return text

    def reference(self, node: etree._Element) -> Reference:
        href = node.get("href", "")
        where, _, ident = href.rpartition("#")
        if not ident:
            self.problem(node, f"the reference '{href}' names no element")
        return Reference("" if where in ("", self.namespace) else where, ident)


def _owner_id(node: etree._Element) -> str:
    """The id of the nearest element that has one: problems are located at something the modeler can find."""
    current: etree._Element | None = node
    while current is not None:
        if current.get("id"):
            return str(current.get("id"))
        current = current.getparent()
    return ""


def _children(node: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in node if local_name(child.tag) == tag]


def _child(node: etree._Element, tag: str) -> etree._Element | None:
    return next((child for child in node if local_name(child.tag) == tag), None)


def _text(node: etree._Element | None) -> str | None:
    """The text of an element's `text` child (or of the element itself), None when there is none."""
    if node is None:
        return None
    inner = _child(node, "text")
    if inner is not None:
        return inner.text or ""
    return node.text.strip() if node.text and node.text.strip() else None


def parse_dmn(data: bytes, file_name: str) -> Definitions:
    """The decision model of a DMN file, read and checked for its structure; `checks.checked_model` then
    checks its FEEL and types, once the models it imports are known."""
    root = load_xml(data, file_name).getroot()
    ns = namespace(root.tag)
    if local_name(root.tag) != "definitions" or ns not in DMN_NAMESPACES:
        raise DeploymentError([Problem(file_name, root.sourceline or 0, root.get("id", ""), (
            "not a DMN file: the root element must be the definitions element of DMN 1.1 to 1.5"))])
    definitions, problems = read_definitions(root, file_name)
    if problems:
        raise DeploymentError(unique(problems))
    return definitions


def read_deployed(data: bytes, file_name: str) -> Definitions:
    """The model of a file stored at its deployment, without the deployment checks (they may have grown)."""
    definitions, _ = read_definitions(load_xml(data, file_name, max_elements=None).getroot(), file_name)
    return definitions


def unique(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    return unique[:MAX_PROBLEMS] + [Problem(unique[0].file, 0, "", (
        f"and {len(unique) - MAX_PROBLEMS:,} more problems; only the first {MAX_PROBLEMS} are listed"))]


def read_definitions(root: etree._Element, file_name: str) -> tuple[Definitions, list[Problem]]:
    """The model of one DMN document and the problems found reading it."""
    model_namespace = root.get("namespace", "")
    reader = _Reader(file_name, model_namespace, {k or "": v for k, v in root.nsmap.items()})
    language = root.get("expressionLanguage")
    if language and not _is_feel(language):
        reader.problem(root, f"the expression language '{language}' is not FEEL; only FEEL can be evaluated")
    imports: list[Import] = []
    items: dict[str, ItemDefinition] = {}
    inputs: dict[str, InputData] = {}
    decisions: dict[str, Decision] = {}
    knowledge: dict[str, BusinessKnowledgeModel] = {}
    services: dict[str, DecisionService] = {}
    seen_ids: set[str] = set()
    for child in root:
        if namespace(child.tag) not in DMN_NAMESPACES:
            continue
        tag = local_name(child.tag)
        ident = child.get("id", "")
        if tag in ("inputData", "decision", "businessKnowledgeModel", "decisionService"):
            if not ident:
                reader.problem(child, f"the {tag} '{child.get('name', '')}' has no id")
            elif ident in seen_ids:
                reader.problem(child, f"the id '{ident}' is used twice")
            seen_ids.add(ident)
        if tag == "import":
            imports.append(Import(child.get("namespace", ""), child.get("name", ""), child.get("locationURI"),
                                  child.get("importType", ""), reader.source(child)))
        elif tag == "itemDefinition":
            item = _item_definition(child, reader)
            items[item.name] = item
        elif tag == "inputData":
            variable = _child(child, "variable")
            inputs[ident] = InputData(ident, child.get("name", ""), _variable_type(child, variable, reader),
                                      reader.source(child))
        elif tag == "decision":
            decisions[ident] = _decision(child, reader)
        elif tag == "businessKnowledgeModel":
            knowledge[ident] = _knowledge_model(child, reader)
        elif tag == "decisionService":
            services[ident] = _decision_service(child, reader)
    definitions = Definitions(file_name, root.get("id", ""), root.get("name", ""), model_namespace, tuple(imports),
                              items, inputs, decisions, knowledge, services)
    return definitions, reader.problems


def _is_feel(language: str) -> bool:
    return "FEEL" in language.upper()


def _variable_type(node: etree._Element, variable: etree._Element | None, reader: _Reader) -> str | None:
    if variable is not None and variable.get("typeRef"):
        return reader.type_ref(variable.get("typeRef"))
    return reader.type_ref(node.get("typeRef"))  # DMN 1.1 put it on the element


def _item_definition(node: etree._Element, reader: _Reader) -> ItemDefinition:
    language = node.get("typeLanguage")
    if language and not _is_feel(language) and language != XSD:
        reader.problem(node, f"the item definition '{node.get('name', '')}' uses the type language '{language}'; "
                             f"only FEEL types are understood")
    type_ref_node = _child(node, "typeRef")
    function = _child(node, "functionItem")
    output = parameters = None
    if function is not None:
        output = reader.type_ref(function.get("outputTypeRef"))
        parameters = tuple(TypedName(p.get("name", ""), reader.type_ref(p.get("typeRef")))
                           for p in _children(function, "parameters"))
    return ItemDefinition(
        name=node.get("name", ""),
        type_ref=reader.type_ref(type_ref_node.text if type_ref_node is not None else None),
        collection=node.get("isCollection", "false").strip() == "true",
        allowed_values=_text(_child(node, "allowedValues")),
        type_constraint=_text(_child(node, "typeConstraint")),
        components=tuple(_item_definition(component, reader) for component in _children(node, "itemComponent")),
        function_output=output,
        function_parameters=parameters,
        origin=reader.source(node),
    )


def _references(node: etree._Element, container: str, tag: str, reader: _Reader) -> tuple[Reference, ...]:
    return tuple(reader.reference(ref) for holder in _children(node, container) for ref in _children(holder, tag))


def _decision(node: etree._Element, reader: _Reader) -> Decision:
    question = _child(node, "question")
    return Decision(
        id=node.get("id", ""),
        name=node.get("name", ""),
        type_ref=_variable_type(node, _child(node, "variable"), reader),
        required_decisions=_references(node, "informationRequirement", "requiredDecision", reader),
        required_inputs=_references(node, "informationRequirement", "requiredInput", reader),
        required_knowledge=_references(node, "knowledgeRequirement", "requiredKnowledge", reader),
        logic=_logic(node, reader),
        origin=reader.source(node),
        question=(question.text or "").strip() if question is not None else "",
    )


def _logic(node: etree._Element, reader: _Reader) -> Expression | None:
    """The one boxed expression among the children of `node` (None when it has none)."""
    found = [child for child in node if local_name(child.tag) in EXPRESSION_TAGS]
    if len(found) > 1:
        reader.problem(found[1], f"'{node.get('name', local_name(node.tag))}' has more than one expression")
    return _expression(found[0], reader) if found else None


def _knowledge_model(node: etree._Element, reader: _Reader) -> BusinessKnowledgeModel:
    logic_node = _child(node, "encapsulatedLogic")
    logic = _function_definition(logic_node, reader) if logic_node is not None else None
    return BusinessKnowledgeModel(node.get("id", ""), node.get("name", ""),
                                  _variable_type(node, _child(node, "variable"), reader), logic,
                                  _references(node, "knowledgeRequirement", "requiredKnowledge", reader),
                                  reader.source(node))


def _decision_service(node: etree._Element, reader: _Reader) -> DecisionService:
    def refs(tag: str) -> tuple[Reference, ...]:
        return tuple(reader.reference(ref) for ref in _children(node, tag))

    return DecisionService(node.get("id", ""), node.get("name", ""),
                           _variable_type(node, _child(node, "variable"), reader), refs("outputDecision"),
                           refs("encapsulatedDecision"), refs("inputDecision"), refs("inputData"), reader.source(node))


# --- boxed expressions ----------------------------------------------------------------------------

def _expression(node: etree._Element, reader: _Reader) -> Expression:
    tag = local_name(node.tag)
    ident, type_ref, origin = node.get("id", ""), reader.type_ref(node.get("typeRef")), reader.source(node)
    if tag == "literalExpression":
        return _literal(node, reader)
    if tag == "decisionTable":
        return _decision_table(node, reader)
    if tag == "context":
        entries = []
        for entry in _children(node, "contextEntry"):
            variable = _child(entry, "variable")
            typed = TypedName(variable.get("name", ""), reader.type_ref(variable.get("typeRef"))) \
                if variable is not None else None
            value = _logic(entry, reader)
            entries.append(ContextEntry(typed, value))
        return Context(ident, type_ref, origin, tuple(entries))
    if tag == "list":
        return ListExpression(ident, type_ref, origin, tuple(
            _expression(child, reader) for child in node if local_name(child.tag) in EXPRESSION_TAGS))
    if tag == "relation":
        columns = tuple(TypedName(column.get("name", ""), reader.type_ref(column.get("typeRef")))
                        for column in _children(node, "column"))
        rows = []
        for row in _children(node, "row"):
            cells = tuple(_expression(child, reader) for child in row if local_name(child.tag) in EXPRESSION_TAGS)
            if len(cells) != len(columns):
                reader.problem(row, f"a row of the relation has {len(cells)} cells for {len(columns)} columns")
            rows.append(cells)
        return Relation(ident, type_ref, origin, columns, tuple(rows))
    if tag == "invocation":
        callee = next((child for child in node if local_name(child.tag) in EXPRESSION_TAGS), None)
        if callee is None:
            reader.problem(node, "the invocation does not say what it invokes")
            callee_expression: Expression = LiteralExpression(ident, None, origin, "null")
        else:
            callee_expression = _expression(callee, reader)
        bindings = []
        for binding in _children(node, "binding"):
            parameter = _child(binding, "parameter")
            typed = TypedName(parameter.get("name", "") if parameter is not None else "",
                              reader.type_ref(parameter.get("typeRef")) if parameter is not None else None)
            bindings.append(Binding(typed, _logic(binding, reader)))
        return Invocation(ident, type_ref, origin, callee_expression, tuple(bindings))
    if tag == "functionDefinition":
        return _function_definition(node, reader)
    if tag == "conditional":
        parts = [_logic(_child(node, part), reader) if _child(node, part) is not None else None
                 for part in ("if", "then", "else")]
        return Conditional(ident, type_ref, origin, *parts)
    if tag == "filter":
        source, match = (_logic(_child(node, part), reader) if _child(node, part) is not None else None
                         for part in ("in", "match"))
        return Filter(ident, type_ref, origin, source, match)
    body_tag = "return" if tag == "for" else "satisfies"
    source, body = (_logic(_child(node, part), reader) if _child(node, part) is not None else None
                    for part in ("in", body_tag))
    return Iterator(ident, type_ref, origin, tag, node.get("iteratorVariable", ""), source, body)


def _literal(node: etree._Element, reader: _Reader) -> LiteralExpression:
    language = node.get("expressionLanguage")
    if language and not _is_feel(language):
        reader.problem(node, f"the expression language '{language}' is not FEEL; only FEEL can be evaluated")
    if _child(node, "importedValues") is not None:
        reader.problem(node, "imported values are not supported; write the value in FEEL")
    return LiteralExpression(node.get("id", ""), reader.type_ref(node.get("typeRef")), reader.source(node),
                             _text(node) or "")


def _function_definition(node: etree._Element, reader: _Reader) -> FunctionDefinition:
    kind = node.get("kind", "FEEL").strip() or "FEEL"
    if kind.upper() != "FEEL":
        reader.problem(node, f"a function of kind {kind} would run {kind} code; only FEEL functions can run here")
    parameters = tuple(TypedName(p.get("name", ""), reader.type_ref(p.get("typeRef")))
                       for p in _children(node, "formalParameter"))
    body = _logic(node, reader)
    return FunctionDefinition(node.get("id", ""), reader.type_ref(node.get("typeRef")), reader.source(node),
                              parameters, body, kind.upper() if kind.upper() == "FEEL" else kind)


def _decision_table(node: etree._Element, reader: _Reader) -> DecisionTable:
    hit_policy = " ".join(node.get("hitPolicy", "UNIQUE").split()).upper()
    aggregation = node.get("aggregation")
    if hit_policy not in HIT_POLICIES:
        reader.problem(node, f"the hit policy '{hit_policy}' is not one of {', '.join(HIT_POLICIES)}")
    if aggregation is not None:
        aggregation = aggregation.strip().upper()
        if hit_policy != "COLLECT" or aggregation not in AGGREGATIONS:
            reader.problem(node, f"the aggregation '{aggregation}' needs the hit policy COLLECT and one of "
                                 f"{', '.join(AGGREGATIONS)}")
    inputs = []
    for clause in _children(node, "input"):
        expression_node = _child(clause, "inputExpression")
        if expression_node is None:
            reader.problem(clause, "the input has no input expression")
            expression = LiteralExpression(clause.get("id", ""), None, reader.source(clause), "null")
        else:
            expression = _literal(expression_node, reader)
        inputs.append(InputClause(clause.get("id", ""), clause.get("label") or expression.text, expression,
                                  _text(_child(clause, "inputValues"))))
    outputs = []
    for clause in _children(node, "output"):
        default = _child(clause, "defaultOutputEntry")
        outputs.append(OutputClause(clause.get("id", ""), clause.get("name", ""), clause.get("label") or "",
                                    reader.type_ref(clause.get("typeRef")), _text(_child(clause, "outputValues")),
                                    _literal(default, reader) if default is not None else None))
    if not outputs:
        reader.problem(node, "the decision table has no output")
    if len(outputs) > 1 and any(not output.name for output in outputs):
        reader.problem(node, "every output of a decision table with several outputs needs a name")
    if aggregation is not None and len(outputs) > 1:
        reader.problem(node, f"COLLECT {aggregation} needs a single output; this table has {len(outputs)}")
    rules = []
    for rule in _children(node, "rule"):
        entries = tuple(_text(entry) or "" for entry in _children(rule, "inputEntry"))
        results = tuple(_literal(entry, reader) for entry in _children(rule, "outputEntry"))
        if len(entries) != len(inputs) or len(results) != len(outputs):
            reader.problem(rule, f"the rule has {len(entries)} input and {len(results)} output entries; the table "
                                 f"has {len(inputs)} inputs and {len(outputs)} outputs")
        annotations = tuple(_text(entry) or "" for entry in _children(rule, "annotationEntry"))
        rules.append(Rule(rule.get("id", ""), entries, results, annotations, reader.source(rule)))
    names = tuple(annotation.get("name", "") for annotation in _children(node, "annotation"))
    return DecisionTable(node.get("id", ""), reader.type_ref(node.get("typeRef")), reader.source(node),
                         tuple(inputs), tuple(outputs), tuple(rules), hit_policy, aggregation, names)

