"""What the Python frontend needs from a module besides scopes, gathered in the same single
walk: calls, values named by a key (for stabilisers), list repetitions, scaled residuals, and
the `self.x` reads of each class (for norms applied after a stack)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst

from lnlint.frontends.python.positions import Anchor, Positions
from lnlint.frontends.python.scopes import ClassInfo, ModuleScopes, Scope, ScopeWalker, child_fields, walked


@dataclass(frozen=True)
class SelfUse:
    """`self.attr` read inside a method; `statement` is the method's top-level statement
    that contains it, `wraps` the self attributes inside a call's arguments."""

    method: str
    attr: str
    at: Anchor
    statement: Anchor
    wraps: frozenset[str]

    @property
    def line(self) -> int:
        return self.at.line

    @property
    def statement_end(self) -> int:
        return self.statement.end_line


@dataclass
class ModuleIndex(ModuleScopes):
    """Scopes, bindings and the nodes later passes need, from one traversal."""

    calls: list[tuple[cst.Call, Scope]] = field(default_factory=list)
    list_repeats: list[tuple[cst.CSTNode, Scope]] = field(default_factory=list)
    # (keyword or target name, value node, scope, where): for mitigation facts.
    named_values: list[tuple[str, cst.BaseExpression, Scope, Anchor]] = field(default_factory=list)
    scaled_residuals: list[Anchor] = field(default_factory=list)  # `x * alpha + f(x)`
    # References to `self.x` per class (by id), in source order, for "normalised later".
    self_uses: dict[int, list[SelfUse]] = field(default_factory=dict)

    def self_uses_of(self, cls: ClassInfo) -> list[SelfUse]:
        return self.self_uses.get(id(cls), [])


class _FactWalker(ScopeWalker):
    index: ModuleIndex

    def assigned(self, name: str, value: cst.BaseExpression, at: Anchor) -> None:
        self.index.named_values.append((name, value, self.scope, at))

    # --- nodes for later passes ------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.index.calls.append((node, self.scope))
        for arg in node.args:
            if arg.keyword is not None:
                self.index.named_values.append((arg.keyword.value, arg.value, self.scope, self._anchor(arg)))
        cls = self.scope.cls
        if cls is not None and self.scope.kind == "function" and self._is_self_attr(node.func):
            wraps = frozenset(
                n.attr.value
                for arg in node.args
                for n in _self_attributes(arg.value, self.scope.self_name)
            )
            self._record_self_use(node.func, wraps)  # type: ignore[arg-type]

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self.scope.cls is not None and self.scope.kind == "function" and self._is_self_attr(node):
            self._record_self_use(node, frozenset())

    def _is_self_attr(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == self.scope.self_name
        )

    def _record_self_use(self, node: cst.Attribute, wraps: frozenset[str]) -> None:
        assert self.scope.cls is not None
        self.index.self_uses.setdefault(id(self.scope.cls), []).append(
            SelfUse(self.scope.name, node.attr.value, self._anchor(node), self._anchor(self._top_statement[-1]), wraps)  # type: ignore[arg-type]
        )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if isinstance(node.key, cst.SimpleString):
            key = node.key.evaluated_value
            if isinstance(key, str):
                self.index.named_values.append((key, node.value, self.scope, self._anchor(node)))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Multiply):
            sides = (node.left, node.right)
            if any(isinstance(s, cst.List) and len(s.elements) == 1 for s in sides):
                self.index.list_repeats.append((node, self.scope))
        elif isinstance(node.operator, cst.Add):
            for side in (node.left, node.right):
                if isinstance(side, cst.BinaryOperation) and isinstance(side.operator, cst.Multiply):
                    names = {_last_identifier(side.left).lower(), _last_identifier(side.right).lower()}
                    if any("alpha" in n or "omega" in n for n in names):
                        self.index.scaled_residuals.append(self._anchor(node))
                        return



def _last_identifier(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def _self_attributes(node: cst.CSTNode, self_name: str | None) -> list[cst.Attribute]:
    """`self.x` anywhere inside `node` (the walker's field walk, without handlers)."""
    found: list[cst.Attribute] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and current.value.value == self_name:
            found.append(current)
        for name in child_fields(type(current)):
            value = getattr(current, name)
            if type(value) is tuple or type(value) is list:
                stack.extend(item for item in value if walked(type(item)))
            elif walked(type(value)):
                stack.append(value)
    return found


def index_module(module: cst.Module, tree: ast.Module | None) -> ModuleIndex:
    """Scopes, bindings and the nodes of interest of `module`; `tree` is CPython's parse of
    the same source (None when CPython could not parse it), used to place statements."""
    index = ModuleIndex(module, Scope("module", None, "<module>", node=module), Positions(module, tree))
    _FactWalker(index).walk(module)
    return index
