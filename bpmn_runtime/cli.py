"""The `bpmn-runtime` command: a thin shell over the runtime, with `--json` where a program reads the output.

Only click (and json) is imported up front: the runtime (SQLAlchemy, the parser), the web app (Flask),
Prometheus, logging and even the engine's error classes are imported by the commands that use them, so
`--help` and a mistyped command answer at once.
"""
from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from bpmn_runtime.tracing_setup import EXPORTERS

# logs.FORMATS, written out so that `--help` need not import logging (tests/cli checks that they agree).
LOG_FORMATS = ("text", "json")

if TYPE_CHECKING:
    from bpmn_runtime.accounts import Accounts
    from bpmn_runtime.runtime import Runtime
    from bpmn_runtime.runtime.migration import MigrationPlan
    from bpmn_runtime.runtime.task_rules import Actor


def _os_user() -> str:
    import getpass
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return "unknown"


def _command_line(context: click.Context) -> "Actor":
    """Who acts from the command line: "the command line", trusted like a program (whoever can open the database
    may do anything), or with `--as NAME` that account, with its role, groups and process permissions; the audit
    trail records the OS user either way."""
    from bpmn_runtime.runtime.task_rules import Actor
    lazy, via = _lazy(context), f"command line (OS user {_os_user()})"
    if lazy.as_user is None:
        return Actor.program("the command line", via=via)
    account = _accounts(context).get(lazy.as_user)
    return Actor.person(account.name, account.groups, account.role, via=via)




def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the runtime's errors into a plain message and exit code 1 (2 for a refused file)."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Exception as error:
            from bpmn_runtime.errors import BpmnRuntimeError, DeploymentError
            if not isinstance(error, BpmnRuntimeError):
                raise
            click.echo(f"error: {error}", err=True)
            sys.exit(2 if isinstance(error, DeploymentError) else 1)
    return wrapper


