"""Models that could never stop: refused when deployment can already tell.

A loop of sequence flows on which nothing waits and that nothing can leave would keep a transaction
running forever; so would a timer that fires again without any time passing, or a standard loop whose
condition is always true. What depends on data (a condition that happens never to be met) cannot be known
here: the engine's step budget stops it at run time.
"""
from __future__ import annotations

from datetime import datetime, timezone

from bpmn_runtime import expressions
from bpmn_runtime.engine.timers import duration_seconds
from bpmn_runtime.errors import ExpressionError, Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.shared import boundary_events, children, problem

# Activities that wait for someone or something outside the instance (a person, a worker, a message, a
# called instance): a loop through them ends each pass in a wait state.
WAITING_ACTIVITIES = frozenset({"userTask", "receiveTask", "serviceTask", "sendTask", "businessRuleTask",
                                "callActivity"})
# Activities whose inside may wait or throw: a loop through them is not judged here.
SCOPES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
# Events thrown on the way that cannot interrupt or hold the token (others may: escalation, signal to the
# instance's own catchers, compensation handlers).
HARMLESS_THROWS = frozenset({"message", "link"})

Graph = dict[str, set[str]]


def endless_loop_problems(process: Process, scope_id: str) -> list[Problem]:
    """A loop of sequence flows that a token, once on it, must follow forever: every element on it passes
    the token on at once, and every flow on it is taken for sure (no condition, no default, not one of an
    exclusive gateway's later choices). A parallel gateway that also waits for a token from elsewhere
    stops it."""
    nodes = {element.id: element for element in children(process, scope_id) if _passes_at_once(process, element)}
    sure: Graph = {node: set() for node in nodes}
    for element in nodes.values():
        for target in _surely_next(process, element):
            if target in nodes:
                sure[element.id].add(target)
    while True:
        loops = _loops(sure)
        joins = [n for loop in loops for n in loop if _waits_for_others(process, nodes[n], loop, sure)]
        if not joins:
            break
        for join in joins:
            del sure[join]
            for targets in sure.values():
                targets.discard(join)
    problems = []
    for loop in loops:
        elements = sorted((nodes[n] for n in loop), key=lambda e: (e.origin.line, e.id))
        labels = [e.label for e in elements[:4]] + ([f"{len(elements) - 4} more"] if len(elements) > 4 else [])
        named = ", ".join(labels[:-1]) + f" and {labels[-1]}"
        problems.append(problem(elements[0], f"the sequence flows through {named} form a loop that never waits "
                                             f"and that no condition can end: a token would go round it forever; "
                                             f"put a wait state on it (a user task, a timer, a message) or give "
                                             f"it a condition that ends it"))
    return problems


def timer_interval_problems(process: Process, scope_id: str) -> list[Problem]:
    """A timer on a loop must wait some time: else it fires again and again at once (`PT0S` on a loop). A
    cycle without time between its firings (`R/PT0S`) is refused with the other timer rules."""
    problems = []
    on_loops = {n for loop in _loops(_flow_graph(process, scope_id)) for n in loop}
    for element in children(process, scope_id):
        for definition in element.events:
            timer = definition.timer
            if definition.kind != "timer" or timer is None or timer.computed:
                continue  # an expression: its value is known only when the timer starts
            text = timer.expression.strip()
            if timer.kind == "duration" and element.id in on_loops and _waits_no_time(text):
                problems.append(problem(element, f"the timer waits '{text}', no time at all, on a loop: each "
                                                 f"time round it fires at once; let it wait longer than zero"))
    return problems


def endless_standard_loop_problems(element: Element) -> list[Problem]:
    """A standard loop whose condition is always true and that has no loopMaximum never ends."""
    loop = element.loop
    if loop is None or loop.multi_instance or loop.loop_maximum is not None or not loop.loop_condition:
        return []
    try:  # read, never run: deployment does not evaluate a model's expressions
        is_literal, value = expressions.literal(loop.loop_condition)
        always = is_literal and expressions.as_condition(loop.loop_condition, value)
    except ExpressionError:
        return []  # refused by the expression rules already
    if not always:
        return []
    return [problem(element, f"the standard loop repeats forever: its condition \"{loop.loop_condition}\" is "
                             f"always true and it has no loopMaximum")]


def _waits_no_time(text: str) -> bool:
    """True when the duration `text` is zero (or less); False when it cannot be read (the timer rules
    report that)."""
    try:
        return duration_seconds(text, datetime(2000, 1, 1, tzinfo=timezone.utc)) <= 0
    except ExpressionError:
        return False


def _passes_at_once(process: Process, element: Element) -> bool:
    """True when a token reaching `element` surely goes on within the same transaction, without waiting
    and without anything that could interrupt it."""
    kind = element.kind
    if element.extensions.async_before:  # a worker continues it (Camunda 7: on activities, events and gateways)
        return False
    if kind.endswith("Gateway"):
        return kind in ("exclusiveGateway", "parallelGateway", "inclusiveGateway")
    if kind == "intermediateCatchEvent":
        return all(d.kind == "link" for d in element.events)
    if kind == "intermediateThrowEvent":
        return all(d.kind in HARMLESS_THROWS for d in element.events)
    if kind in ("task", "manualTask", "scriptTask"):
        extensions = element.extensions
        return not extensions.async_after and not any(b.cancel_activity for b in boundary_events(process, element))
    return False  # start, end and boundary events, waiting activities, subprocesses


def _surely_next(process: Process, element: Element) -> list[str]:
    """Where a token leaving `element` surely goes (a link throw jumps to its catch event)."""
    links = [d.name for d in element.events if d.kind == "link"]
    if element.kind == "intermediateThrowEvent" and links:
        return [c.id for c in children(process, element.scope) if c.kind == "intermediateCatchEvent"
                and any(d.kind == "link" and d.name == links[0] for d in c.events)]
    flows = [process.flows[f] for f in element.outgoing if f != element.default_flow]
    if element.kind == "parallelGateway":
        return [process.flows[f].target for f in element.outgoing]
    if element.kind == "exclusiveGateway":  # it takes the first flow whose condition holds
        return [flows[0].target] if flows and flows[0].condition is None else []
    return [flow.target for flow in flows if flow.condition is None]


def _waits_for_others(process: Process, element: Element, loop: frozenset[str], sure: Graph) -> bool:
    """A parallel gateway on `loop` that also needs a token that does not surely come round the loop."""
    if element.kind != "parallelGateway" or len(element.incoming) < 2:
        return False
    sources = [process.flows[f].source for f in element.incoming]
    return any(source not in loop or element.id not in sure.get(source, ()) for source in sources)


def _flow_graph(process: Process, scope_id: str) -> Graph:
    """Every sequence flow of the scope, link jumps, and each activity to its boundary events."""
    graph: Graph = {c.id: set() for c in children(process, scope_id)}
    for element in children(process, scope_id):
        graph[element.id].update(process.flows[f].target for f in element.outgoing)
        if element.kind == "intermediateThrowEvent":
            graph[element.id].update(_surely_next(process, element))
        graph[element.id].update(b.id for b in boundary_events(process, element))
    return graph


def _loops(graph: Graph) -> list[frozenset[str]]:
    """The strongly connected parts of `graph` that hold a cycle (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in graph:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    part = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.add(member)
                        if member == node:
                            break
                    if len(part) > 1 or node in graph[node]:
                        found.append(frozenset(part))
    return found
