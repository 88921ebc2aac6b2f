"""The built-in functions, by name: DMN 1.5 10.3.4 and the Camunda 8 (feel-scala) extensions models use."""
from __future__ import annotations

from bpmn_runtime.feel.builtins import booleans, contexts, conversion, dates, lists, numeric, ranges, strings
from bpmn_runtime.feel.functions import BuiltinFunction

BUILTINS: dict[str, BuiltinFunction] = {
    function.name: function
    for module in (booleans, contexts, conversion, dates, lists, numeric, ranges, strings)
    for function in module.FUNCTIONS
}