def _variables(assignments: tuple[str, ...], json_file: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if json_file:
        from pathlib import Path
        try:
            loaded = json.loads(Path(json_file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise click.BadParameter(f"cannot read variables from {json_file}: {error}", param_hint="--json-vars")
        if not isinstance(loaded, dict):
            raise click.BadParameter(f"{json_file} must hold a JSON object", param_hint="--json-vars")
        values.update(loaded)
    from bpmn_runtime.runtime.variables import parse_assignment
    for assignment in assignments:
        name, value = parse_assignment(assignment)
        values[name] = value
    return values



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="BPMN_RUNTIME_DB", default=None, metavar="URL_OR_PATH",
              help="Database: a SQLite file path or an SQLAlchemy URL (default: bpmn-runtime.db here; "
                   "env BPMN_RUNTIME_DB).")
@click.option("--python-scripts", is_flag=True, envvar="BPMN_RUNTIME_PYTHON_SCRIPTS",
              help="Run script tasks in scriptFormat python as full Python (only for models you trust; "
                   "env BPMN_RUNTIME_PYTHON_SCRIPTS=1).")
@click.option("--as", "as_user", envvar="BPMN_RUNTIME_AS", metavar="NAME",
              help="Act as the account NAME, with its role, groups and process permissions (recorded in the audit "
                   "trail with your OS user; env BPMN_RUNTIME_AS). Without it the command line acts as your OS "
                   "user and may do everything.")
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does (--log-level info).")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              envvar="BPMN_RUNTIME_LOG_FORMAT",
              help="text, or json: one JSON object a line with the ids as fields (env BPMN_RUNTIME_LOG_FORMAT).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
              envvar="BPMN_RUNTIME_LOG_LEVEL",
              help="debug adds every step and handler inputs and outputs, sensitive values redacted "
                   "(default: warning; info for -v and worker; env BPMN_RUNTIME_LOG_LEVEL).")
@click.option("--tracing", type=click.Choice(EXPORTERS), default="off", show_default=True,
              envvar="BPMN_RUNTIME_TRACING",
              help="OpenTelemetry traces (the [otel] extra): otlp sends them where OTEL_EXPORTER_OTLP_ENDPOINT says "
                   "(default http://localhost:4318), console prints them (env BPMN_RUNTIME_TRACING).")
@click.pass_context
def main(context: click.Context, db: str | None, python_scripts: bool, as_user: str | None, verbose: bool,
         log_format: str, log_level: str | None, tracing: str) -> None:
    """bpmn-runtime: run BPMN 2.0 processes drawn in Camunda Modeler or bpmn.io."""
    import logging

    from bpmn_runtime import logs
    level = logging.getLevelName(log_level.upper()) if log_level else logging.INFO if verbose else logging.WARNING
    logs.configure(log_format, level)
    context.obj = _LazyRuntime(db, python_scripts, tracing, as_user)


class _LazyRuntime:
    """Opens the database only for commands that need it (so `--help` works anywhere)."""

    def __init__(self, db: str | None, python_scripts: bool = False, tracing: str = "off",
                 as_user: str | None = None) -> None:
        self.db = db
        self.python_scripts = python_scripts
        self.tracing = tracing
        self.as_user = as_user
        self._runtime: Runtime | None = None

    def get(self) -> Runtime:
        if self._runtime is None:
            from bpmn_runtime.runtime import Runtime
            from bpmn_runtime.tracing_setup import install_tracing
            install_tracing(self.tracing)
            self._runtime = Runtime(self.db, python_scripts=self.python_scripts, tracing=self.tracing != "off")
        return self._runtime


def _lazy(context: click.Context) -> _LazyRuntime:
    found = context.find_object(_LazyRuntime)
    assert found is not None, "`main` makes it before any command runs"
    return found


def runtime_from(context: click.Context) -> Runtime:
    return _lazy(context).get()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def deploy(context: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Deploy .bpmn, .dmn and .form files (and SpiffArena's JSON-schema forms, .json); .bpmn files are deployed
    together (they may import one another),
    forms and decisions first (processes link to them; a .dmn file that imports another model comes after it).
    A changed file becomes a new version, an identical one is left as it is, and no .bpmn file is deployed
    when any of them is refused."""
    runtime = runtime_from(context)
    results = []
    for deployed in runtime.deploy(list(files), actor=_command_line(context)):
        results.append(deployed.to_json())
        if not as_json:
            state = "deployed" if deployed.new else "unchanged"
            what = f"form {deployed.key}" if deployed.kind == "form" else deployed.key
            click.echo(f"{state}: {what} version {deployed.version} from {deployed.file_name}")
    if as_json:
        _print_json(results)


@main.command()
@click.argument("key")
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE",
              help="A variable; VALUE is read as JSON when it is JSON (42, true, \"text\"), else as text.")
@click.option("--json-vars", type=click.Path(dir_okay=False), help="A JSON file with an object of variables.")
@click.option("--business-key", help="Your own key for the instance, e.g. an order number.")
@click.option("--request-key", help="Idempotency key: repeating the start with it returns the first instance.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def start(context: click.Context, key: str, assignments: tuple[str, ...], json_vars: str | None,
          business_key: str | None, request_key: str | None, as_json: bool) -> None:
    """Start an instance of the newest version of process KEY."""
    runtime = runtime_from(context)
    actor = _command_line(context)
    instance_id = runtime.start(key, _variables(assignments, json_vars), business_key=business_key,
                                request_key=request_key, actor=actor)
    detail = runtime.queries.instance(instance_id)
    if as_json:
        _print_json({"id": instance_id, "status": detail.summary.status,
                     "waiting_at": [t.to_json() for t in detail.tokens]})
        return
    click.echo(f"started instance {instance_id} of {key} (status: {detail.summary.status})")
    for token in detail.tokens:
        click.echo(f"  waiting at {token.element_name or token.element_id} for {token.waiting_for}")


@main.command()
@click.option("--process", help="Only instances of this process key.")
@click.option("--status", type=click.Choice(["active", "completed", "terminated", "failed", "cancelled"]))
@click.option("--business-key", help="Only instances whose business key contains this text.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def instances(context: click.Context, process: str | None, status: str | None, business_key: str | None,
              limit: int, as_json: bool) -> None:
    """List process instances, newest first."""
    rows, total = runtime_from(context).queries.instances(process=process, status=status, business_key=business_key,
                                                          limit=limit, count_limit=None, actor=_command_line(context))
    if as_json:
        _print_json({"total": total, "instances": [r.to_json() for r in rows]})
        return
    if not rows:
        click.echo("no instances")
        return
    click.echo(f"{'ID':>6}  {'PROCESS':<24} {'VER':>3}  {'STATUS':<10} {'BUSINESS KEY':<16} INCIDENTS")
    for r in rows:
        click.echo(f"{r.id:>6}  {r.process_key:<24} {r.version:>3}  {r.status:<10} {r.business_key or '-':<16} "
                   f"{r.open_incidents or ''}")
    if total > len(rows):
        click.echo(f"({total - len(rows)} more; use --limit)")


@main.command()
@click.argument("instance_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def instance(context: click.Context, instance_id: int, as_json: bool) -> None:
    """Show an instance: its state, where its tokens wait, its variables and history."""
    detail = runtime_from(context).queries.instance(instance_id, actor=_command_line(context))
    if as_json:
        _print_json(detail.to_json())
        return
    s = detail.summary
    click.echo(f"instance {s.id} of {s.process_key} version {s.version}  business key: {s.business_key or '-'}")
    click.echo(f"status: {s.status}" + (" (suspended)" if s.suspended else "")
               + (f" ({detail.end_reason})" if detail.end_reason else ""))
    if detail.tokens:
        click.echo("waiting:")
        for token in detail.tokens:
            click.echo(f"  {token.element_name or token.element_id} ({token.element_id}, activity instance "
                       f"{token.activity_instance}) for {token.waiting_for}")
    for task in detail.tasks:
        click.echo(f"task {task.id}: {task.name} (assignee: {task.assignee or '-'}, "
                   f"groups: {', '.join(task.candidate_groups) or '-'})")
    for incident in detail.incidents:
        if incident.resolved_at is None:
            click.echo(f"incident {incident.id} at {incident.element_id}: {incident.message}")
    click.echo("variables:")
    for name, value in sorted(detail.variables.items()):
        click.echo(f"  {name} = {json.dumps(value)}")
    if detail.compensations:
        click.echo("compensation (each handler, for the completed activity instance it undoes):")
        for run in detail.compensations:
            click.echo(f"  {run.started_at:%Y-%m-%d %H:%M:%S}  {run.handler_id} for {run.activity_id} "
                       f"(activity instance {run.activity_instance}): {run.result}")
    click.echo("history:")
    for entry in detail.history:
        if entry.kind not in ("flow_taken",):
            click.echo(f"  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.kind:<20} {entry.element_id or ''}"
                       f"{_decision_detail(entry.data) if entry.kind == 'decision_evaluated' else ''}")


def _decision_detail(data: dict[str, Any] | None) -> str:
    """What a decision_evaluated history entry says: the decision, its version, the rules that matched."""
    from bpmn_runtime.dmn.results import matches_text

    data = data or {}
    matched = matches_text(data.get("matched") or [])
    return (f"  decision '{data.get('name')}' v{data.get('version')}: {json.dumps(data.get('result'))}"
            f"{'  (' + matched + ')' if matched else ''}")


@main.command()
@click.argument("decision")
@click.option("--version", type=int, help="This version instead of the newest.")
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE",
              help="An input; VALUE is read as JSON when it is JSON (42, true, \"text\"), else as text.")
@click.option("--json-vars", type=click.Path(dir_okay=False), help="A JSON file with an object of inputs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def decide(context: click.Context, decision: str, version: int | None, assignments: tuple[str, ...],
           json_vars: str | None, as_json: bool) -> None:
    """Evaluate deployed decision DECISION (its id) with inputs, as a business rule task would."""
    from bpmn_runtime.dmn.results import matches_text

    outcome = runtime_from(context).decide(decision, _variables(assignments, json_vars), version=version)
    if as_json:
        _print_json(outcome.to_json())
        return
    click.echo(f"{outcome.name} ({outcome.key}) version {outcome.version}: {json.dumps(outcome.result)}")
    matched = matches_text(outcome.matched)
    if matched:
        click.echo(f"  matched: {matched}")
    for note in outcome.notes:
        click.echo(f"  null because: {note}")


@main.command()
@click.option("--user", help="Only tasks assigned to this user or offered to them.")
@click.option("--group", "groups", multiple=True, help="Also tasks offered to this group (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def tasks(context: click.Context, user: str | None, groups: tuple[str, ...], as_json: bool) -> None:
    """List open user tasks."""
    rows, total = runtime_from(context).queries.tasks(user=user, groups=list(groups),
                                                      everyone=user is None and not groups, limit=200,
                                                      count_limit=None)
    if as_json:
        _print_json({"total": total, "tasks": [r.to_json() for r in rows]})
        return
    if not rows:
        click.echo("no open tasks")
        return
    click.echo(f"{'ID':>6}  {'INSTANCE':>8}  {'TASK':<28} {'ASSIGNEE':<12} GROUPS")
    for r in rows:
        click.echo(f"{r.id:>6}  {r.instance_id:>8}  {r.name:<28} {r.assignee or '-':<12} "
                   f"{', '.join(r.candidate_groups) or '-'}")


@main.command()
@click.argument("task_id", type=int)
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE", help="A form value or variable.")
@click.option("--json-vars", type=click.Path(dir_okay=False), help="A JSON file with an object of variables.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def complete(context: click.Context, task_id: int, assignments: tuple[str, ...], json_vars: str | None,
             as_json: bool) -> None:
    """Complete user task TASK_ID with the given values (checked against its form)."""
    runtime = runtime_from(context)
    task = runtime.queries.task(task_id)
    runtime.complete_task(task_id, _variables(assignments, json_vars), actor=_command_line(context))
    detail = runtime.queries.instance(task.instance_id)
    if as_json:
        _print_json({"task": task_id, "instance": task.instance_id, "status": detail.summary.status})
        return
    click.echo(f"completed task {task_id} ({task.name}); instance {task.instance_id} is {detail.summary.status}")


LEASE_OPTION = click.option(
    "--lease", "lease_seconds", default=60.0, show_default=True, envvar="BPMN_RUNTIME_LEASE",
    type=click.FloatRange(1, 24 * 3600),
    help="Seconds a job stays locked to its worker between two heartbeats: a dead worker's jobs wait this "
         "long to be run again; a worker cut off from the database this long loses its jobs "
         "(env BPMN_RUNTIME_LEASE).")


@main.command()
@click.argument("task_id", type=int)
@click.argument("user")
@click.pass_context
@friendly_errors
def assign(context: click.Context, task_id: int, user: str) -> None:
    """Give user task TASK_ID to USER, whoever holds it now."""
    runtime = runtime_from(context)
    runtime.assign(task_id, user, actor=_command_line(context))
    click.echo(f"task {task_id} ({runtime.queries.task(task_id).name}) is assigned to {user}")


@main.command()
@click.argument("task_id", type=int)
@click.pass_context
@friendly_errors
def release(context: click.Context, task_id: int) -> None:
    """Release user task TASK_ID: it goes back to the assignee the model gives it, else to its candidates."""
    runtime = runtime_from(context)
    assignee = runtime.unclaim(task_id, actor=_command_line(context))
    click.echo(f"task {task_id} is back with {assignee}" if assignee else
               f"task {task_id} is offered to its candidates again")


@main.command()
@click.option("--handlers", "sources", multiple=True, metavar="MODULE_OR_FILE",
              help="A module name, .py file or folder of handler files (repeatable; default: ./processes).")
@click.option("--until-idle", is_flag=True, help="Stop when no job or timer is due instead of polling forever.")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes to run (they share the database; use PostgreSQL for more than one).")
@LEASE_OPTION
@click.option("--restart-limit", default=5, show_default=True, type=click.IntRange(1, 1000),
              help="With --concurrency above 1: quick deaths in a row of one worker process after which the "
                   "parent stops them all and exits with code 3.")
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics of this worker on this port.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with --until-idle).")
@click.pass_context
@friendly_errors
def worker(context: click.Context, sources: tuple[str, ...], until_idle: bool, concurrency: int,
           lease_seconds: float, restart_limit: int, metrics_port: int | None, as_json: bool) -> None:
    """Run service-task handlers for due jobs, and fire due timers. SIGTERM stops gracefully.

    With --concurrency above 1 the command supervises its worker processes: a process that dies is
    replaced and logged; exit code 0 after SIGTERM or Ctrl+C, 3 when a process kept dying."""
    from bpmn_runtime.handlers import load_handlers
    from bpmn_runtime.worker import Worker, run_worker_processes, serve_worker
    registry = load_handlers(sources)
    if not until_idle:
        _log_at_least_info()
        click.echo(f"{concurrency} worker process(es) running handlers for: {', '.join(registry.topics) or '(none)'}; "
                   f"Ctrl+C or SIGTERM stops them after their current job")
        settings = _lazy(context)
        if metrics_port:
            from prometheus_client import start_http_server
            start_http_server(metrics_port, registry=runtime_from(context).metrics.registry)
            click.echo(f"metrics at http://localhost:{metrics_port}/metrics")
        if concurrency == 1:
            runtime_from(context)  # migrate the database before the worker starts
            serve_worker(settings.db, sources, lease_seconds=lease_seconds, python_scripts=settings.python_scripts,
                         tracing=settings.tracing)
        else:
            code = run_worker_processes(settings.db, sources, concurrency, lease_seconds=lease_seconds,
                                        python_scripts=settings.python_scripts, restart_limit=restart_limit,
                                        tracing=settings.tracing)
            if code:
                click.echo("stopped: a worker process kept dying (see the log above)", err=True)
                sys.exit(code)
        click.echo("stopped")
        return
    done = Worker(runtime_from(context), registry, lease_seconds=lease_seconds).run_until_idle()
    if as_json:
        _print_json({"done": done, "topics": registry.topics})
    else:
        click.echo(f"worker ran {done} job(s) and timer(s); nothing more is due")


def _log_at_least_info() -> None:
    """A long-running command says what it does: INFO unless a finer level was asked for."""
    import logging

    from bpmn_runtime import logs
    log_format, level, sensitive = logs.settings()
    if level > logging.INFO:
        logs.configure(log_format, logging.INFO, sensitive)


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Also resolved incidents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def incidents(context: click.Context, show_all: bool, as_json: bool) -> None:
    """List incidents: failures that wait for an operator."""
    rows = runtime_from(context).queries.incidents(open_only=not show_all, actor=_command_line(context))
    if as_json:
        _print_json([r.to_json() for r in rows])
        return
    if not rows:
        click.echo("no open incidents")
    for r in rows:
        state = "resolved" if r.resolved_at else "open"
        click.echo(f"incident {r.id} ({state}) instance {r.instance_id} at {r.element_id}: {r.message}")


@main.command()
@click.argument("incident_id", type=int)
@click.option("--retries", default=1, show_default=True, help="How many more tries a failed job gets.")
@click.pass_context
@friendly_errors
def retry(context: click.Context, incident_id: int, retries: int) -> None:
    """Retry an incident (a worker then runs the job again)."""
    runtime_from(context).retry_incident(incident_id, retries, actor=_command_line(context))
    click.echo(f"incident {incident_id} retried")


@main.command("set-variables")
@click.argument("instance_id", type=int)
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE",
              help="A variable; VALUE is read as JSON when it is JSON (42, true, \"text\"), else as text.")
@click.option("--json-vars", type=click.Path(dir_okay=False), help="A JSON file with an object of variables.")
@click.pass_context
@friendly_errors
def set_variables(context: click.Context, instance_id: int, assignments: tuple[str, ...],
                  json_vars: str | None) -> None:
    """Set process variables of a running instance, e.g. to fix the data an incident failed on before retrying it."""
    values = _variables(assignments, json_vars)
    if not values:
        raise click.UsageError("give at least one --var NAME=VALUE or --json-vars FILE")
    runtime_from(context).set_variables(instance_id, values, actor=_command_line(context))
    click.echo(f"instance {instance_id}: set {', '.join(sorted(values))}")


@main.command()
@click.argument("instance_id", type=int)
@click.option("--reason", default="cancelled from the command line", show_default=True)
@click.pass_context
@friendly_errors
def cancel(context: click.Context, instance_id: int, reason: str) -> None:
    """Cancel a running instance."""
    runtime_from(context).cancel(instance_id, reason, actor=_command_line(context))
    click.echo(f"instance {instance_id} cancelled")


@main.command()
@click.argument("instance_id", type=int)
@click.option("--cancel", "cancels", multiple=True, metavar="ELEMENT", help="Cancel every token at this element.")
@click.option("--cancel-activity-instance", "cancel_ais", multiple=True, type=int, metavar="ID",
              help="Cancel this one activity instance (its id is in `bpmn-runtime instance`).")
@click.option("--start-before", "befores", multiple=True, metavar="ELEMENT", help="Start a token before this element.")
@click.option("--start-after", "afters", multiple=True, metavar="ELEMENT",
              help="Start a token on the single outgoing sequence flow of this element.")
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE",
              help="A process variable to set first; VALUE is read as JSON when it is JSON, else as text.")
@click.option("--local-var", "local_assignments", multiple=True, metavar="ELEMENT:NAME=VALUE",
              help="A variable local to the scope the token started (--start-before/--start-after) at ELEMENT "
                   "creates; VALUE as for --var.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def modify(context: click.Context, instance_id: int, cancels: tuple[str, ...], cancel_ais: tuple[int, ...],
           befores: tuple[str, ...], afters: tuple[str, ...], assignments: tuple[str, ...],
           local_assignments: tuple[str, ...], as_json: bool) -> None:
    """Change where a running instance's tokens are, as Camunda's process instance modification does: the
    process variables are set, the cancellations run, then the starts (each with its local variables), in the
    order given, all in one transaction."""
    from bpmn_runtime.engine.modification import Instruction
    local: dict[str, dict[str, Any]] = {}
    for assignment in local_assignments:
        element, sep, rest = assignment.partition(":")
        if not sep or not element.strip() or element.strip() not in befores + afters:
            raise click.BadParameter(f"write ELEMENT:NAME=VALUE, ELEMENT being one given with --start-before or "
                                     f"--start-after, not '{assignment}'", param_hint="--local-var")
        local.setdefault(element.strip(), {}).update(_variables((rest,), None))
    instructions = [*(Instruction("cancel", element) for element in cancels),
                    *(Instruction("cancel", activity_instance=ai) for ai in cancel_ais),
                    *(Instruction("start_before", element, variables=local.get(element, {})) for element in befores),
                    *(Instruction("start_after", element, variables=local.get(element, {})) for element in afters)]
    if not instructions:
        raise click.UsageError("give at least one --cancel, --cancel-activity-instance, --start-before or "
                               "--start-after")
    runtime = runtime_from(context)
    done = runtime.modify(instance_id, instructions, _variables(assignments, None), actor=_command_line(context))
    detail = runtime.queries.instance(instance_id)
    if as_json:
        _print_json({"done": done, "status": detail.summary.status, "waitingAt": [t.element_id for t in detail.tokens]})
        return
    for line in done:
        click.echo(f"instance {instance_id}: {line}")
    click.echo(f"instance {instance_id} is {detail.summary.status}" + (
        f", waiting at {', '.join(t.element_id for t in detail.tokens)}" if detail.tokens else ""))


@main.command()
@click.argument("instance_ids", nargs=-1, required=True, type=int, metavar="INSTANCE...")
@click.option("--to-version", required=True, type=click.IntRange(1), help="The version of their process to move to.")
@click.option("--map", "pairs", multiple=True, metavar="OLD_ID=NEW_ID",
              help="Move what is at OLD_ID to NEW_ID of the new version (default: the element of the same id).")
@click.option("--dry-run", is_flag=True, help="Only check, and say what would happen to each instance.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Instances migrated per transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def migrate(context: click.Context, instance_ids: tuple[int, ...], to_version: int, pairs: tuple[str, ...],
            dry_run: bool, batch: int, as_json: bool) -> None:
    """Migrate running instances to another version of their process, as Camunda's migration does. Every
    instance is checked first; if one cannot be migrated, nothing is (exit 1, as for a dry run that finds so)."""
    from bpmn_runtime.runtime.migration import MigrationRefused, parse_mapping
    runtime = runtime_from(context)

    def progress(done: int, total: int) -> None:
        if not as_json:
            click.echo(f"migrated {done} of {total}")
    try:
        plans = runtime.migrate(list(instance_ids), to_version, parse_mapping(pairs), dry_run=dry_run, batch=batch,
                                progress=progress, actor=_command_line(context))
    except MigrationRefused as refused:
        plans = refused.plans
        if as_json:
            _print_json({"migrated": False, "instances": [p.to_json() for p in plans]})
        else:
            _print_plans(plans, "nothing was migrated")
        sys.exit(1)
    if as_json:
        _print_json({"migrated": not dry_run, "instances": [p.to_json() for p in plans]})
    elif dry_run:
        _print_plans(plans, "dry run: nothing was changed")
        if any(p.problems for p in plans):
            sys.exit(1)
    else:
        left = [p for p in plans if p.problems or p.left_as_is]
        moved = [p for p in plans if p.from_version != p.to_version and p not in left]
        for plan in left:
            click.echo(f"instance {plan.instance_id} was not migrated: "
                       f"{'; '.join(plan.problems or [plan.left_as_is or ''])}")
        ran = len(plans) - len(moved) - len(left)
        click.echo(f"{len(moved)} instance(s) migrated to version {to_version}" +
                   (f"; {ran} ran it already" if ran else ""))
        if left:
            sys.exit(1)


def _print_plans(plans: "list[MigrationPlan]", outcome: str) -> None:
    """What a migration would do (or why it cannot), instance by instance."""
    for plan in plans:
        verdict = "cannot be migrated" if plan.problems else "can be migrated"
        click.echo(f"instance {plan.instance_id} ({plan.process_key} version {plan.from_version} to "
                   f"{plan.to_version}) {verdict}:")
        for line in plan.problems or ([plan.left_as_is] if plan.left_as_is else plan.moves):
            click.echo(f"  {line}")
    click.echo(outcome)


def _suspension(context: click.Context, instance_ids: tuple[int, ...], process: str | None, version: int | None,
                suspended: bool) -> None:
    """Suspend or resume instances, or a process version with its running instances, and say what changed."""
    verb = "suspended" if suspended else "resumed"
    if bool(instance_ids) == bool(process):
        raise click.UsageError("give either instance ids or --process KEY")
    if version is not None and not process:
        raise click.UsageError("--version goes with --process")
    runtime = runtime_from(context)
    if process:
        number, changed = runtime.suspend_version(process, version, suspended=suspended,
                                                   actor=_command_line(context))
        click.echo(f"{process} version {number} {verb}" + (f", with instance(s) {', '.join(map(str, changed))}"
                                                            if changed else "; no running instance changed"))
        return
    changed = runtime.suspend(list(instance_ids), suspended=suspended, actor=_command_line(context))
    unchanged = [i for i in instance_ids if i not in changed]
    if changed:
        click.echo(f"instance(s) {', '.join(map(str, changed))} {verb}")
    if unchanged:
        click.echo(f"instance(s) {', '.join(map(str, unchanged))} already {verb}")


def _suspension_command(suspended: bool, summary: str) -> Callable[..., None]:
    @click.argument("instance_ids", nargs=-1, type=int, metavar="[INSTANCE]...")
    @click.option("--process", metavar="KEY", help="A whole process version and its running instances.")
    @click.option("--version", type=click.IntRange(1), help="With --process: this version (default: the newest).")
    @click.pass_context
    @friendly_errors
    def command(context: click.Context, instance_ids: tuple[int, ...], process: str | None,
                version: int | None) -> None:
        _suspension(context, instance_ids, process, version, suspended)
    command.__doc__ = summary
    return command


main.command("suspend")(_suspension_command(
    True, "Suspend instances (and the instances they called), or a process version with --process: no job, timer, "
          "task or message of theirs moves, and a suspended version starts no instance."))
main.command("resume")(_suspension_command(
    False, "Resume suspended instances, or a process version with --process: what fell due meanwhile goes on."))


@main.command()
@click.option("--default-days", type=click.IntRange(0, 365_000), envvar="BPMN_RUNTIME_HISTORY_DAYS",
              help="Days to keep ended instances of processes whose model sets no camunda:historyTimeToLive "
                   "(default: keep them; env BPMN_RUNTIME_HISTORY_DAYS).")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="Instances removed per transaction.")
@click.pass_context
@friendly_errors
def cleanup(context: click.Context, default_days: int | None, batch: int) -> None:
    """Remove ended instances, with their history, once their process's time to live has passed."""
    removed = runtime_from(context).clean_up_history(default_days=default_days, batch=batch)
    click.echo(f"removed {removed} ended instance(s) past their time to live")


@main.command()
@click.argument("name")
@click.option("--correlation-key", help="Deliver only to the instance waiting with this key.")
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE")
@click.option("--ttl", help="Publish as Zeebe does: keep the message this long (ISO 8601 duration such as PT1H, or "
                            "seconds; 0: not at all) for an instance that comes to wait for it later.")
@click.option("--message-id", help="With --ttl: publish a message with this id only once while it lives.")
@click.pass_context
@friendly_errors
def message(context: click.Context, name: str, correlation_key: str | None, assignments: tuple[str, ...],
            ttl: str | None, message_id: str | None) -> None:
    """Send message NAME to the instance waiting for it (or start a process that starts with it)."""
    runtime, variables = runtime_from(context), _variables(assignments, None)
    if ttl is None:
        if message_id is not None:
            raise click.UsageError("--message-id needs --ttl: only a published message has an id")
        instance_id = runtime.correlate_message(name, correlation_key, variables, actor=_command_line(context))
        click.echo(f"message {name} delivered to instance {instance_id}")
        return
    published = runtime.publish_message(name, correlation_key, variables, ttl=float(ttl) if _is_number(ttl) else ttl,
                                        message_id=message_id, actor=_command_line(context))
    if published.instance_id is not None:
        click.echo(f"message {name} delivered to instance {published.instance_id}")
    elif published.buffered:
        click.echo(f"message {name} buffered for {ttl}: no instance waits for it yet")
    else:
        click.echo(f"message {name} published; no instance waits for it, and with no time to live it was not kept")


@main.command("buffered-messages")
@click.option("--name", help="Only the messages of this name.")
@click.option("--discard", "discard_id", type=int, help="Remove this buffered message: no instance takes it.")
@click.pass_context
@friendly_errors
def buffered_messages(context: click.Context, name: str | None, discard_id: int | None) -> None:
    """List the messages published with a time to live that wait in the buffer (or discard one)."""
    runtime = runtime_from(context)
    if discard_id is not None:
        runtime.discard_buffered_message(discard_id, actor=_command_line(context))
        click.echo(f"buffered message {discard_id} discarded")
        return
    rows = runtime.buffered_messages(name)
    if not rows:
        click.echo("no buffered messages")
    for r in rows:
        key = f" key {r.correlation_key!r}" if r.correlation_key is not None else ""
        held = f", delivered to instance {r.delivered_to} (its id stays taken)" if r.delivered_to else ""
        click.echo(f"buffered message {r.id}: {r.name}{key}{' id ' + repr(r.message_id) if r.message_id else ''} "
                   f"until {r.expires_at.isoformat()}{held}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@main.command()
@click.argument("name")
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE")
@click.pass_context
@friendly_errors
def signal(context: click.Context, name: str, assignments: tuple[str, ...]) -> None:
    """Broadcast signal NAME to every instance waiting for it."""
    count = runtime_from(context).broadcast_signal(name, _variables(assignments, None), actor=_command_line(context))
    click.echo(f"signal {name} reached {count} instance(s)")


@main.command()
@click.option("--stalled-after", default=3600.0, show_default=True, help="Seconds without progress that make "
              "an instance stalled (instances waiting for people or future timers are never stalled).")
@click.option("--lease-expiries", default=3, show_default=True, help="Lost leases that make a job suspicious.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def watchdog(context: click.Context, stalled_after: float, lease_expiries: int, as_json: bool) -> None:
    """Flag instances that stopped making progress and jobs whose workers keep dying."""
    from datetime import timedelta

    from bpmn_runtime.runtime.watchdog import check
    stalled, jobs = check(runtime_from(context), stalled_after=timedelta(seconds=stalled_after),
                          max_expired_leases=lease_expiries)
    if as_json:
        _print_json({"stalled_instances": [s.to_json() for s in stalled], "restless_jobs": [j.to_json() for j in jobs]})
        return
    if not stalled and not jobs:
        click.echo("all good: no stalled instance, no job that keeps losing its worker")
    for item in stalled:
        click.echo(f"instance {item.instance_id} ({item.process_key}, business key {item.business_key or '-'}) "
                   f"has made no progress for {item.idle_seconds:.0f} s; it waits for {item.waiting_for}")
    for job in jobs:
        click.echo(f"job {job.job_id} ({job.topic}) of instance {job.instance_id} lost its worker "
                   f"{job.expired_leases} times")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--handlers", "sources", multiple=True, metavar="MODULE_OR_FILE",
              help="Handlers for the worker thread (repeatable; default: ./processes).")
@click.option("--secure-cookies/--no-secure-cookies", default=None, envvar="BPMN_RUNTIME_SECURE_COOKIES",
              help="Send the session cookie over HTTPS only (default: on unless --host is a loopback address; "
                   "env BPMN_RUNTIME_SECURE_COOKIES=1/0).")
@click.option("--trusted-proxy", envvar="BPMN_RUNTIME_TRUSTED_PROXY", metavar="ADDRESS",
              help="The address of your reverse proxy: take the client's address and scheme from its "
                   "X-Forwarded-For and X-Forwarded-Proto headers (env BPMN_RUNTIME_TRUSTED_PROXY).")
@LEASE_OPTION
@click.pass_context
@friendly_errors
def serve(context: click.Context, host: str, port: int, sources: tuple[str, ...], secure_cookies: bool | None,
          trusted_proxy: str | None, lease_seconds: float) -> None:
    """Run the web inbox, console and API with a worker, after deploying every .bpmn file in ./processes.

    Session lifetimes come from BPMN_RUNTIME_SESSION_HOURS (12) and BPMN_RUNTIME_SESSION_IDLE_MINUTES (60);
    /metrics wants the bearer token in BPMN_RUNTIME_METRICS_TOKEN (`open`: none), and without it is open on
    a loopback --host only.
    """
    from bpmn_runtime.handlers import DEFAULT_FOLDER, load_handlers
    from bpmn_runtime.web.serve import serve as run
    from bpmn_runtime.web.settings import for_server
    settings = for_server(host, secure_cookies=secure_cookies)
    run(runtime_from(context), load_handlers(sources), host=host, port=port, folder=DEFAULT_FOLDER, say=click.echo,
        settings=settings, trusted_proxy=trusted_proxy, lease_seconds=lease_seconds)


@main.group()
def user() -> None:
    """Manage the accounts of the inbox, console and API."""


def _accounts(context: click.Context) -> Accounts:
    from bpmn_runtime.accounts import Accounts
    return Accounts(runtime_from(context).database)


def _password(given: str | None) -> tuple[str, bool]:
    """The password given, else one typed at a terminal, else a generated one (True: print it)."""
    if given is not None:
        return given, False
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True), False
    from bpmn_runtime.accounts import new_password
    return new_password(), True


@user.command("add")
@click.argument("name")
@click.option("--group", "groups", multiple=True, help="A group that tasks can be offered to (repeatable).")
@click.option("--role", type=click.Choice(["admin", "operator", "user"]), default="user", show_default=True,
              help="user: works on tasks; operator: also deploys, starts, cancels, retries; admin: all of it.")
@click.option("--password", help="The password (default: asked for at a terminal, otherwise generated and printed).")
@click.pass_context
@friendly_errors
def user_add(context: click.Context, name: str, groups: tuple[str, ...], role: str, password: str | None) -> None:
    """Add a person (or a program) who can log in."""
    password, generated = _password(password)
    account = _accounts(context).add(name, password, role=role, groups=groups, actor=_command_line(context))
    click.echo(f"added {account.role} {account.name}" +
               (f" in group(s) {', '.join(account.groups)}" if account.groups else ""))
    if generated:
        click.echo(f"password: {password}")


@user.command("password")
@click.argument("name")
@click.option("--password", help="The new password (default: asked for at a terminal, otherwise generated).")
@click.pass_context
@friendly_errors
def user_password(context: click.Context, name: str, password: str | None) -> None:
    """Set a new password for NAME; it also logs NAME out everywhere."""
    password, generated = _password(password)
    _accounts(context).set_password(name, password, actor=_command_line(context))
    click.echo(f"password of {name} changed; their sessions are ended" + (f": {password}" if generated else ""))


@user.command("disable")
@click.argument("name")
@click.pass_context
@friendly_errors
def user_disable(context: click.Context, name: str) -> None:
    """Stop NAME from logging in or using their API token, and end their sessions now (`user enable` undoes it)."""
    _accounts(context).disable(name, actor=_command_line(context))
    click.echo(f"{name} is disabled: logged out everywhere, and their API token is refused")


@user.command("enable")
@click.argument("name")
@click.pass_context
@friendly_errors
def user_enable(context: click.Context, name: str) -> None:
    """Let a disabled NAME log in and use their API token again."""
    _accounts(context).enable(name, actor=_command_line(context))
    click.echo(f"{name} is enabled")


@user.command("remove")
@click.argument("name")
@click.pass_context
@friendly_errors
def user_remove(context: click.Context, name: str) -> None:
    """Delete the account NAME for good (tasks assigned to NAME stay assigned; release them in the console)."""
    _accounts(context).remove(name, actor=_command_line(context))
    click.echo(f"{name} is removed")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def user_list(context: click.Context, as_json: bool) -> None:
    """List the accounts with their roles, groups and whether they are disabled."""
    accounts = _accounts(context).all()
    if as_json:
        _print_json([{"name": a.name, "role": a.role, "groups": list(a.groups), "active": a.active}
                     for a in accounts])
        return
    if not accounts:
        click.echo("no users yet; `bpmn-runtime serve` creates an administrator on its first start")
    for account in accounts:
        click.echo(f"{account.name:<20} {account.role:<9} {', '.join(account.groups) or '-'}"
                   + ("" if account.active else "  (disabled)"))


@user.command("token")
@click.argument("name")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="The token fetches and acts on external tasks of this topic only (repeatable); without it, "
                   "an operator's token takes any topic and a user's none.")
@click.pass_context
@friendly_errors
def user_token(context: click.Context, name: str, topics: tuple[str, ...]) -> None:
    """Print a new API token for NAME (it replaces the previous one); send it as 'Authorization: Bearer TOKEN'."""
    click.echo(_accounts(context).new_token(name, topics=topics or None, actor=_command_line(context)))


# --- audit trail, permissions, encryption keys -----------------------------------------------------

@main.command()
@click.option("--instance", "instance_id", type=int, help="Only entries about this instance.")
@click.option("--user", help="Only what this person or program did.")
@click.option("--since", help="Only entries from this time on: a date, a date and time (UTC unless it has an "
                              "offset), or an age such as 30m, 12h, 7d.")
@click.option("--process", help="Only entries about this process.")
@click.option("--action", help="Only this action (start, complete, cancel, account, ...).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def audit(context: click.Context, instance_id: int | None, user: str | None, since: str | None,
          process: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """Show the audit trail, newest first: who did what, when, to which process, instance and task."""
    from bpmn_runtime.runtime.audit import parse_since
    runtime = runtime_from(context)
    moment = parse_since(since, runtime.clock.now()) if since else None
    rows, total = runtime.queries.audit(instance_id=instance_id, user=user, since=moment, process=process,
                                        action=action, limit=limit, actor=_command_line(context))
    if as_json:
        _print_json({"total": total, "entries": [r.to_json() for r in rows]})
        return
    if not rows:
        click.echo("no audit entries")
    for r in rows:
        about = " ".join(part for part in (r.process_key or "", f"instance {r.instance_id}" if r.instance_id else "",
                                           f"task {r.task_id}" if r.task_id else "") if part)
        click.echo(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.actor} ({r.via})  {r.action}  {about}"
                   + (f"  {json.dumps(r.detail, default=str)}" if r.detail else ""))
    if total > len(rows):
        click.echo(f"({total - len(rows)} more; use --limit or narrow the filters)")


@main.group()
def permission() -> None:
    """Who may start a process, see its instances and operate on them (administrators and the command line)."""


@permission.command("list")
@click.argument("process", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@friendly_errors
def permission_list(context: click.Context, process: str | None, as_json: bool) -> None:
    """List the grants: from models (candidate starters) and from administrators, which replace the model's."""
    grants = runtime_from(context).queries.grants(process)
    if as_json:
        _print_json([g._asdict() for g in grants])
        return
    if not grants:
        click.echo("no grants: operators may start, see and operate on every process, administrators too")
    for g in grants:
        click.echo(f"{g.process_key:<24} {g.kind:<8} {g.principal_type} {g.principal}  ({g.source})")


def _grant_arguments(command: Callable[..., None]) -> Callable[..., None]:
    """PROCESS KIND --group ... --user ...: the arguments of `permission grant` and `permission revoke`."""
    for decorate in (click.pass_context, click.option("--user", "users", multiple=True, help="A user (repeatable)."),
                     click.option("--group", "groups", multiple=True, help="A group (repeatable)."),
                     click.argument("kind", type=click.Choice(["start", "view", "operate"])),
                     click.argument("process")):
        command = decorate(command)
    return command


def _change_grants(context: click.Context, verb: str, process: str, kind: str, groups: tuple[str, ...],
                   users: tuple[str, ...]) -> None:
    if not groups and not users:
        raise click.UsageError("name at least one --group or --user")
    runtime, actor = runtime_from(context), _command_line(context)
    change = runtime.grant if verb == "grant" else runtime.revoke
    for principal_type, names in (("group", groups), ("user", users)):
        for name in names:
            changed = change(process, kind, principal_type, name, actor=actor)
            done = {"grant": "granted", "revoke": "revoked"}[verb] if changed else "unchanged"
            click.echo(f"{done}: {kind} {process} for {principal_type} {name}")


@permission.command("grant")
@_grant_arguments
@friendly_errors
def permission_grant(context: click.Context, process: str, kind: str, groups: tuple[str, ...],
                     users: tuple[str, ...]) -> None:
    """Let groups or users start PROCESS, see its instances or operate on them (KIND: start, view, operate).
    An administrator's start grants replace those the model names; view and operate are for operators."""
    _change_grants(context, "grant", process, kind, groups, users)


@permission.command("revoke")
@_grant_arguments
@friendly_errors
def permission_revoke(context: click.Context, process: str, kind: str, groups: tuple[str, ...],
                      users: tuple[str, ...]) -> None:
    """Take back an administrator's grant (the model's candidate starters change with a new version)."""
    _change_grants(context, "revoke", process, kind, groups, users)


@main.command("new-key")
def new_key() -> None:
    """Print a new encryption key. Set BPMN_RUNTIME_ENCRYPTION_KEY to it (or put it in the file named by
    BPMN_RUNTIME_ENCRYPTION_KEY_FILE) and variables, form values, history payloads and audit details are
    stored encrypted; see the README before you lose it."""
    from bpmn_runtime.store.encryption import key_id, new_key as make, parse_key
    key = make()
    click.echo(key)
    click.echo(f"key id {key_id(parse_key(key))}: keep it safe; without it the data it seals cannot be read",
               err=True)


@main.command("rotate-key")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="Values sealed again per transaction.")
@click.pass_context
@friendly_errors
def rotate_key(context: click.Context, batch: int) -> None:
    """Seal every stored value again with the current key (BPMN_RUNTIME_ENCRYPTION_KEY), opening old ones with
    BPMN_RUNTIME_ENCRYPTION_OLD_KEYS; the engine keeps running meanwhile."""
    from bpmn_runtime.runtime.rotation import rotate
    done = rotate(runtime_from(context), batch=batch, actor=_command_line(context))
    click.echo(f"sealed with key {done.key_id}: " + ", ".join(f"{n} {table}" for table, n in done.resealed.items()))
    if done.left:
        click.echo(f"{done.left} value(s) were changed by a node that still seals with an old key; give every node "
                   f"the new key, then run rotate-key again", err=True)
        sys.exit(1)
