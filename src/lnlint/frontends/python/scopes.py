"""Scopes and bindings of a module, and the walker that finds them.

Python's scoping is followed closely enough for constructor arguments: module, class,
function, lambda and comprehension scopes; class bodies are not visible from methods;
function defaults are evaluated in the enclosing scope. Anything bound in a way this
module does not follow (loop targets, unpacking, augmented assignment, `global`) is an
`other` binding, which later resolves to Unknown rather than to a guess.

The tree is CPython's `ast` (built in C, and with positions on every node): libcst's
concrete tree is kept for edits, not for reading.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterator, Literal, Union

from lnlint.frontends.python.positions import SourceLines

BindingKind = Literal["import", "assign", "unpack", "param", "class", "function", "other"]
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


@dataclass(eq=False)
class Binding:
    kind: BindingKind
    line: int  # of the statement (or parameter) that binds the name
    scope: "Scope"  # where `node` is evaluated
    node: ast.AST | None = None  # assigned value, parameter default, or ClassDef
    qualname: str | None = None  # for imports: what the name refers to
    star: bool = False  # for params: *args / **kwargs
    index: int | None = None  # for "unpack": the position in the unpacked value


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: ast.ClassDef
    scope: "Scope"  # the scope the class statement is in
    methods: dict[str, "Scope"] = field(default_factory=dict)
    # `self.x = value` in any method, keyed by attribute name.
    self_attrs: dict[str, list[Binding]] = field(default_factory=dict)
    body: "Scope | None" = None  # the class body's own scope


@dataclass(eq=False)
class Scope:
    kind: Literal["module", "class", "function", "comprehension"]
    parent: "Scope | None"
    name: str = ""
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    cls: ClassInfo | None = None  # for a class body; for a method, the class it belongs to
    self_name: str | None = None  # a method's first parameter
    star_imports: list[str] = field(default_factory=list)
    node: ast.AST | None = None

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


def positional_params(function: FunctionNode) -> list[ast.arg]:
    return [*function.args.posonlyargs, *function.args.args]


def parameters(function: FunctionNode) -> Iterator[tuple[ast.arg, ast.expr | None]]:
    """(parameter, default) for every named parameter, positional ones first."""
    positional = positional_params(function)
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(function.args.defaults))
    yield from zip(positional, [*defaults, *function.args.defaults])
    yield from zip(function.args.kwonlyargs, function.args.kw_defaults)


def _names_in_target(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _names_in_target(element)]
    if isinstance(target, ast.Starred):
        return _names_in_target(target.value)
    return []


# Nodes with no call, attribute or binding statement inside: the walker does not descend into
# them (what a Name binds is read from the statement that binds it).
_INERT = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.Constant, ast.alias, ast.Pass, ast.Name)
_Handler = Callable[[ast.AST], None]
# Per node type, decided once: the fields the walker descends into, in the order it does.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.ClassDef: ("body", "bases", "keywords", "decorator_list")}


def child_fields(cls: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = _CHILD_FIELDS[cls] = () if issubclass(cls, _INERT) else cls._fields  # type: ignore[attr-defined]
    return names


_DESCENDS: dict[type, bool] = {}


def _descends(cls: type) -> bool:
    """Whether the walker visits a value of this type (a node that is not inert)."""
    descends = _DESCENDS[cls] = issubclass(cls, ast.AST) and not issubclass(cls, _INERT)
    return descends


def children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes the walker visits, in its order (a dict's keys beside their values)."""
    if type(node) is ast.Dict:
        for key, value in zip(node.keys, node.values):
            if key is not None:
                yield key
            yield value
        return
    for name in child_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST) and not isinstance(item, _INERT):
                    yield item
        elif isinstance(value, ast.AST) and not isinstance(value, _INERT):
            yield value


@dataclass
class ModuleScopes:
    """The scopes of one module and what binds in them."""

    tree: ast.Module
    root: Scope
    source: SourceLines
    classes: list[ClassInfo] = field(default_factory=list)
    comprehension_scopes: dict[int, Scope] = field(default_factory=dict)
    function_scopes: dict[int, Scope] = field(default_factory=dict)  # by id of the FunctionDef


