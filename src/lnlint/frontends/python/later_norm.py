"""Whether a norm applied after a stack, in one method, normalises the stack's output.

Line order is not enough: a pre-LN encoder's output that becomes a decoder's `memory` is not
normalised by the `ln_f` applied to the decoder's output, and a head built by a helper
(`self.head = self._make_head()`, an `nn.Sequential` starting with a LayerNorm) applied to
`encoded[:, -1, :]` is a final norm. So the stack's output is followed as a value: through
names it is assigned to, and through what keeps it the same residual stream (indexing,
slicing, pooling, reshaping, dropout, arithmetic), until a norm is applied to it.
"""

from __future__ import annotations

import ast
from typing import Callable, Iterator

# Methods of a tensor that keep it what it was, reshaped, pooled or picked from.
_KEEPING_METHODS = frozenset({
    "view", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze", "contiguous", "mean", "sum", "max",
    "amax", "min", "select", "narrow", "unflatten", "float", "half", "to", "type_as", "masked_fill", "clone",
})
# Functions (last part of the dotted name) that do the same, with the tensor first.
_KEEPING_FUNCTIONS = frozenset({
    "mean", "sum", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "reshape", "dropout",
    "avg_pool1d", "max_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "masked_fill",
})
_NORM_FUNCTIONS = frozenset({"layer_norm", "rms_norm", "group_norm"})

UNRECOGNISED = "unrecognised"


class Module:
    """What the method's `self.x` modules are, as the frontend knows them."""

    def __init__(
        self, self_name: str, is_norm: Callable[[str], bool], keeps_value: Callable[[str], bool],
        callee: Callable[[ast.expr], str | None],
    ) -> None:
        self.self_name = self_name
        self.is_norm = is_norm  # a norm, or a head whose first module is one
        self.keeps_value = keeps_value  # dropout, pooling, identity
        self.callee = callee  # the dotted name a call's function resolves to

    def self_attribute(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self.self_name:
            return node.attr
        return None


def norm_after(method: ast.FunctionDef | ast.AsyncFunctionDef, stack: str, module: Module) -> tuple[str, int] | str | None:
    """(the norm, its line) applied to the output of `self.<stack>` in `method`; None when
    the output is followed and no norm covers it; UNRECOGNISED when the method uses the
    stack in a way this does not follow (a caller falls back to line order)."""
    statements = list(_statements(method.body))
    for position, statement in enumerate(statements):
        stack_call = _stack_call(statement, stack, module)
        if stack_call is None:
            continue
        tracked: set[str] = set()
        derived_nodes = {id(stack_call)}
        if isinstance(statement, ast.For) and module.self_attribute(statement.iter) == stack:
            tracked |= _loop_outputs(statement)
            rest = statements[position + 1 + _nested_count(statement):]
        else:
            found = _norm_in(statement, tracked, derived_nodes, module)
            if found is not None:
                return found
            if isinstance(statement, ast.Assign) and _derived(statement.value, tracked, derived_nodes, module):
                tracked |= _names(statement.targets)
            elif isinstance(statement, ast.Return):
                return None  # returned as it is
            elif not isinstance(statement, (ast.Assign, ast.Expr)):
                return UNRECOGNISED
            rest = statements[position + 1:]
        for later in rest:
            found = _norm_in(later, tracked, set(), module)
            if found is not None:
                return found
            if isinstance(later, ast.Assign):
                names = _names(later.targets)
                if _derived(later.value, tracked, set(), module):
                    tracked |= names
                else:
                    tracked -= names
            if not tracked:
                return None
        return None
    return UNRECOGNISED


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements in source order, those of nested blocks after the block's own (not into
    nested functions or classes)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _statements(handler.body)


def _nested_count(statement: ast.stmt) -> int:
    return sum(1 for _ in _statements([statement])) - 1


def _stack_call(statement: ast.stmt, stack: str, module: Module) -> ast.AST | None:
    """The call `self.<stack>(...)` in the statement (or the loop over `self.<stack>`)."""
    if isinstance(statement, ast.For):
        return statement.iter if module.self_attribute(statement.iter) == stack else None
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.While, ast.With, ast.Try)):
        return None
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and module.self_attribute(node.func) == stack:
            return node
    return None


def _loop_outputs(loop: ast.For) -> set[str]:
    """`x` of `for block in self.blocks: x = block(x)`."""
    if not isinstance(loop.target, ast.Name):
        return set()
    outputs = set()
    for statement in _statements(loop.body):
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            function = statement.value.func
            if isinstance(function, ast.Name) and function.id == loop.target.id:
                outputs |= _names(statement.targets)
    return outputs


def _names(targets: list[ast.expr]) -> set[str]:
    names = set()
    for target in targets:
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            names.add(target.elts[0].id)  # `out, weights = ...`: the output comes first
    return names


def _derived(node: ast.expr, tracked: set[str], nodes: set[int], module: Module) -> bool:
    """Whether `node` is the stack's output, or that output indexed, sliced, pooled,
    reshaped, dropped out or combined by arithmetic."""
    if id(node) in nodes:
        return True
    if isinstance(node, ast.Name):
        return node.id in tracked
    if isinstance(node, (ast.Subscript, ast.Attribute)):
        return _derived(node.value, tracked, nodes, module)
    if isinstance(node, ast.BinOp):
        return _derived(node.left, tracked, nodes, module) or _derived(node.right, tracked, nodes, module)
    if isinstance(node, ast.Tuple) and node.elts:
        return _derived(node.elts[0], tracked, nodes, module)
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in _KEEPING_METHODS and _derived(function.value, tracked, nodes, module):
            return True
        first = node.args[0] if node.args else None
        if first is None or not _derived(first, tracked, nodes, module):
            return False
        attribute = module.self_attribute(function)
        if attribute is not None:
            return module.keeps_value(attribute)
        name = module.callee(function)
        return name is not None and name.rpartition(".")[2] in _KEEPING_FUNCTIONS
    return False


def _norm_in(statement: ast.stmt, tracked: set[str], nodes: set[int], module: Module) -> tuple[str, int] | None:
    """A norm the statement applies to the tracked output (or to what derives from it)."""
    for node in ast.walk(statement):
        if not (isinstance(node, ast.Call) and node.args and _derived(node.args[0], tracked, nodes, module)):
            continue
        attribute = module.self_attribute(node.func)
        if attribute is not None and module.is_norm(attribute):
            return f"self.{attribute}", node.lineno
        name = module.callee(node.func)
        if name is not None and name.rpartition(".")[2] in _NORM_FUNCTIONS:
            return name, node.lineno
    return None
