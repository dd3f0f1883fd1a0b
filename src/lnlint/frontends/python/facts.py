"""What the Python frontend needs from a module besides scopes, gathered in the same single
walk: calls, values named by a key (for stabilisers), list repetitions, scaled residuals, and
the `self.x` reads of each class (for norms applied after a stack)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from lnlint.frontends.python.positions import SourceLines
from lnlint.frontends.python.scopes import ClassInfo, ModuleScopes, Scope, ScopeWalker, children


@dataclass(frozen=True)
class SelfUse:
    """`self.attr` read inside a method at `line`; `statement_end` is the last line of the
    method's top-level statement that contains it, `wraps` the self attributes inside a
    call's arguments."""

    method: str
    attr: str
    line: int
    statement_end: int
    wraps: frozenset[str]


@dataclass
class ModuleIndex(ModuleScopes):
    """Scopes, bindings and the nodes later passes need, from one traversal."""

    calls: list[tuple[ast.Call, Scope]] = field(default_factory=list)
    list_repeats: list[tuple[ast.BinOp, Scope]] = field(default_factory=list)
    # (keyword or target name, value node, scope, line): for mitigation facts.
    named_values: list[tuple[str, ast.expr, Scope, int]] = field(default_factory=list)
    scaled_residuals: list[ast.BinOp] = field(default_factory=list)  # `x * alpha + f(x)`
    # References to `self.x` per class (by id), in source order, for "normalised later": read
    # when first asked for (only a class that holds a stack is).
    self_uses: dict[int, list[SelfUse]] = field(default_factory=dict)

    # the positions in `calls` of each scope's own calls, and the scopes nested in each
    # (both by the scope's id), made when a scope's calls are first asked for
    _calls_of: dict[int, list[int]] | None = field(default=None, repr=False)
    _nested: dict[int, list[Scope]] | None = field(default=None, repr=False)

    def self_uses_of(self, cls: ClassInfo) -> list[SelfUse]:
        if id(cls) not in self.self_uses:
            self.self_uses[id(cls)] = _self_uses(self, cls)
        return self.self_uses[id(cls)]

    def calls_under(self, scope: Scope) -> list[tuple[ast.Call, Scope]]:
        """The calls in `scope` and in the scopes nested in it, in source order."""
        if self._calls_of is None or self._nested is None:
            self._calls_of, self._nested = {}, {}
            seen: set[int] = set()
            for position, (_, inner) in enumerate(self.calls):
                self._calls_of.setdefault(id(inner), []).append(position)
                current: Scope | None = inner
                while current is not None and id(current) not in seen:
                    seen.add(id(current))
                    if current.parent is not None:
                        self._nested.setdefault(id(current.parent), []).append(current)
                    current = current.parent
        positions: list[int] = []
        todo = [scope]
        while todo:
            current = todo.pop()
            positions.extend(self._calls_of.get(id(current), ()))
            todo.extend(self._nested.get(id(current), ()))
        return [self.calls[position] for position in sorted(positions)]


class _FactWalker(ScopeWalker):
    index: ModuleIndex

    def assigned(self, name: str, value: ast.expr, line: int) -> None:
        self.index.named_values.append((name, value, self.scope, line))

    # --- nodes for later passes ------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.index.calls.append((node, self.scope))
        for keyword in node.keywords:
            if keyword.arg is not None:
                self.index.named_values.append((keyword.arg, keyword.value, self.scope, keyword.lineno))

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.index.named_values.append((key.value, value, self.scope, key.lineno))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mult):
            if any(isinstance(s, ast.List) and len(s.elts) == 1 for s in (node.left, node.right)):
                self.index.list_repeats.append((node, self.scope))
        elif isinstance(node.op, ast.Add):
            for side in (node.left, node.right):
                if isinstance(side, ast.BinOp) and isinstance(side.op, ast.Mult):
                    names = {_last_identifier(side.left).lower(), _last_identifier(side.right).lower()}
                    if any("alpha" in n or "omega" in n for n in names):
                        self.index.scaled_residuals.append(node)
                        return


def _last_identifier(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _self_uses(index: ModuleIndex, cls: ClassInfo) -> list[SelfUse]:
    """The `self.x` reads in the methods of `cls` (not in functions or comprehensions nested
    in them), in source order: a call of `self.x` first, with the self attributes in its
    arguments, then each read inside it. `statement_end` is the last line of the method's
    top-level statement holding the read."""
    methods = [scope for scope in index.function_scopes.values() if scope.cls is cls and scope.kind == "function"]
    methods.sort(key=lambda scope: (scope.node.lineno, scope.node.col_offset))  # type: ignore[union-attr]
    found: list[SelfUse] = []
    for method in methods:
        self_name = method.self_name
        todo: list[tuple[ast.AST, ast.stmt | None]] = [(child, None) for child in reversed(list(children(method.node)))]  # type: ignore[arg-type]
        while todo:
            node, top = todo.pop()
            if top is None and isinstance(node, ast.stmt):
                top = node
            reads: list[tuple[ast.Attribute, frozenset[str]]] = []
            if isinstance(node, ast.Call) and _is_self_attribute(node.func, self_name):
                arguments = [*node.args, *(k.value for k in node.keywords)]
                reads.append((node.func, frozenset(n.attr for arg in arguments for n in _self_attributes(arg, self_name))))  # type: ignore[arg-type]
            elif _is_self_attribute(node, self_name):
                reads.append((node, frozenset()))  # type: ignore[arg-type]
            for read, wraps in reads:
                end = top.end_lineno if top is not None and top.end_lineno else read.lineno
                found.append(SelfUse(method.name, read.attr, read.lineno, end, wraps))
            if not isinstance(node, _NESTED_SCOPES):
                todo.extend((child, top) for child in reversed(list(children(node))))
    return found


def _is_self_attribute(node: ast.AST, self_name: str | None) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name


def _self_attributes(node: ast.AST, self_name: str | None) -> list[ast.Attribute]:
    """`self.x` anywhere inside `node`."""
    found: list[ast.Attribute] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Attribute) and isinstance(current.value, ast.Name) and current.value.id == self_name:
            found.append(current)
        stack.extend(children(current))
    return found


def index_module(tree: ast.Module, text: str) -> ModuleIndex:
    """Scopes, bindings and the nodes of interest of a module's tree."""
    index = ModuleIndex(tree, Scope("module", None, "<module>", node=tree), SourceLines(text))
    walker = _FactWalker(index)
    walker.walk(tree)
    walker.done()
    return index
