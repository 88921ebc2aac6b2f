"""The stored form of an instance's state: a JSON document with a format number and named fields.

`dump` always writes the newest format (`FORMAT`); `load` reads any format a release ever wrote, migrating
it step by step (`MIGRATIONS[n]` turns format n into format n + 1) before reading it. A document from a
newer release is refused rather than misread.

Format 1 (up to the release that introduced formats) had no `format` key: activity instances, waits and
compensation records were positional arrays, and what behaviours remembered was a free-form `data` map.
Format 3 may keep the activity instances and waits of a large state out of the document (`"rows": true`): each is
a row of its own (the `state_rows` table), so that a step inside a multi-instance activity of ten thousand
instances writes the few it changed, not all of them (see `store`).
Format 4 also keeps the large values of a state stored as rows (a variable, a multi-instance body's collection) in
rows of their own, which an activity instance's row names by key (`variable_rows`, `items_row`): a step that changes
none of them (completing one of ten thousand inner instances) writes none of them. What each inner instance gave a
multi-instance body for its output collection is a row too (`[body, loopCounter, value]`), so that a step writes the
one result it adds, not all of them so far.
"""
from __future__ import annotations

import gc
import json
import threading
from contextlib import contextmanager
from dataclasses import MISSING, fields
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, TypeVar

from bpmn_runtime.engine.state import (
    ActivityInstance, ApartValue, Arrive, Broadcast, CheckCondition, CompensationRecord, CompensationRun, CompleteScope,
    IncidentRecord, InstanceState, Join, MultiInstanceBody, Operation, Run, StartProcess, Throw, Trigger, WAIT_TYPES,
    Wait, Watched,
)
from bpmn_runtime.errors import BpmnRuntimeError

FORMAT = 4
ROWS_FROM = 200  # activity instances and waits: a state with more is stored as rows of its own
APART_FROM = 1_000  # characters of JSON: a larger value of a state stored as rows is a row of its own
ACTIVITY, WAIT, VALUE, RESULT = "activity_instance", "wait", "value", "result"  # the kinds of row

Document = dict[str, Any]


class UnreadableState(BpmnRuntimeError):
    """A stored state this release cannot read (written by a newer release)."""


def dump(state: InstanceState) -> Document:
    """The newest stored form of `state`, as one document (shares its variable maps: serialize it before changing
    the state)."""
    return {**_head(state), "activity_instances": [_dump_instance(ai, True) for ai in state.instances.values()],
            "waits": [_dump_wait(w) for w in state.waits.values()]}


def _head(state: InstanceState) -> Document:
    """The document of `state` without its activity instances and waits."""
    return {
        "format": FORMAT,
        "process": state.process,
        "status": state.status,
        "seq": state.seq,
        "end_reason": state.end_reason,
        "error_code": state.error_code,
        "error_message": state.error_message,
        "compensations": [_dump_record(r) for r in state.compensations],
        **({"correlations": state.correlations} if state.correlations else {}),
    }


def load(document: Mapping[str, Any]) -> InstanceState:
    """The state a stored document describes, whichever format it was written in."""
    doc = dict(document)
    version = doc.get("format", 1)
    if not isinstance(version, int) or version > FORMAT:
        raise UnreadableState(f"the instance state has format {version!r}; this release reads formats 1 to "
                              f"{FORMAT}: it was written by a newer release")
    while version < FORMAT:
        doc = MIGRATIONS[version](doc)
        version = doc["format"]
    return InstanceState(
        doc["process"], doc["status"], doc["seq"],
        {row["id"]: _load_instance(row) for row in doc["activity_instances"]},
        {row["key"]: _load_wait(row) for row in doc["waits"]},
        [_load_record(row) for row in doc["compensations"]],
        doc.get("end_reason"), doc.get("error_code"), doc.get("error_message"), doc.get("correlations", {}))


# --- activity instances --------------------------------------------------------------------------------

