"""Handlers for the supervision tests. With DIE_IN_CHILD set, a supervised worker process dies as soon as
it loads them (the parent, which loads them too, lives)."""
from __future__ import annotations

import multiprocessing
import os

from bpmn_runtime import handler
from bpmn_runtime.handlers import JobContext

if os.environ.get("DIE_IN_CHILD") and multiprocessing.parent_process() is not None:
    os._exit(7)


@handler("work")
def work(job: JobContext) -> dict[str, bool]:
    return {"done": True}
