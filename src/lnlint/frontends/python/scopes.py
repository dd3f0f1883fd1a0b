"""Scopes and bindings of a module, and the walker that finds them.

Python's scoping is followed closely enough for constructor arguments: module, class,
function, lambda and comprehension scopes; class bodies are not visible from methods;
function defaults are evaluated in the enclosing scope. Anything bound in a way this
module does not follow (loop targets, unpacking, augmented assignment, `global`) is an
`other` binding, which later resolves to Unknown rather than to a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import libcst as cst

from lnlint.frontends.python.positions import Anchor, Positions

BindingKind = Literal["import", "assign", "unpack", "param", "class", "function", "other"]


@dataclass(eq=False)
class Binding:
    kind: BindingKind
    at: Anchor  # the statement (or parameter) that binds the name
    scope: "Scope"  # where `node` is evaluated
    node: cst.CSTNode | None = None  # assigned value, parameter default, or ClassDef
    qualname: str | None = None  # for imports: what the name refers to
    star: bool = False  # for params: *args / **kwargs
    index: int | None = None  # for "unpack": the position in the unpacked value

    @property
    def line(self) -> int:
        return self.at.line


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: cst.ClassDef
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
    node: cst.CSTNode | None = None

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


def _names_in_target(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _names_in_target(el.value)]
    if isinstance(target, cst.StarredElement):
        return _names_in_target(target.value)
    return []


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


# Nodes that never bind, call or name anything: the walker does not descend into them.
_INERT = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline,
    cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon,
    cst.AssignEqual, cst.BaseBinaryOp, cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseCompOp,
    cst.BaseAugOp, cst.Asynchronous, cst.SimpleString,
    cst.Integer, cst.Float, cst.Imaginary, cst.ImportStar, cst.Pass, cst.Ellipsis,
)
_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_Handler = Callable[[cst.CSTNode], None]
# Per type, decided once (libcst's classes are ABCs, and isinstance on them is slow):
_WALKED: dict[type, bool] = {}  # a node type the walker descends into
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def walked(cls: type) -> bool:
    walked = _WALKED.get(cls)
    if walked is None:
        walked = _WALKED[cls] = issubclass(cls, cst.CSTNode) and not issubclass(cls, _INERT)
    return walked


def child_fields(cls: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = _CHILD_FIELDS[cls] = tuple(f.name for f in cls.__dataclass_fields__.values())  # type: ignore[attr-defined]
    return names


@dataclass
class ModuleScopes:
    """The scopes of one module and what binds in them."""

    module: cst.Module
    root: Scope
    positions: Positions
    classes: list[ClassInfo] = field(default_factory=list)
    comprehension_scopes: dict[int, Scope] = field(default_factory=dict)
    function_scopes: dict[int, Scope] = field(default_factory=dict)  # by id of the FunctionDef


class ScopeWalker:
    """Walks the tree once, calling `visit_X`/`leave_X` like a libcst visitor would, without
    libcst's visitor machinery (which rebuilds every node it passes), and records scopes and
    bindings. Subclasses add visits of their own; `assigned` is told of every assignment."""

    def __init__(self, index: ModuleScopes) -> None:
        self.index = index
        self.scope = index.root
        self._handlers: dict[type, tuple[_Handler | None, _Handler | None, bool]] = {}
        self._top: cst.CSTNode | None = None  # the module-level statement being walked
        # Per function scope: nesting depth of statements and the current top statement.
        self._statement_depth: list[int] = [0]
        self._top_statement: list[cst.CSTNode | None] = [None]

    def walk(self, node: cst.CSTNode) -> None:
        cls = type(node)
        handlers = self._handlers.get(cls)
        if handlers is None:
            name = cls.__name__
            handlers = self._handlers[cls] = (
                getattr(self, f"visit_{name}", None),
                getattr(self, f"leave_{name}", None),
                issubclass(cls, _STATEMENTS),
            )
        visit, leave, is_statement = handlers
        if is_statement:
            if self._top is None:
                self._top = node
            if self._statement_depth[-1] == 0:
                self._top_statement[-1] = node
            self._statement_depth[-1] += 1
        self.index.positions.top_of[id(node)] = self._top  # type: ignore[assignment]
        if visit is not None:
            visit(node)
        for name in child_fields(cls):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    if walked(type(item)):
                        self.walk(item)
            elif walked(kind):
                self.walk(value)
        if leave is not None:
            leave(node)
        if is_statement:
            self._statement_depth[-1] -= 1
            if self._top is node:
                self._top = None

    def assigned(self, name: str, value: cst.BaseExpression, at: Anchor) -> None:
        """`name = value` or `self.name = value` in the current scope."""

    def _anchor(self, node: cst.CSTNode) -> Anchor:
        return Anchor(self.index.positions, node)

    # --- scopes ----------------------------------------------------------------------------
    def _push(self, scope: Scope) -> None:
        self.scope = scope
        self._statement_depth.append(0)
        self._top_statement.append(None)

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent
        self._statement_depth.pop()
        self._top_statement.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        body = Scope("class", outer, node.name.value, node=node)
        info = ClassInfo(node.name.value, node, outer)
        body.cls = info
        info.body = body
        outer.bind(node.name.value, Binding("class", self._anchor(node), outer, node))
        self.index.classes.append(info)
        self._push(body)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        outer.bind(node.name.value, Binding("function", self._anchor(node), outer, node))
        scope = Scope("function", outer, node.name.value, node=node)
        self.index.function_scopes[id(node)] = scope
        self._bind_params(node.params, scope, outer)
        if outer.kind == "class" and outer.cls is not None:
            outer.cls.methods[node.name.value] = scope
            scope.cls = outer.cls
            first = [*node.params.posonly_params, *node.params.params]
            scope.self_name = first[0].name.value if first else None
        self._push(scope)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = Scope("function", self.scope, "<lambda>", node=node)
        self._bind_params(node.params, scope, self.scope)
        self._push(scope)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._pop()

    def _bind_params(self, params: cst.Parameters, scope: Scope, outer: Scope) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            scope.bind(param.name.value, Binding("param", self._anchor(param), outer, param.default))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.bind(star.name.value, Binding("param", self._anchor(star), outer, None, star=True))

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        scope = Scope("comprehension", self.scope, node=node)
        self.index.comprehension_scopes[id(node)] = scope
        self._push(scope)

    def _leave_comprehension(self, node: cst.CSTNode) -> None:
        self._pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        for name in _names_in_target(node.target):
            self.scope.bind(name, Binding("other", self._anchor(node), self.scope))

    # --- bindings --------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if alias.asname is not None:
                local = _dotted(alias.asname.name)  # type: ignore[arg-type]
                self.scope.bind(local, Binding("import", self._anchor(node), self.scope, qualname=full))
            else:
                top = full.split(".")[0]
                self.scope.bind(top, Binding("import", self._anchor(node), self.scope, qualname=top))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted(node.module) if node.module is not None else ""
        module = "." * len(node.relative) + module
        if isinstance(node.names, cst.ImportStar):
            self.scope.star_imports.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = _dotted(alias.asname.name) if alias.asname is not None else name  # type: ignore[arg-type]
            self.scope.bind(
                local, Binding("import", self._anchor(node), self.scope, qualname=f"{module}.{name}")
            )

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None, line: int) -> None:
        if isinstance(target, cst.Name):
            kind: BindingKind = "assign" if value is not None else "other"
            self.scope.bind(target.value, Binding(kind, line, self.scope, value))
            if value is not None:
                self.assigned(target.value, value, line)
            return
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            cls = self.scope.cls
            if self.scope.kind == "function" and cls is not None and target.value.value == self.scope.self_name:
                kind = "assign" if value is not None else "other"
                cls.self_attrs.setdefault(target.attr.value, []).append(Binding(kind, line, self.scope, value))
                if value is not None:
                    self.assigned(target.attr.value, value, line)
            return
        elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else ()
        if value is not None and elements and all(isinstance(e.value, cst.Name) for e in elements):
            for position, element in enumerate(elements):  # `a, b = value`: each name an item
                self.scope.bind(element.value.value, Binding("unpack", line, self.scope, value, index=position))  # type: ignore[attr-defined]
            return
        for name in _names_in_target(target):
            self.scope.bind(name, Binding("other", line, self.scope))

    def visit_Assign(self, node: cst.Assign) -> None:
        line = self._anchor(node)
        for target in node.targets:
            self._bind_target(target.target, node.value, line)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target, node.value, self._anchor(node))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None, self._anchor(node))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, None, self._anchor(node))

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None, self._anchor(node))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None, self._anchor(node))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None, self._anchor(node))

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.index.root.bind(item.name.value, Binding("other", self._anchor(node), self.index.root))

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, Binding("other", self._anchor(node), self.scope))