def _dump_instance(ai: ActivityInstance, results: bool) -> Document:
    """Named fields; those at their default are left out, so a plain activity instance stays small. `results`: with
    what a multi-instance body's inner instances gave (else they are rows of their own)."""
    row: Document = {"id": ai.id, "element": ai.element, "parent": ai.parent}
    if ai.variables is not None:
        row["variables"] = ai.variables
    if isinstance(ai.body, MultiInstanceBody):
        row["multi_instance"] = {"items": ai.body.items, "started": ai.body.started,
                                 "results": [[c, v] for c, v in ai.body.results.items()] if results else []}
    elif isinstance(ai.body, CompensationRun):
        row["compensation_run"] = {"queue": [_dump_record(r) for r in ai.body.queue],
                                   "current": _dump_record(ai.body.current) if ai.body.current else None}
    if ai.join is not None:
        row["join"] = {"arrived": ai.join.arrived, "waiting": ai.join.waiting, "fired": ai.join.fired,
                       "consumed": ai.join.consumed}
    if ai.loop_counter is not None:
        row["loop_counter"] = ai.loop_counter
    if ai.entries_started:
        row["entries_started"] = ai.entries_started
    if ai.held is not None:
        row["held"] = ai.held
    for flag in ("outputs_mapped", "waited_after", "compensable", "parked"):
        if getattr(ai, flag):
            row[flag] = True
    if ai.incident is not None:
        row["incident"] = {"operations": [_dump_operation(o) for o in ai.incident.operations]}
    return row


_PLAIN_INSTANCE = frozenset({"id", "element", "parent", "variables"})


def _load_instance(row: Document) -> ActivityInstance:
    if _PLAIN_INSTANCE.issuperset(row):  # most rows (a task, an inner instance): nothing more to read
        return ActivityInstance(row["id"], row["element"], row["parent"], row.get("variables"))
    ai = ActivityInstance(row["id"], row["element"], row["parent"], row.get("variables"),
                          loop_counter=row.get("loop_counter"), outputs_mapped=row.get("outputs_mapped", False),
                          waited_after=row.get("waited_after", False), compensable=row.get("compensable", False),
                          parked=row.get("parked", False), entries_started=row.get("entries_started", 0), held=row.get("held"))
    if "multi_instance" in row:
        body = row["multi_instance"]
        ai.body = MultiInstanceBody(body["items"], body["started"], {c: v for c, v in body["results"]})
    elif "compensation_run" in row:
        run = row["compensation_run"]
        ai.body = CompensationRun([_load_record(r) for r in run["queue"]],
                                  _load_record(run["current"]) if run["current"] else None)
    if "join" in row:
        join = row["join"]
        ai.join = Join(join["arrived"], join["waiting"], join["fired"], list(join.get("consumed", ())))
    if "incident" in row:
        ai.incident = IncidentRecord([_load_operation(o) for o in row["incident"]["operations"]])
    return ai


# --- waits, records, operations --------------------------------------------------------------------------

_WAIT_FIELDS: dict[type[Wait], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in WAIT_TYPES.values()}


def _defaults(cls: type[Wait]) -> tuple[tuple[str, Any], ...]:
    """The fields of a kind of wait that have a default, with it (a fresh one where it is made per wait)."""
    found = []
    for f in fields(cls):
        if f.default is not MISSING:
            found.append((f.name, f.default))
        elif f.default_factory is not MISSING:
            found.append((f.name, f.default_factory()))
    return tuple(found)


_WAIT_VALUES = {cls: attrgetter(*names) for cls, names in _WAIT_FIELDS.items()}
_WAIT_DEFAULTS = {cls: _defaults(cls) for cls in WAIT_TYPES.values()}


def _dump_wait(wait: Wait) -> Document:
    """Named fields; those at their default are left out (a reader fills them in), so the thousands of waits
    of a large multi-instance activity keep the stored state small."""
    cls = type(wait)
    row = dict(zip(_WAIT_FIELDS[cls], _WAIT_VALUES[cls](wait)))
    for name, default in _WAIT_DEFAULTS[cls]:
        if type(row[name]) is type(default) and row[name] == default:  # 0 is not False, 50.0 not 50
            del row[name]
    return {"kind": wait.kind, **row}


