"""bpmn-runtime and SpiffWorkflow 3 side by side: four scenarios, one table.

    python tests/benchmarks/bench.py            # full counts (the Spiff long-history run takes many minutes)
    python tests/benchmarks/bench.py --quick    # small counts, under a minute: a CI smoke run

Every scenario runs once per engine in a fresh child process (so memory figures, caches and garbage do
not leak from one run into the next), each on a fresh SQLite file opened the same way for both engines:
through `bpmn_runtime.store.database.open_engine`, so WAL, synchronous=NORMAL and BEGIN IMMEDIATE.
SpiffWorkflow's workflows are serialized with `BpmnWorkflowSerializer` and written to a table of that
file at every wait state, as a durable engine must; definitions are parsed once per run by both.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import textwrap
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from common import (
    HERE, PROCESSES, Figures, Target, end_report, machine, median_seconds, rss_bytes, run_child, shown, table, timed,
)

MIWG_B20 = HERE.parent / "data" / "miwg" / "reference" / "B.2.0.bpmn"
ENGINES = ("ours", "spiff")
ENGINE_NAMES = {"ours": "bpmn-runtime", "spiff": "SpiffWorkflow"}


@dataclass(frozen=True)
class Counts:
    """How much work each scenario does."""

    straight: int  # instances of the ten-step automated process
    loop_marks: tuple[int, ...]  # iterations of the user-task loop at which the step time is taken
    window: int  # steps around each mark whose median is reported
    inbox: int  # instances waiting at a user task
    repeats: int  # repetitions of the short measurements (inbox page, completion, parse)
    rounds: int  # alternating runs of scenario 1 per engine, the best counted (other processes share the machine)
    probe: int  # loop limit of the run that shows where SpiffWorkflow's defaults stop it (about 250)

    @property
    def loop(self) -> int:
        """Iterations of the loop: up to the last mark plus half a window."""
        return max(self.loop_marks) + self.window // 2


FULL = Counts(straight=5_000, loop_marks=(10, 1_000, 5_000), window=11, inbox=10_000, repeats=7, rounds=3,
             probe=5_000)
QUICK = Counts(straight=300, loop_marks=(10, 100, 200), window=5, inbox=500, repeats=3, rounds=1, probe=300)


# --- measuring (the helpers are shared with the other benchmark scripts: common.py) -------------------


def window_medians(durations: list[float], marks: tuple[int, ...], window: int) -> dict[str, float]:
    """Median duration of the `window` steps centred on each mark (durations[0] is iteration 1)."""
    half = window // 2
    return {str(mark): statistics.median(durations[mark - 1 - half:mark + half]) for mark in marks}


def database_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


# --- bpmn-runtime ------------------------------------------------------------------------------------


def ours_runtime(folder: Path, process_file: str) -> Any:
    from bpmn_runtime.runtime import Runtime
    runtime = Runtime(database_url(folder, "ours.db"))
    runtime.deploy(PROCESSES / process_file)
    return runtime


def ours_straight(counts: Counts, folder: Path) -> Figures:
    runtime = ours_runtime(folder, "straight_through.bpmn")
    for _ in range(20):  # warm-up: first statements compile, first imports load
        runtime.start("straight-through", {"x": 0})
    seconds = timed(lambda: [runtime.start("straight-through", {"x": 0}) for _ in range(counts.straight)])
    last = runtime.start("straight-through", {"x": 0})
    detail = runtime.queries.instance(last)
    assert detail.summary.status == "completed" and detail.variables == {"x": 6, "y": 12}, detail
    return {"rate": counts.straight / seconds}


def ours_loop(counts: Counts, folder: Path) -> Figures:
    runtime = ours_runtime(folder, "review_loop.bpmn")
    instance = runtime.start("review-loop", {"count": 0, "limit": counts.loop})
    durations = []
    for _ in range(counts.loop):
        (task,), _ = runtime.queries.tasks(everyone=True, process="review-loop", limit=1)
        durations.append(timed(lambda: runtime.complete_task(task.id)))
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and detail.variables["count"] == counts.loop, detail.summary
    return {"step": window_medians(durations, counts.loop_marks, counts.window)}


def ours_inbox(counts: Counts, folder: Path) -> Figures:
    runtime = ours_runtime(folder, "inbox_task.bpmn")
    before = rss_bytes()
    seconds = timed(lambda: [runtime.start("inbox-task", {"n": n}) for n in range(counts.inbox)])
    grown = rss_bytes() - before

    def first_page() -> list[Any]:
        tasks, total = runtime.queries.tasks(user="alice", groups=["clerks"], limit=50)
        assert len(tasks) == 50 and total > counts.inbox - 2 * counts.repeats, (len(tasks), total)
        return list(tasks)

    listing = median_seconds(first_page, counts.repeats)
    from bpmn_runtime.runtime.task_rules import Actor
    alice = Actor.person("alice", ["clerks"])
    page = iter(first_page())
    completing = median_seconds(lambda: runtime.complete_task(next(page).id, {"ok": True}, actor=alice),
                                counts.repeats + 1, warm_up=1)
    task = next(page)
    tracemalloc.start()
    runtime.complete_task(task.id, {"ok": True}, actor=alice)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rate": counts.inbox / seconds, "rss": grown, "peak": peak, "list": listing, "complete": completing}


def ours_parse(counts: Counts, folder: Path) -> Figures:
    from bpmn_runtime.errors import DeploymentError
    from bpmn_runtime.parser import parse
    from bpmn_runtime.runtime import Runtime
    data = MIWG_B20.read_bytes()
    executable = data.replace(b'isExecutable="false"', b'isExecutable="true"')

    def refused(content: bytes) -> str:
        try:
            parse(content, MIWG_B20.name)
        except DeploymentError as error:
            return f"refused, {len(error.problems)} problem(s): {error.problems[0].message}"
        return "parsed"

    runtime = Runtime(database_url(folder, "ours.db"))
    try:
        runtime.deploy(MIWG_B20)
        deploy_says = "deployed"
    except DeploymentError as error:
        deploy_says = str(error).splitlines()[1].strip()
    refused(data)  # warm-up: the XSD is loaded once per process
    return {"parse": median_seconds(lambda: refused(data), counts.repeats), "parse_says": refused(data),
            "executable": median_seconds(lambda: refused(executable), counts.repeats),
            "executable_says": refused(executable), "deploy_says": deploy_says}


# --- SpiffWorkflow -----------------------------------------------------------------------------------


class SpiffStore:
    """What a durable application on SpiffWorkflow keeps: one row per workflow with its serialized JSON."""

    def __init__(self, folder: Path) -> None:
        from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, bindparam, insert, select, update
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        from bpmn_runtime.store.database import open_engine
        self.engine = open_engine(database_url(folder, "spiff.db"))
        metadata = MetaData()
        self.table = Table("spiff_workflows", metadata, Column("id", Integer, primary_key=True),
                           Column("status", String(20)), Column("data", Text),
                           Index("ix_spiff_workflows_status", "status", "id"))
        metadata.create_all(self.engine)
        self.serializer = BpmnWorkflowSerializer()
        self._insert = insert(self.table).returning(self.table.c.id)
        self._update = update(self.table).where(self.table.c.id == bindparam("key"))
        self._select = select(self.table.c.data).where(self.table.c.id == bindparam("key"))
        self._waiting = select(self.table.c.id, self.table.c.data).where(self.table.c.status == "waiting") \
            .order_by(self.table.c.id.desc()).limit(50)

    @staticmethod
    def status(workflow: Any) -> str:
        return "completed" if workflow.is_completed() else "waiting"

    def insert(self, workflow: Any) -> int:
        data = self.serializer.serialize_json(workflow)
        with self.engine.begin() as connection:
            return int(connection.execute(self._insert, {"status": self.status(workflow), "data": data}).scalar_one())

    def update(self, key: int, workflow: Any) -> None:
        data = self.serializer.serialize_json(workflow)
        with self.engine.begin() as connection:
            connection.execute(self._update, {"key": key, "status": self.status(workflow), "data": data})

    def load(self, key: int) -> Any:
        with self.engine.begin() as connection:
            return self.serializer.deserialize_json(connection.execute(self._select, {"key": key}).scalar_one())

    def newest_waiting(self) -> Iterator[tuple[int, Any]]:
        with self.engine.begin() as connection:
            rows = connection.execute(self._waiting).all()
        for key, data in rows:
            yield key, self.serializer.deserialize_json(data)


def spiff_spec(process_file: str, process_id: str) -> Any:
    from SpiffWorkflow.bpmn.parser import BpmnParser
    parser = BpmnParser()
    parser.add_bpmn_file(str(PROCESSES / process_file))
    return parser.get_spec(process_id)


def spiff_start(spec: Any, variables: dict[str, Any]) -> Any:
    """A new workflow with start variables, run to its first wait state."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    workflow = BpmnWorkflow(spec)
    workflow.task_tree.data.update(variables)
    workflow.do_engine_steps()
    return workflow


