"""Imports between models: elements of an imported model are in scope under the import's name."""
from __future__ import annotations

from bpmn_runtime.dmn import checked_model, parse_dmn
from bpmn_runtime.feel import to_python
from tests.dmn.models import DMN15, literal, model

LIBRARY = model("""
<itemDefinition name="tRate"><typeRef>number</typeRef><allowedValues><text>[0..1]</text></allowedValues></itemDefinition>
<inputData id="base" name="Base price"><variable name="Base price" typeRef="number"/></inputData>
<decision id="price" name="Price"><variable name="Price" typeRef="number"/>
  <informationRequirement><requiredInput href="#base"/></informationRequirement>""" + literal("Base price * 2") + """
</decision>
<businessKnowledgeModel id="discount" name="Discount"><variable name="Discount"/>
  <encapsulatedLogic><formalParameter name="amount" typeRef="number"/><formalParameter name="rate" typeRef="tRate"/>"""
                + literal("amount * (1 - rate)") + """</encapsulatedLogic>
</businessKnowledgeModel>""", namespace="urn:library", name="Library")

SHOP = model(f"""
<import namespace="urn:library" name="lib" importType="{DMN15}"/>
<decision id="offer" name="Offer"><variable name="Offer"/>
  <informationRequirement><requiredDecision href="urn:library#price"/></informationRequirement>
  <knowledgeRequirement><requiredKnowledge href="urn:library#discount"/></knowledgeRequirement>
  {literal("lib.Discount(lib.Price, 0.25)")}
</decision>
<decision id="typed" name="Typed rate"><variable name="Typed rate" typeRef="lib.tRate"/>{literal("2")}</decision>""",
             namespace="urn:shop", name="Shop")


def test_an_imported_decision_knowledge_model_and_type_are_read_through_the_import_name() -> None:
    library = parse_dmn(LIBRARY, "library.dmn")
    shop = checked_model(parse_dmn(SHOP, "shop.dmn"), {library.namespace: library})
    assert to_python(shop.evaluate("Offer", {"lib": {"Base price": 10}}).value) == 15
    assert to_python(shop.evaluate("Offer", namespaced_inputs={"urn:library": {"Base price": 4}}).value) == 6
    assert shop.evaluate("Typed rate").value is None