def _load_wait(row: Document) -> Wait:
    cls = WAIT_TYPES[row["kind"]]
    return cls(**{name: row[name] for name in _WAIT_FIELDS[cls] if name in row})


def _dump_record(record: CompensationRecord) -> Document:
    return {"activity_instance": record.ai, "element": record.element, "scope": record.scope_ai,
            "handler": record.handler, "variables": record.variables, "order": record.order}


def _load_record(row: Document) -> CompensationRecord:
    return CompensationRecord(row["activity_instance"], row["element"], row["scope"], row["handler"],
                              row["variables"], row["order"])


_OPERATION_NAMES: dict[type[Any], str] = {
    Arrive: "arrive", Run: "run", StartProcess: "start_process", CompleteScope: "complete_scope", Trigger: "trigger",
    CheckCondition: "check_condition", Broadcast: "broadcast", Throw: "throw"}
_OPERATION_TYPES = {name: cls for cls, name in _OPERATION_NAMES.items()}


def _dump_operation(operation: Operation) -> Document:
    if isinstance(operation, Trigger):
        return {"op": "trigger", "wait": _dump_wait(operation.wait), "payload": operation.payload}
    return {"op": _OPERATION_NAMES[type(operation)],
            **{f.name: getattr(operation, f.name) for f in fields(operation)}}


def _load_operation(row: Document) -> Operation:
    if row["op"] == "trigger":
        return Trigger(_load_wait(row["wait"]), row["payload"])
    operation: Operation = _OPERATION_TYPES[row["op"]](**{k: v for k, v in row.items() if k != "op"})
    return operation


# --- migrations ------------------------------------------------------------------------------------------

def _from_format_1(doc: Document) -> Document:
    """Format 1 -> 2: positional rows become named fields; the `data` map of each activity instance becomes
    the typed fields of its family; a compensation run moves from the data of the event (or transaction)
    that started it into a run of its own, under that owner, which its running handler now belongs to."""
    seq = doc["seq"]
    rows: list[Document] = []
    runs: dict[int, Document] = {}  # owner activity instance -> its run
    run_scopes: dict[int, int] = {}  # owner activity instance -> the scope its run compensates
    handlers: dict[int, list[Any]] = {}  # handler activity instance -> [compensated ai, element, handler]
    for ai_id, element, parent, variables, data in doc["instances"]:
        row: Document = {"id": ai_id, "element": element, "parent": parent}
        if variables is not None:
            row["variables"] = variables
        if "arrived" in data:
            row["join"] = {"arrived": data["arrived"], "waiting": bool(data.get("waiting_join")),
                           "fired": bool(data.get("fired"))}
        if data.get("mi_body"):
            row["multi_instance"] = {"items": data.get("items"), "started": data.get("next", 0),
                                     "results": [[int(c), v] for c, v in data.get("results", {}).items()]}
        if data.get("loopCounter") is not None:
            row["loop_counter"] = data["loopCounter"]
        for old, new in (("outputs_done", "outputs_mapped"), ("async_after_done", "waited_after"),
                         ("compensable", "compensable")):
            if data.get(old):
                row[new] = True
        if data.get("incident"):
            row["incident"] = {"operations": [{"op": "run", "ai": ai_id, "phase": data["incident"]}]}
        if "compensation" in data:
            run = data["compensation"]
            seq += 1
            run_scopes[ai_id] = run["scope"]
            runs[ai_id] = {"id": seq, "element": element, "parent": ai_id, "compensation_run": {
                "queue": [_record_from_format_1(r) for r in run["queue"]], "current": None}}
        if "compensation_of" in data:
            handlers[ai_id] = [data["compensation_of"], *data["compensates"]]
        rows.append(row)
    for row in rows:
        if row["id"] in handlers:
            owner, compensated, element, handler = handlers[row["id"]]
            run = runs[owner]
            row["parent"] = run["id"]
            run["compensation_run"]["current"] = {
                "activity_instance": compensated, "element": element, "scope": run_scopes[owner],
                "handler": handler, "variables": row.get("variables") or {}, "order": 0}
    return {
        "format": 2, "process": doc["process"], "status": doc["status"], "seq": seq,
        "end_reason": doc.get("end_reason"), "error_code": doc.get("error_code"),
        "activity_instances": rows + list(runs.values()),
        "waits": [_wait_from_format_1(row) for row in doc["waits"]],
        "compensations": [_record_from_format_1(r) for r in doc.get("compensations", [])],
    }