def spiff_ready_user_tasks(workflow: Any, first: Any = None) -> list[Any]:
    from SpiffWorkflow.util.task import TaskState
    return list(workflow.get_tasks(first_task=first, state=TaskState.READY, manual=True))


def spiff_complete(workflow: Any, task_id: Any, variables: dict[str, Any] | None = None) -> None:
    """Complete a user task as an application does: set its data, run it, run the engine to the next wait."""
    task = workflow.get_task_from_id(task_id)
    task.data.update(variables or {})
    task.run()
    workflow.do_engine_steps()


def spiff_straight(counts: Counts, folder: Path) -> Figures:
    spec = spiff_spec("straight_through.bpmn", "straight-through")
    store = SpiffStore(folder)

    def one() -> Any:
        workflow = spiff_start(spec, {"x": 0})
        store.insert(workflow)
        return workflow
    for _ in range(20):
        one()
    seconds = timed(lambda: [one() for _ in range(counts.straight)])
    workflow = one()
    assert workflow.is_completed() and workflow.last_task.data == {"x": 6, "y": 12}, workflow.last_task.data
    return {"rate": counts.straight / seconds}


def spiff_loop_default(counts: Counts) -> Figures:
    """Run the loop with SpiffWorkflow's default settings and record where and how it stops."""
    from SpiffWorkflow.util.task import TaskState
    workflow = spiff_start(spiff_spec("review_loop.bpmn", "review-loop"), {"count": 0, "limit": counts.probe})
    iterations = 0
    while ready := spiff_ready_user_tasks(workflow):
        spiff_complete(workflow, ready[0].id)
        iterations += 1
    stuck = [t for t in workflow.tasks.values() if t.state == TaskState.READY]
    return {"iterations": iterations, "completed": workflow.is_completed(),
            "count": workflow.last_task.data.get("count") if workflow.last_task else None,
            "stuck": [(t.task_spec.name, t.depth) for t in stuck]}


