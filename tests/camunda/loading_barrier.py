"""The barrier that handler files loaded by two threads at once wait at (set by the test that loads them)."""
from __future__ import annotations

import threading

BARRIER = threading.Barrier(2)