def _record_from_format_1(row: list[Any]) -> Document:
    ai, element, scope_ai, handler, variables, order = row
    return {"activity_instance": ai, "element": element, "scope": scope_ai, "handler": handler,
            "variables": variables, "order": order}


def _wait_from_format_1(row: list[Any]) -> Document:
    key, kind, ai, element, name, due, detail = row
    wait: Document = {"kind": kind, "key": key, "ai": ai, "element": element}
    if kind == "user_task":
        wait.update(name=name or "", assignee=detail.get("assignee"),
                    candidate_users=detail.get("candidate_users", []),
                    candidate_groups=detail.get("candidate_groups", []), due_date=detail.get("due_date"),
                    priority=detail.get("priority", 50))
    elif kind == "job":
        wait.update(topic=name or "", retries=detail.get("retries"), headers=detail.get("headers", {}),
                    timeout=detail.get("timeout"))
    elif kind == "continuation":
        wait.update(after=name == "after")
    elif kind == "timer":
        wait.update(timer=name, due_at=due, spec=detail.get("spec", ""), remaining=detail.get("remaining"))
    elif kind == "message":
        wait.update(message=name, correlation=detail.get("correlation"))
    elif kind == "signal":
        wait.update(signal=name)
    elif kind == "conditional":
        wait.update(condition=detail.get("condition", "false"), was_true=bool(detail.get("was_true")))
    elif kind == "call":
        wait.update(process_key=name or "", variables=detail.get("variables", {}))
    return wait


def _from_format_2(doc: Document) -> Document:
    """Format 2 -> 3: the same document; format 3 may also keep activity instances and waits as rows."""
    return {**doc, "format": 3}


def _from_format_3(doc: Document) -> Document:
    """Format 3 -> 4: the same document; format 4 may also keep large values of a state stored as rows apart."""
    return {**doc, "format": 4}


MIGRATIONS: dict[int, Callable[[Document], Document]] = {1: _from_format_1, 2: _from_format_2, 3: _from_format_3}