class ScopeWalker:
    """Walks the tree once, calling `visit_X`/`leave_X` (X an ast class name), and records
    scopes and bindings. Subclasses add visits of their own; `assigned` is told of every
    assignment."""

    def __init__(self, index: ModuleScopes) -> None:
        self.index = index
        self.scope = index.root
        # per node type: its visit and leave handlers, and the fields the walk descends into
        self._handlers: dict[type, tuple[_Handler | None, _Handler | None, tuple[str, ...]]] = {}

    def walk(self, node: ast.AST) -> None:
        cls = type(node)
        handlers = self._handlers.get(cls)
        if handlers is None:
            name = cls.__name__
            handlers = self._handlers[cls] = (
                getattr(self, f"visit_{name}", None), getattr(self, f"leave_{name}", None), child_fields(cls)
            )
        visit, leave, fields = handlers
        if visit is not None:
            visit(node)
        if cls is ast.Dict:
            for child in children(node):
                self.walk(child)
        else:  # `children`, unrolled: the walk visits every node of every module read
            descends = _DESCENDS
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        kind = type(item)
                        descend = descends.get(kind)
                        if descend is None:
                            descend = _descends(kind)
                        if descend:
                            self.walk(item)
                elif value is not None:
                    kind = type(value)
                    descend = descends.get(kind)
                    if descend is None:
                        descend = _descends(kind)
                    if descend:
                        self.walk(value)
        if leave is not None:
            leave(node)

    def done(self) -> None:
        """Forget the handlers (bound methods of the walker: a cycle that would keep the
        walker, and the index it holds, alive until the cyclic collector runs)."""
        self._handlers.clear()

    def assigned(self, name: str, value: ast.expr, line: int) -> None:
        """`name = value` or `self.name = value` in the current scope."""

    # --- scopes ----------------------------------------------------------------------------
    def _push(self, scope: Scope) -> None:
        self.scope = scope

    def _pop(self, node: ast.AST | None = None) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.scope
        body = Scope("class", outer, node.name, node=node)
        info = ClassInfo(node.name, node, outer)
        body.cls = info
        info.body = body
        outer.bind(node.name, Binding("class", node.lineno, outer, node))
        self.index.classes.append(info)
        self._push(body)

    leave_ClassDef = _pop

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scope
        outer.bind(node.name, Binding("function", node.lineno, outer, node))
        scope = Scope("function", outer, node.name, node=node)
        self.index.function_scopes[id(node)] = scope
        self._bind_params(node, scope, outer)
        if outer.kind == "class" and outer.cls is not None:
            outer.cls.methods[node.name] = scope
            scope.cls = outer.cls
            first = positional_params(node)
            scope.self_name = first[0].arg if first else None
        self._push(scope)

    visit_AsyncFunctionDef = visit_FunctionDef
    leave_FunctionDef = leave_AsyncFunctionDef = _pop

    def visit_Lambda(self, node: ast.Lambda) -> None:
        scope = Scope("function", self.scope, "<lambda>", node=node)
        self._bind_params(node, scope, self.scope)
        self._push(scope)

    leave_Lambda = _pop

    def _bind_params(self, function: FunctionNode, scope: Scope, outer: Scope) -> None:
        for param, default in parameters(function):
            scope.bind(param.arg, Binding("param", param.lineno, outer, default))
        for star in (function.args.vararg, function.args.kwarg):
            if star is not None:
                scope.bind(star.arg, Binding("param", star.lineno, outer, None, star=True))

    def _visit_comprehension(self, node: ast.AST) -> None:
        scope = Scope("comprehension", self.scope, node=node)
        self.index.comprehension_scopes[id(node)] = scope
        self._push(scope)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _pop

    def visit_comprehension(self, node: ast.comprehension) -> None:
        for name in _names_in_target(node.target):
            self.scope.bind(name, Binding("other", node.target.lineno, self.scope))

    # --- bindings --------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self.scope.bind(alias.asname, Binding("import", node.lineno, self.scope, qualname=alias.name))
            else:
                top = alias.name.split(".")[0]
                self.scope.bind(top, Binding("import", node.lineno, self.scope, qualname=top))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.scope.star_imports.append(module)
                continue
            local = alias.asname or alias.name
            self.scope.bind(local, Binding("import", node.lineno, self.scope, qualname=f"{module}.{alias.name}"))

    def _bind_target(self, target: ast.expr, value: ast.expr | None, line: int) -> None:
        if isinstance(target, ast.Name):
            kind: BindingKind = "assign" if value is not None else "other"
            self.scope.bind(target.id, Binding(kind, line, self.scope, value))
            if value is not None:
                self.assigned(target.id, value, line)
            return
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            cls = self.scope.cls
            if self.scope.kind == "function" and cls is not None and target.value.id == self.scope.self_name:
                kind = "assign" if value is not None else "other"
                cls.self_attrs.setdefault(target.attr, []).append(Binding(kind, line, self.scope, value))
                if value is not None:
                    self.assigned(target.attr, value, line)
            return
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else ()
        if value is not None and elements and all(isinstance(e, ast.Name) for e in elements):
            for position, element in enumerate(elements):  # `a, b = value`: each name an item
                self.scope.bind(element.id, Binding("unpack", line, self.scope, value, index=position))  # type: ignore[attr-defined]
            return
        for name in _names_in_target(target):
            self.scope.bind(name, Binding("other", line, self.scope))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind_target(target, node.value, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind_target(node.target, node.value, node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind_target(node.target, None, node.lineno)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target, None, node.lineno)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._bind_target(node.target, None, node.lineno)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._bind_target(node.optional_vars, None, node.context_expr.lineno)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name is not None:
            self.scope.bind(node.name, Binding("other", node.lineno, self.scope))

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.index.root.bind(name, Binding("other", node.lineno, self.index.root))

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        for name in node.names:
            self.scope.bind(name, Binding("other", node.lineno, self.scope))

