"""Texts a model gives the database: ids, names and topics that do not fit their columns are refusal
reasons at deployment, not a failed INSERT (on PostgreSQL) when an instance reaches the element."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import local_name

ID_LENGTH = 255  # element ids, process keys
SHORT_NAMES = {"process": 255, "message": 255, "signal": 255}  # process names, subscription names
NAME_LENGTH = 500  # the name of a user task, as the inbox lists it
TOPIC_LENGTH = 255
TOPIC_ATTRIBUTES = ("{http://camunda.org/schema/1.0/bpmn}topic",)
ZEEBE_TASK = "{http://camunda.org/schema/zeebe/1.0}taskDefinition"


def length_problems(node: etree._Element, file: str) -> list[Problem]:
    """Each text of `node` that is longer than the column that stores it."""
    tag = local_name(node.tag)
    ident = node.get("id") or ""
    where = node.sourceline or 0
    problems = []
    if len(ident) > ID_LENGTH:
        problems.append(Problem(file, where, ident[:40] + "...", f"the id is {len(ident):,} characters; "
                                                                  f"ids may have at most {ID_LENGTH}"))
    name = node.get("name") or ""
    limit = SHORT_NAMES.get(tag, NAME_LENGTH)
    if len(name) > limit:
        problems.append(Problem(file, where, ident[:ID_LENGTH], f"the name is {len(name):,} characters; the name of "
                                                                f"a bpmn:{tag} may have at most {limit}"))
    topics = [node.get(attribute) or "" for attribute in TOPIC_ATTRIBUTES]
    topics += [task.get("type") or "" for task in node.iter(ZEEBE_TASK)] if tag.endswith("Task") else []
    for topic in topics:
        if len(topic) > TOPIC_LENGTH:
            problems.append(Problem(file, where, ident[:ID_LENGTH], f"the topic is {len(topic):,} characters; "
                                                                    f"a topic may have at most {TOPIC_LENGTH}"))
    return problems