class _CycleCollectionPause:
    """Reading or writing a large state makes hundreds of thousands of dicts, lists and records, none of them in
    a reference cycle; Python's cycle collector would walk the whole heap again and again meanwhile (at 10,000
    activity instances, 40% of a step), so it waits until the state is made. The collector is one per process:
    threads count who is inside, and the last one out turns it back on if it was on before the first came in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._inside == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0 and self._was_enabled:
                    gc.enable()


_no_cycle_collection = _CycleCollectionPause()


# the kind of row (ACTIVITY, WAIT, VALUE, RESULT), its key (an activity instance's id, a wait's key, a value's), its JSON
Row = tuple[str, int, str]


class Stored(NamedTuple):
    """What saving a state writes: its document and, for a state stored as rows, the rows of the activity
    instances and waits that may have changed. `rows` replace those of the same kind and key, and `gone` are
    deleted; `rewrite` deletes every row of the instance first (None: the state is all in its document)."""

    document: str
    rows: list[Row]
    gone: list[tuple[str, int]]
    rewrite: bool | None


def loads(text: str | bytes, rows: Callable[[], Iterable[tuple[str, int, str]]] | None = None) -> InstanceState:
    """The state stored as `text` (the `state` column of an instance); `rows` reads its rows, for a state stored
    as rows (asked only then)."""
    with _no_cycle_collection():
        document = json.loads(text)
        if not document.get("rows"):
            return load(document)
        if rows is None:
            raise UnreadableState("the instance state is stored as rows, and none were given")
        document["activity_instances"], document["waits"] = [], []
        values: dict[int, Any] = {}
        results: list[tuple[int, list[Any]]] = []
        for kind, key, data in rows():
            if kind == VALUE:
                values[key] = json.loads(data)
            elif kind == RESULT:
                results.append((key, json.loads(data)))
            else:
                document["activity_instances" if kind == ACTIVITY else "waits"].append(json.loads(data))
        apart = [_put_back(row, values) for row in document["activity_instances"]
                 if "variable_rows" in row or "items_row" in row.get("multi_instance", ())]
        state = load(document)
        state.watch()
        for ai_id, keys in apart:  # the very objects the state holds
            ai = dict.__getitem__(state.instances, ai_id)  # read without noting it
            state.apart[ai_id] = {name: ApartValue(key, _apart_value(ai, name)) for name, key in keys.items()}
        for key, (body_id, counter, value) in results:
            body = dict.__getitem__(state.instances, body_id).body
            assert isinstance(body, MultiInstanceBody)
            body.results[counter] = value
            state.result_rows.setdefault(body_id, {})[counter] = key
        for body_id in state.result_rows:  # notes from now on which results a step adds
            body = dict.__getitem__(state.instances, body_id).body
            assert isinstance(body, MultiInstanceBody)
            body.results = Watched(dict(sorted(body.results.items())))
        state.next_apart_key = max([*values, *(key for key, _ in results)], default=0) + 1
        return state


def _put_back(row: Document, values: dict[int, Any]) -> tuple[int, dict[str | None, int]]:
    """Put the values an activity instance's row keeps in rows of their own back in it; the activity instance and
    the keys of those rows, by variable name (None: a multi-instance body's collection)."""
    keys: dict[str | None, int] = dict(row.pop("variable_rows", {}))
    if keys:
        row["variables"] = {**row.get("variables", {}), **{name: values[key] for name, key in keys.items()}}
    body = row.get("multi_instance")
    if body is not None and "items_row" in body:
        keys[None] = body.pop("items_row")
        body["items"] = values[keys[None]]
    return row["id"], keys


def _apart_value(ai: ActivityInstance, name: str | None) -> Any:
    """The value of `ai` that `name` keeps apart: a variable, or (None) the collection of a multi-instance body."""
    if name is None:
        assert isinstance(ai.body, MultiInstanceBody)
        return ai.body.items
    assert ai.variables is not None
    return ai.variables[name]


def dumps(state: InstanceState) -> str:
    """The text to store for `state`, in the newest format, as one document."""
    with _no_cycle_collection():
        return json.dumps(dump(state), separators=(",", ":"))


def store(state: InstanceState) -> Stored:
    """What to write for `state`: one document while it is small; once it has more than `ROWS_FROM` activity
    instances and waits, a document without them and a row for each, from then on writing the rows of those
    that may have changed since the last save only (`InstanceState.changes`); and a row of its own for each value
    longer than `APART_FROM`, written again only when another object takes its place (`InstanceState.apart`)."""
    with _no_cycle_collection():
        if not state.watched and len(state.instances) + len(state.waits) <= ROWS_FROM:
            return Stored(json.dumps(dump(state), separators=(",", ":")), [], [], None)
        if state.watched:
            changed_instances, changed_waits = state.changes()
        else:
            state.watch()
            changed_instances = changed_waits = None
        rewrite = changed_instances is None or changed_waits is None
        if rewrite:  # every row goes, and is written again with the values and results it keeps apart
            state.apart.clear()
            state.result_rows.clear()
        rows: list[Row] = []
        gone: list[tuple[str, int]] = []
        _changed_rows(ACTIVITY, changed_instances, state.instances,
                      lambda ai: _instance_row(state, ai, rows, gone), rows, gone)
        _changed_rows(WAIT, changed_waits, state.waits, lambda wait: _compact(_dump_wait(wait)), rows, gone)
        for kind, key in list(gone):
            if kind == ACTIVITY:
                gone.extend((VALUE, value.key) for value in state.apart.pop(key, {}).values())
                gone.extend((RESULT, result) for result in state.result_rows.pop(key, {}).values())
        state.saved()
        return Stored(_compact({**_head(state), "rows": True}), rows, gone, rewrite)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _instance_row(state: InstanceState, ai: ActivityInstance, rows: list[Row], gone: list[tuple[str, int]]) -> str:
    """The JSON of `_dump_instance` of `ai` for its row of a state stored as rows: each of its variables and its
    multi-instance collection longer than `APART_FROM` as a key to a row of its own, added to `rows` unless that row
    holds the same object already; its results as rows of their own (`_result_rows`); rows of values it no longer
    keeps apart are added to `gone`."""
    row = _dump_instance(ai, False)
    if isinstance(ai.body, MultiInstanceBody):
        _result_rows(state, ai.id, ai.body, rows, gone)
    before = state.apart.pop(ai.id, {})
    body = row.get("multi_instance")
    if not before:
        text = _compact(row)
        if len(text) <= APART_FROM:  # most rows: nothing to keep apart
            return text
    apart: dict[str | None, ApartValue] = {}

    def kept_apart(name: str | None, value: Any) -> bool:
        """Whether `value` goes in a row of its own (added to `rows` unless that row holds it already)."""
        old = before.pop(name, None)
        if old is not None and old.value is value:
            apart[name] = old
            return True
        text = _compact(value)
        if len(text) <= APART_FROM:
            if old is not None:
                gone.append((VALUE, old.key))
            return False
        if old is None:
            old = ApartValue(state.next_apart_key, value)
            state.next_apart_key += 1
        apart[name] = ApartValue(old.key, value)
        rows.append((VALUE, old.key, text))
        return True

    if ai.variables:
        row["variables"] = {name: value for name, value in ai.variables.items() if not kept_apart(name, value)}
        if apart:
            row["variable_rows"] = {name: value.key for name, value in apart.items()}
    if body is not None and body["items"] is not None and kept_apart(None, body["items"]):
        row["multi_instance"] = {**body, "items": None, "items_row": apart[None].key}
    gone.extend((VALUE, value.key) for value in before.values())
    if apart:
        state.apart[ai.id] = apart
    return _compact(row)


def _result_rows(state: InstanceState, body_id: int, body: MultiInstanceBody, rows: list[Row],
                 gone: list[tuple[str, int]]) -> None:
    """Add to `rows` a row for each result of `body` set since the last save (all of them when its results are
    not watched yet, or were replaced), and to `gone` the rows of those no longer there."""
    keys = state.result_rows.setdefault(body_id, {})
    results = body.results
    if isinstance(results, Watched) and not results.all_noted and keys:
        changed: set[int] = results.noted
    else:
        changed = set(results) | set(keys)
        body.results = results = Watched(results)
    for counter in sorted(changed):
        if counter not in results:
            key = keys.pop(counter, None)
            if key is not None:
                gone.append((RESULT, key))
            continue
        key = keys.get(counter)
        if key is None:
            key = keys[counter] = state.next_apart_key
            state.next_apart_key += 1
        rows.append((RESULT, key, _compact([body_id, counter, dict.__getitem__(results, counter)])))
    results.forget()
    if not keys:
        del state.result_rows[body_id]


Entry = TypeVar("Entry", ActivityInstance, Wait)


def _changed_rows(kind: str, changed: set[int] | None, entries: dict[int, Entry], row_of: Callable[[Entry], str],
                  rows: list[Row], gone: list[tuple[str, int]]) -> None:
    """Add the rows (`row_of`: the JSON) of the `changed` entries (None: all) to `rows`, and those no longer there to
    `gone`."""
    for key in (list(dict.keys(entries)) if changed is None else sorted(changed)):
        entry = dict.get(entries, key)  # read without noting it
        if entry is None:
            gone.append((kind, key))
        else:
            rows.append((kind, key, row_of(entry)))
