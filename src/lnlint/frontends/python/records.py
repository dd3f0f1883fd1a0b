"""Configuration records: objects whose attributes a model reads its sizes from.

`parser.parse_args()` (see `command_line`), `tyro.cli(Config)`, instances of the project's config classes
(`@dataclass`, attrs, pydantic `BaseModel`, `typing.NamedTuple`): their fields' defaults with
the instantiation's arguments on top, `dataclasses.replace(cfg, ...)`,
`types.SimpleNamespace(...)`, and dict literals read as `cfg["d_model"]`. A field without a
default that the call does not give is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ast

from lnlint.spec import Resolved, Unknown, Value

if TYPE_CHECKING:
    from lnlint.frontends.python.scopes import ClassInfo, Scope
    from lnlint.frontends.python.values import Resolver

_DECORATORS = frozenset({
    "dataclasses.dataclass", "attr.s", "attr.attrs", "attr.define", "attr.frozen", "attrs.define", "attrs.frozen",
})
_BASES = frozenset({"pydantic.BaseModel", "typing.NamedTuple"})


@dataclass(frozen=True)
class Record:
    """Named values, as an object's attributes or a dict's keys."""

    fields: tuple[tuple[str, Resolved], ...]

    def attribute(self, name: str) -> Resolved:
        return dict(self.fields).get(name, Unknown(f"{name} is not set here"))

    def replaced(self, changes: dict[str, Resolved]) -> "Record":
        return Record(tuple({**dict(self.fields), **changes}.items()))


def may_make_config_classes(imports: list[list], data: bytes) -> bool:
    """Whether a module's import statements ([level, module, names], see
    `project._import_statements`) and bytes allow a config class: one of `is_config_class`'s
    decorators or bases resolves through the module's own import of its module."""
    imported = {module.partition(".")[0] for level, module, _ in imports if level == 0}
    return any(maker.partition(".")[0] in imported and maker.rpartition(".")[2].encode() in data for maker in (*_DECORATORS, *_BASES))


def is_config_class(resolver: Resolver, cls: ClassInfo) -> bool:
    for decorator in cls.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if resolver.callee(target, cls.scope) in _DECORATORS:
            return True
    return any(resolver.callee(base, cls.scope) in _BASES for base in cls.node.bases)


def record_value(resolver: Resolver, call: ast.Call, scope: Scope) -> Resolved | None:
    """The record a call makes, or None when the call makes none that lnlint reads."""
    from lnlint.frontends.python.scopes import ClassInfo

    callee = resolver.callee(call.func, scope)
    line = call.lineno
    if callee == "types.SimpleNamespace":
        args = resolver.arguments(call, scope)
        if args.rest is not None or args.positional:
            return args.rest or Unknown("SimpleNamespace with positional arguments")
        return Value(Record(tuple(args.keywords.items())), f"SimpleNamespace at line {line}")
    if callee in ("tyro.cli", "simple_parsing.parse") and call.args:  # the config class's defaults
        return config_defaults(resolver, call.args[0], scope)
    if callee == "dataclasses.replace" and call.args:
        base = resolver.value(call.args[0], scope)
        if not (isinstance(base, Value) and isinstance(base.value, Record)):
            return base if isinstance(base, Unknown) else None
        args = resolver.arguments(call, scope)
        if args.rest is not None:
            return args.rest
        return Value(base.value.replaced(args.keywords), f"dataclasses.replace at line {line}")
    owner: Resolver | None = resolver
    if isinstance(callee, str) and resolver.imported_class is not None:
        found = resolver.imported_class(callee)
        if found is not None:
            owner, callee = found
    if isinstance(callee, ClassInfo) and owner is not None and is_config_class(owner, callee):
        return _instance(owner, resolver, callee, call, scope)
    return None


def config_defaults(resolver: Resolver, node: ast.expr, scope: Scope) -> Resolved | None:
    """The record of a config class named by `node` with its defaults; None when `node`
    names no config class of the project."""
    from lnlint.frontends.python.scopes import ClassInfo

    target = resolver.callee(node, scope)
    owner: Resolver | None = resolver
    if isinstance(target, str) and resolver.imported_class is not None:
        found = resolver.imported_class(target)
        owner, target = found if found is not None else (None, None)
    if isinstance(target, ClassInfo) and owner is not None and is_config_class(owner, target):
        return _instance(owner, resolver, target, None, scope)
    return None


def _instance(owner: Resolver, resolver: Resolver, cls: ClassInfo, call: ast.Call | None, scope: Scope) -> Resolved:
    """The fields of `cls` (defined where `owner` resolves) as the call in `resolver`'s
    module makes them (its defaults when there is no call)."""
    names: list[str] = []
    defaults: dict[str, Resolved] = {}
    for statement in cls.node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            name = statement.target.id
            names.append(name)
            defaults[name] = _default(owner, cls, name, statement.value)
    if call is None:
        return Value(Record(tuple(defaults.items())), f"defaults of {cls.name}")
    args = resolver.arguments(call, scope)
    if args.rest is not None:
        return args.rest
    given = dict(zip(names, args.positional))
    given.update((k, v) for k, v in args.keywords.items() if k in defaults)
    line = call.lineno
    fields = {name: _cited(given[name], f"{cls.name}({name}=...) at line {line}") if name in given else defaults[name] for name in names}
    return Value(Record(tuple(fields.items())), f"{cls.name}(...) at line {line}")


def _default(resolver: Resolver, cls: ClassInfo, name: str, node: ast.expr | None) -> Resolved:
    if node is None:
        return Unknown(f"{cls.name}.{name} has no default")
    scope = cls.body or cls.scope
    if isinstance(node, ast.Call) and resolver.callee(node.func, scope) in ("dataclasses.field", "attr.ib", "attrs.field", "pydantic.Field"):
        default = next((k.value for k in node.keywords if k.arg == "default"), None)
        if default is None:
            return Unknown(f"{cls.name}.{name} has no plain default")
        node = default
    value = resolver.value(node, scope)
    return _cited(value, f"default of {cls.name}.{name} at line {node.lineno}")


def _cited(value: Resolved, where: str) -> Resolved:
    if not isinstance(value, Value):
        return value
    return Value(value.value, where if value.origin == "literal" else f"{where} = {value.origin}")