def unlimited_spiff_depth() -> None:
    """Lift the task iterators' max_depth=1000 default, without which the loop stops at 250 iterations."""
    from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
    from SpiffWorkflow.util.task import TaskIterator
    TaskIterator.__init__.__defaults__ = (None, sys.maxsize, True, None)
    BpmnTaskIterator.__init__.__defaults__ = (None, sys.maxsize, True, False, None)


def spiff_loop(counts: Counts, folder: Path) -> Figures:
    """The timed loop, with max_depth lifted. Iterations outside the measured windows are not persisted
    (that would only lengthen the run: the measured steps serialize and write the whole workflow)."""
    figures = {"default": spiff_loop_default(counts)}
    unlimited_spiff_depth()
    store = SpiffStore(folder)
    workflow = spiff_start(spiff_spec("review_loop.bpmn", "review-loop"), {"count": 0, "limit": counts.loop})
    key = store.insert(workflow)
    half = counts.window // 2
    measured = {i for mark in counts.loop_marks for i in range(mark - half, mark + half + 1)}
    durations = []
    task = spiff_ready_user_tasks(workflow)[0]

    def complete_and_store() -> None:
        spiff_complete(workflow, task.id)
        store.update(key, workflow)
    for iteration in range(1, counts.loop + 1):
        if iteration in measured:
            durations.append(timed(complete_and_store))
        else:
            spiff_complete(workflow, task.id)
            durations.append(0.0)
        ready = spiff_ready_user_tasks(workflow, task)
        if iteration < counts.loop:
            task = ready[0]
    assert workflow.is_completed() and workflow.last_task.data["count"] == counts.loop
    figures["step"] = window_medians(durations, counts.loop_marks, counts.window)
    return figures


def spiff_inbox(counts: Counts, folder: Path) -> Figures:
    spec = spiff_spec("inbox_task.bpmn", "inbox-task")
    store = SpiffStore(folder)
    before = rss_bytes()
    seconds = timed(lambda: [store.insert(spiff_start(spec, {"n": n})) for n in range(counts.inbox)])
    grown = rss_bytes() - before

    def first_page() -> list[tuple[int, Any]]:
        """The inbox's first page: the ready user tasks in lane 'clerks' of the 50 newest waiting workflows."""
        page = [(key, task.id) for key, workflow in store.newest_waiting()
                for task in spiff_ready_user_tasks(workflow) if task.task_spec.lane == "clerks"]
        assert len(page) == 50, len(page)
        return page

    def complete(key: int, task_id: Any) -> None:
        workflow = store.load(key)
        spiff_complete(workflow, task_id, {"ok": True})
        store.update(key, workflow)

    listing = median_seconds(first_page, counts.repeats)
    page = iter(first_page())
    completing = median_seconds(lambda: complete(*next(page)), counts.repeats + 1, warm_up=1)
    task = next(page)
    tracemalloc.start()
    complete(*task)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rate": counts.inbox / seconds, "rss": grown, "peak": peak, "list": listing, "complete": completing}


