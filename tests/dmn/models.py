"""DMN files written inline for the tests: a decision table from rows, or any decisions' XML in a model."""
from __future__ import annotations

from xml.sax.saxutils import escape

DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def model(body: str, namespace: str = "https://example.org/tests", name: str = "tests", extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN15}" id="defs" name="{name}" '
            f'namespace="{namespace}" {extra}>\n{body}\n</definitions>').encode()


def input_data(name: str, type_ref: str = "", ident: str | None = None) -> str:
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return f'<inputData id="{ident or "i_" + name}" name="{name}"><variable name="{name}"{typed}/></inputData>'


def requires(*names: str, decisions: tuple[str, ...] = (), knowledge: tuple[str, ...] = ()) -> str:
    parts = [f'<informationRequirement><requiredInput href="#i_{name}"/></informationRequirement>' for name in names]
    parts += [f'<informationRequirement><requiredDecision href="#{ident}"/></informationRequirement>'
              for ident in decisions]
    parts += [f'<knowledgeRequirement><requiredKnowledge href="#{ident}"/></knowledgeRequirement>' for ident in knowledge]
    return "".join(parts)


def literal(text: str, type_ref: str = "") -> str:
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return f"<literalExpression{typed}><text>{escape(text)}</text></literalExpression>"


def decision(ident: str, logic: str, *, name: str | None = None, type_ref: str = "", needs: str = "") -> str:
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return (f'<decision id="{ident}" name="{name or ident}"><variable name="{name or ident}"{typed}/>{needs}'
            f"{logic}</decision>")


def table(inputs: list[str], outputs: list[str], rules: list[tuple[list[str], list[str]]], *,
          hit_policy: str = "UNIQUE", aggregation: str = "", output_values: list[str] | None = None,
          defaults: list[str] | None = None) -> str:
    """A decision table: inputs are input expressions, outputs output names, rules (input entries, output entries)."""
    aggregated = f' aggregation="{aggregation}"' if aggregation else ""
    head = "".join(f'<input id="in{n}" label="{escape(text)}"><inputExpression><text>{escape(text)}</text>'
                   f"</inputExpression></input>" for n, text in enumerate(inputs))
    for n, name in enumerate(outputs):
        values = (output_values or [""] * len(outputs))[n]
        default = (defaults or [""] * len(outputs))[n]
        head += (f'<output id="out{n}" name="{name}">'
                 + (f"<outputValues><text>{escape(values)}</text></outputValues>" if values else "")
                 + (f"<defaultOutputEntry><text>{escape(default)}</text></defaultOutputEntry>" if default else "")
                 + "</output>")
    body = "".join(f'<rule id="rule{n + 1}">'
                   + "".join(f"<inputEntry><text>{escape(entry)}</text></inputEntry>" for entry in entries)
                   + "".join(f"<outputEntry><text>{escape(entry)}</text></outputEntry>" for entry in results)
                   + "</rule>" for n, (entries, results) in enumerate(rules))
    return f'<decisionTable id="table" hitPolicy="{hit_policy}"{aggregated}>{head}{body}</decisionTable>'
