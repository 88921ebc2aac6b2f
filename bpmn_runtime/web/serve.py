"""`bpmn-runtime serve`: the web app on waitress, a worker thread, the ./processes folder deployed, and a
first administrator, so one command gives a newcomer a working installation."""
from __future__ import annotations

import hashlib
import os
import signal
import threading
from pathlib import Path
from typing import Callable

from waitress import create_server  # type: ignore[attr-defined,unused-ignore]  # some waitress releases hide it from type checkers

from bpmn_runtime.accounts import Accounts, new_password
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from bpmn_runtime.web import create_app
from bpmn_runtime.web.settings import WebSettings

Say = Callable[[str], None]
CLEANUP_MINUTES = 60.0  # how often `serve` removes ended instances past their time to live


def deploy_folder(runtime: Runtime, folder: Path, say: Say) -> None:
    """Deploy every .form, .dmn and .bpmn file of `folder` (forms and decisions first: processes link to them)
    whose content matches no deployed version; a refused one is reported.

    A file equal to an older version is not deployed again: a process uploaded through the console since
    then stays the newest, instead of a restart rolling it back. A .dmn file refused is tried again after the
    others, since it may import one of them.
    """
    pending = sorted(folder.glob("*.form")) + sorted(folder.glob("*.dmn"))
    while pending:
        refused = [(path, error) for path in pending if (error := _deploy(runtime, path, say)) is not None]
        if len(refused) == len(pending):
            for _, error in refused:
                say(f"not deployed: {error}")
            break
        pending = [path for path, _ in refused]
    for path in sorted(folder.glob("*.bpmn")):
        error = _deploy(runtime, path, say)
        if error is not None:
            say(f"not deployed: {error}")


def _deploy(runtime: Runtime, path: Path, say: Say) -> DeploymentError | None:
    """Deploy `path` unless a deployed version has its content; the refusal, if it was refused."""
    try:
        matching = runtime.queries.versions_of_content(hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError as unreadable:
        say(f"not deployed: {path}: {unreadable.strerror or unreadable}")
        return None
    if matching:
        for found in matching:
            if found["version"] == found["newest"]:
                say(f"unchanged: {found['key']} version {found['version']} from {path}")
            else:
                say(f"kept: {found['key']} version {found['newest']} stays the newest; {path} is the same "
                    f"as version {found['version']}, so it was not deployed again")
        return None
    try:
        for deployed in runtime.deploy(path):
            state = "deployed" if deployed.new else "unchanged"
            what = f"form {deployed.key}" if deployed.kind == "form" else deployed.key
            say(f"{state}: {what} version {deployed.version} from {path}")
    except DeploymentError as refused:
        return refused
    return None


def clean_up_history_every(runtime: Runtime, minutes: float, stopping: threading.Event, say: Say) -> None:
    """The scheduled history cleanup of `serve`: every `minutes`, remove the ended instances past their time
    to live (default days from BPMN_RUNTIME_HISTORY_DAYS), in batches, until told to stop."""
    default = os.environ.get("BPMN_RUNTIME_HISTORY_DAYS", "").strip()
    default_days = int(default) if default.isdigit() else None
    while not stopping.wait(minutes * 60):
        try:
            removed = runtime.clean_up_history(default_days=default_days)
        except Exception as error:  # the next round tries again; the server goes on
            say(f"history cleanup failed: {error}")
            continue
        if removed:
            say(f"history cleanup: removed {removed} ended instance(s) past their time to live")


def first_administrator(accounts: Accounts, url: str, say: Say) -> None:
    """With no account yet, make an administrator (from BPMN_RUNTIME_ADMIN_USER/_PASSWORD, or `admin` with a
    random password) and say how to log in."""
    if accounts.count():
        return
    name = os.environ.get("BPMN_RUNTIME_ADMIN_USER") or "admin"
    given = os.environ.get("BPMN_RUNTIME_ADMIN_PASSWORD")
    password = given or new_password()
    accounts.add(name, password, role="admin")
    if given:
        say(f"created administrator '{name}' with the password in BPMN_RUNTIME_ADMIN_PASSWORD")
    else:
        say(f"created administrator '{name}' with password {password} (shown only this once)")
    say(f"log in at {url} as {name}; add people with `bpmn-runtime user add NAME --group GROUP`")


def serve(runtime: Runtime, registry: HandlerRegistry, *, host: str, port: int, folder: Path, say: Say,
          settings: WebSettings, trusted_proxy: str | None = None, threads: int = 16,
          lease_seconds: float = 60.0) -> None:
    """Run until Ctrl+C or SIGTERM, then stop taking requests, let the worker finish its job, and close.

    Waitress reads a whole request body before the app sees it, so it is told the largest the app takes.
    Behind a reverse proxy at `trusted_proxy`, the client's address (which failed logins are counted by)
    and scheme come from the proxy's X-Forwarded-For and X-Forwarded-Proto headers. `lease_seconds` is the
    worker's lease: how long its jobs wait when it dies (see `worker`). `threads` answer requests: twice
    as many as the keep-alive connections of a busy client or proxy (8, say), since a thread still finishing
    one request (closing it, logging) is not free for the next one its connection already sent; with one
    thread per connection such requests queue (waitress warns "Task queue depth") and wait, raising p99.
    """
    deploy_folder(runtime, folder, say)
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
             "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
             "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    server = create_server(create_app(runtime, settings=settings), host=host, port=port, threads=threads,
                           ident="bpmn-runtime", max_request_body_size=settings.deploy_limit, **proxy)
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0', '::') else host}:{_port(server)}/"
    first_administrator(Accounts(runtime.database), url, say)
    say(_access(settings))
    worker = Worker(runtime, registry, lease_seconds=lease_seconds)
    thread = threading.Thread(target=worker.run_forever, name="bpmn-worker", daemon=True)
    thread.start()
    threading.Thread(target=clean_up_history_every, args=(runtime, CLEANUP_MINUTES, worker.stopping, say),
                     name="bpmn-history-cleanup", daemon=True).start()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    say(f"serving {url} (worker for: {', '.join(registry.topics) or 'no topics'}); press Ctrl+C to stop")
    try:
        server.run()  # returns on KeyboardInterrupt, which SIGTERM raises too
    finally:
        signal.signal(signal.SIGTERM, previous)
        say("stopping: finishing the current job")
        worker.stopping.set()
        thread.join(timeout=60)
        server.close()
        runtime.close()
        say("stopped")


def _access(settings: WebSettings) -> str:
    """What a person must know about the protections in force: cookies over HTTPS only, who reads /metrics."""
    cookies = "session cookies are sent over HTTPS only (--no-secure-cookies to allow plain HTTP)" \
        if settings.secure_cookies else "session cookies are also sent over plain HTTP"
    metrics = "/metrics answers nobody until BPMN_RUNTIME_METRICS_TOKEN is set" if settings.metrics_closed else \
        "/metrics wants the token in BPMN_RUNTIME_METRICS_TOKEN" if settings.metrics_token else "/metrics is open"
    return f"{cookies}; {metrics}"


def _port(server: object) -> int:
    """The port listened on (the one the system chose for port 0); a name with several addresses has a list."""
    listen = getattr(server, "effective_listen", None)
    port: int = listen[0][1] if listen else getattr(server, "effective_port")
    return port


def _interrupt(_number: int, _frame: object) -> None:
    raise KeyboardInterrupt
