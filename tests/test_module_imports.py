"""Every top-level module and subpackage imports on its own, first, in a clean interpreter: a circular import shows
up only when the cycle is entered from one particular module (as `bpmn-runtime watchdog` entered it from the
watchdog module, which the command line imports only when that command runs), so each is imported with no other
module of the package loaded. (A module inside a subpackage is entered through its package's `__init__`.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bpmn_runtime

_IMPORT_EACH = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "bpmn_runtime" or m.startswith("bpmn_runtime.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def test_every_module_imports_first_without_a_cycle() -> None:
    root = Path(bpmn_runtime.__file__).parent
    names = sorted({f"bpmn_runtime.{path.relative_to(root).parts[0].removesuffix('.py')}"
                    for path in root.glob("*") if path.suffix == ".py" or (path / "__init__.py").exists()}
                   - {"bpmn_runtime.__init__"})
    assert "bpmn_runtime.cli" in names and "bpmn_runtime.runtime" in names
    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *names], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
