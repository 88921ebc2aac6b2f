"""DMN functions as FEEL function values: business knowledge models, boxed function definitions and
decision services, callable from FEEL (`Loan Payment(rate, term, amount)`) and from invocations."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bpmn_runtime.dmn.evaluation import Run
from bpmn_runtime.dmn.types import ANY, DmnType
from bpmn_runtime.feel import FeelBudgetError, FeelFunction, Scope
from bpmn_runtime.feel.scope import Env, State

Body = Callable[[dict[str, Any], Run], Any]  # the arguments by parameter name -> the result


class DmnFunction(FeelFunction):
    """A function whose parameters have declared types: an argument is converted to its parameter's type
    (DMN 10.3.2.9.4), and one that cannot be gives null for the whole call, with a note saying which."""

    def __init__(self, name: str, parameters: Sequence[tuple[str, DmnType]], body: Body, run: Run,
                 result_type: DmnType = ANY) -> None:
        self.name = name
        self.parameters = tuple(parameters)
        self.body = body
        self.run = run
        self.result_type = result_type

    def accepts(self, count: int) -> bool:
        return count <= len(self.parameters)

    def invoke(self, env: Env, positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> Any:
        state = env.state
        state.tick()
        names = [name for name, _ in self.parameters]
        run = self.run
        if named is not None:
            unknown = [name for name in named if name not in names]
            if unknown:
                run.note(f"'{self.name}' has no parameter named '{unknown[0]}'")
                return None
            given = [named.get(name) for name in names]
        else:
            given = list(positional or ())
            if len(given) > len(names):
                run.note(f"'{self.name}' takes {len(names)} arguments, not {len(given)}")
                return None
            given += [None] * (len(names) - len(given))
        arguments: dict[str, Any] = {}
        for (name, declared), value in zip(self.parameters, given):
            converted = declared.coerce(value, run.notes, f"the argument '{name}' of '{self.name}'")
            if converted is None and value is not None:
                return None
            arguments[name] = converted
        state.depth += 1
        try:
            if state.depth > state.budget.depth:
                raise FeelBudgetError(f"function calls nested more than {state.budget.depth} deep")
            result = self.body(arguments, run)
        finally:
            state.depth -= 1
        return self.result_type.coerce(result, run.notes, f"the result of '{self.name}'")

    def call_with(self, run: Run, named: Mapping[str, Any]) -> Any:
        """Invoke with arguments by name, outside any FEEL expression (a boxed invocation of this function)."""
        return self.invoke(calling_env(run), None, named)


def calling_env(run: Run) -> Env:
    """An evaluation state for calling a FEEL function value from outside FEEL text."""
    return State(Scope({}), run.budget, run.notes, run.now)