def spiff_parse(counts: Counts, folder: Path) -> Figures:
    from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
    data = MIWG_B20.read_bytes()
    validator = BpmnValidator()  # the same BPMN 2.0 XSD our parser validates against

    def refused() -> str:
        parser = BpmnParser(validator=validator)
        try:
            parser.add_bpmn_str(data, MIWG_B20.name)
            parser.find_all_specs()
        except Exception as error:  # noqa: BLE001 - whatever Spiff raises is what it says
            return f"refused: {str(error).strip()}"
        return "parsed"
    refused()
    return {"parse": median_seconds(refused, counts.repeats), "parse_says": refused()}


SCENARIOS: dict[str, dict[str, Callable[[Counts, Path], Figures]]] = {
    "straight": {"ours": ours_straight, "spiff": spiff_straight},
    "loop": {"ours": ours_loop, "spiff": spiff_loop},
    "inbox": {"ours": ours_inbox, "spiff": spiff_inbox},
    "parse": {"ours": ours_parse, "spiff": spiff_parse},
}


# --- the report --------------------------------------------------------------------------------------


def run_scenario(scenario: str, engine: str, quick: bool) -> Figures:
    """Run one scenario on one engine in a fresh interpreter."""
    return run_child(__file__, [scenario, engine] + (["--quick"] if quick else []),
                     f"{scenario} on {ENGINE_NAMES[engine]}")


def ratio(ours: float, spiff: float, higher_is_better: bool) -> str:
    """How many times better bpmn-runtime is (>1) or worse (<1)."""
    if ours <= 0 or spiff <= 0:
        return "-"
    return f"{(ours / spiff if higher_is_better else spiff / ours):,.1f}x"


Row = tuple[str, str, str, str, str]


def row(scenario: str, figure: str, ours: float, spiff: float | None, unit: str,
        higher_is_better: bool | None = False) -> Row:
    """One line of the table; no ratio when `higher_is_better` is None or SpiffWorkflow has no figure."""
    compared = spiff is not None and higher_is_better is not None
    return (scenario, figure, shown(ours, unit), "-" if spiff is None else shown(spiff, unit),
            ratio(ours, spiff, bool(higher_is_better)) if compared and spiff is not None else "-")


HEADER = ("scenario", "figure", ENGINE_NAMES["ours"], ENGINE_NAMES["spiff"], "ratio")


def report(counts: Counts, results: dict[str, dict[str, Figures]]) -> str:
    straight, loop, inbox, parse = (results[s] for s in SCENARIOS)
    o, s = loop["ours"]["step"], loop["spiff"]["step"]
    marks = [str(mark) for mark in counts.loop_marks]
    rows = [row("1 straight-through", f"instances per second ({counts.straight:,}, best of {counts.rounds})",
                straight["ours"]["rate"], straight["spiff"]["rate"], "/s", True)]
    rows += [row("2 long history" if n == 0 else "", f"step (complete + persist) at iteration {int(mark):,}",
                 o[mark], s[mark], "ms") for n, mark in enumerate(marks)]
    rows.append(("", f"step at {int(marks[-1]):,} / step at {int(marks[0]):,}", f"{o[marks[-1]] / o[marks[0]]:.2f}",
                 f"{s[marks[-1]] / s[marks[0]]:.2f}", "-"))
    i, j = inbox["ours"], inbox["spiff"]
    p, q = parse["ours"], parse["spiff"]
    rows += [row("3 human workflow", f"instances started per second ({counts.inbox:,})", i["rate"], j["rate"], "/s",
                 True),
             row("", f"RSS growth while starting {counts.inbox:,}", i["rss"], j["rss"], "MiB", None),
             row("", "tracemalloc peak (complete one task)", i["peak"], j["peak"], "MiB"),
             row("", f"inbox first page, 50 of {counts.inbox:,} open", i["list"], j["list"], "ms"),
             row("", "complete one task", i["complete"], j["complete"], "ms"),
             row("4 parse B.2.0", "parse + validate until refused", p["parse"], q["parse"], "ms"),
             row("", "same, its processes marked executable", p["executable"], None, "ms")]
    default = loop["spiff"]["default"]
    stuck = ", ".join(f"{name} at depth {depth}" for name, depth in default["stuck"]) or "none"
    stopped = (f"stopped after {default['iterations']:,} of {counts.probe:,} iterations, silently: no exception,"
               f" is_completed() = {default['completed']}, count = {default['count']}")
    notes = [
        "ratio: how many times better bpmn-runtime is (higher rate, lower time or memory); below 1 it is worse.",
        f"1: each engine runs {counts.rounds} time(s), alternating, and its best run counts: other processes"
        f" share the machine. One start is one transaction: for bpmn-runtime the instance row and a history row"
        f" for every element activated and completed and every flow taken; for SpiffWorkflow the serialized"
        f" workflow.",
        f"2: SpiffWorkflow with its default settings {stopped}. Its task iterators (TaskIterator and"
        f" BpmnTaskIterator in SpiffWorkflow/util/task.py and bpmn/util/task.py)"
        f" default to max_depth=1000 and do not descend below that depth of the task tree. Every iteration adds 4"
        f" tasks to one branch (merge gateway, user task, script task, split gateway), so the READY task of the"
        f" next iteration ({stuck}) is never seen: do_engine_steps() does not run it, get_tasks(state=READY) does"
        f" not return it, and is_completed() finds no unfinished task. The timed SpiffWorkflow run lifts that"
        f" default (max_depth=sys.maxsize); it persists only in the measured windows (median of {counts.window}"
        f" steps around each mark), the iterations between them are run but not written.",
        "3: SpiffWorkflow has no task table, so its inbox's first page is: read the 50 newest waiting workflows"
        " (a status column the application keeps beside the JSON, indexed), deserialize each and take its READY"
        " user tasks in lane 'clerks' (the lane stands for bpmn-runtime's candidate group). That is the most"
        " favourable reading for it: it cannot count the open tasks, nor filter by user or group, without"
        " deserializing all of them. bpmn-runtime's figure is queries.tasks(user='alice', groups=['clerks'],"
        " limit=50), which also counts the matching tasks. Completing a task: load, complete, run to the next wait,"
        " save, commit (SpiffWorkflow: deserialize, run, serialize, write). tracemalloc peak: while completing one"
        " task with all the other instances waiting.",
        f"4: bpmn-runtime: {p['parse_says']}; deploy says: {p['deploy_says']}",
        f"   marked executable: {p['executable_says']}",
        f"   SpiffWorkflow (BpmnParser with BpmnValidator): {q['parse_says']}",
    ]
    return table(HEADER, rows) + "\n\n" + "\n".join(textwrap.fill(note, 110, subsequent_indent="   ") for note in notes)


def targets(results: dict[str, dict[str, Figures]], counts: Counts) -> list[Target]:
    straight, loop, inbox = results["straight"], results["loop"]["ours"]["step"], results["inbox"]["ours"]
    first, last = str(counts.loop_marks[0]), str(counts.loop_marks[-1])
    rate, spiff_rate = straight["ours"]["rate"], straight["spiff"]["rate"]
    times = rate / spiff_rate
    return [Target("1: at least 1,000 instances per second", f"{rate:,.0f} /s", rate >= 1000),
            Target("1: at least 5 times SpiffWorkflow", f"{times:.1f}x", times >= 5),
            Target("1 (stage 2): at least 10 times SpiffWorkflow in the same run", f"{times:.1f}x", times >= 10),
            Target(f"2: step at {int(last):,} within 1.5 times the step at {first}",
                   f"{loop[last] / loop[first]:.2f}x", loop[last] <= 1.5 * loop[first]),
            Target("3: inbox first page under 50 ms", shown(inbox["list"], "ms"), inbox["list"] < 0.05)]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="small counts, under a minute (CI smoke run)")
    arguments.add_argument("--child", nargs=2, metavar=("SCENARIO", "ENGINE"), help=argparse.SUPPRESS)
    options = arguments.parse_args()
    counts = QUICK if options.quick else FULL
    if options.child:
        scenario, engine = options.child
        with tempfile.TemporaryDirectory(prefix="bpmn-bench-") as folder:
            print(json.dumps(SCENARIOS[scenario][engine](counts, Path(folder))))
        return
    print(machine("quick" if options.quick else "full", counts) + "\n", flush=True)
    started = time.perf_counter()
    rounds = [{engine: run_scenario("straight", engine, options.quick) for engine in ENGINES}
              for _ in range(counts.rounds)]
    results = {"straight": {engine: max(rounds, key=lambda r: r[engine]["rate"])[engine] for engine in ENGINES}}
    results |= {scenario: {engine: run_scenario(scenario, engine, options.quick) for engine in ENGINES}
                for scenario in SCENARIOS if scenario != "straight"}
    print()
    end_report(report(counts, results), "", targets(results, counts), started)


if __name__ == "__main__":
    main()
