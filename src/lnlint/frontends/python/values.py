"""Resolve expressions to values (with provenance) and callees to qualified names.

Only what the source determines is resolved: literals, arithmetic on known numbers, names
bound once (or always to the same value), parameter defaults, `self.x` set in the class,
and dicts for `**` expansion. Everything else is `Unknown` with the reason.
"""

from __future__ import annotations

import ast
import builtins
import functools
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from lnlint.frontends.python.command_line import click_default, parsed_arguments
from lnlint.frontends.python.facts import ModuleIndex
from lnlint.frontends.python.records import Record, record_value
from lnlint.frontends.python.scopes import Binding, ClassInfo, Scope
from lnlint.spec import Location, Resolved, Unknown, Value

_MAX_DEPTH = 40
# Integers longer than this are not followed: they are no size torch can build, arithmetic on
# them would cost more than the source is long (`x = x * x` repeated), and beyond about 14,000
# bits Python cannot print them in a message. 4096 bits is what `(2**64) ** 64` reaches.
_MAX_INT_BITS = 4096
_BUILTINS = frozenset(vars(builtins))

_ARITHMETIC: dict[type, Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

# A callee is an imported dotted name ("torch.nn.LayerNorm"), a class defined in the file, or
# the scope of a function defined in it.
Callee = Union[str, ClassInfo, Scope, None]


@dataclass
class ParameterUse:
    """What resolving some expressions read of function parameters: the scopes whose
    parameters were read without a call binding them (their defaults, or nothing), and
    whether any parameter came from the call `env` binds."""

    unbound: set[int] = field(default_factory=set)  # ids of the function scopes
    bound: bool = False

    def add(self, other: "ParameterUse") -> None:
        self.unbound |= other.unbound
        self.bound = self.bound or other.bound


@dataclass(frozen=True)
class Arguments:
    """Call arguments after `*`/`**` expansion; `rest` is set when an expansion is unresolved."""

    positional: list[Resolved]
    keywords: dict[str, Resolved]
    rest: Unknown | None


class _Tracking:
    """The context `Resolver.tracking` gives: the ParameterUse of the block, added to the
    enclosing block's when it ends. (A class rather than a generator context manager: it
    is entered for every call of every module read.)"""

    __slots__ = ("uses", "use")

    def __init__(self, uses: list[ParameterUse]) -> None:
        self.uses = uses
        self.use = ParameterUse()

    def __enter__(self) -> ParameterUse:
        self.uses.append(self.use)
        return self.use

    def __exit__(self, *exception: object) -> None:
        self.uses.pop()
        if self.uses:
            self.uses[-1].add(self.use)


def _depth_bounded(too_deep: Callable[["Resolver", ast.expr], Any]):
    """Bound how deep a resolving method may recurse (name chains, nested expressions,
    cycles); past the bound it answers `too_deep(self, node)` instead of following further."""

    def decorate(method):
        @functools.wraps(method)
        def bounded(self: "Resolver", node: ast.expr, scope: Scope):
            if self._depth > _MAX_DEPTH:
                return too_deep(self, node)
            self._depth += 1
            try:
                return method(self, node, scope)
            finally:
                self._depth -= 1

        return bounded

    return decorate


class Resolver:
    """Resolves expressions of one module. `env` binds the parameters of one function scope to
    the arguments of a call (used to follow a subclass call into its super().__init__)."""

    def __init__(
        self,
        index: ModuleIndex,
        env: tuple[Scope, Mapping[str, Resolved]] | None = None,
        imported: Callable[[str, str], Resolved | None] | None = None,
        imported_class: Callable[[str], tuple["Resolver", ClassInfo] | None] | None = None,
        path: str | None = None,
    ):
        self.index = index
        self.path = path  # as findings show the file: where its literals are `written` (None: not editable)
        self.env = env
        self.imported = imported  # value of a name imported from the project's own modules
        self.imported_class = imported_class  # a class imported from them (where it may be a config class), with its module's resolver
        self._depth = 0
        self._resolving: set[int] = set()  # ids of the bindings whose values are being resolved
        self._comparing = False  # inside `_same_everywhere`
        self._uses: list[ParameterUse] = []

    def with_env(self, scope: Scope, params: Mapping[str, Resolved]) -> "Resolver":
        return Resolver(self.index, (scope, params), self.imported, self.imported_class, self.path)

    def tracking(self) -> "_Tracking":
        """Record which parameters the resolutions inside the `with` block read."""
        return _Tracking(self._uses)

    def count(self, use: ParameterUse) -> None:
        """Count, in the block being tracked, what an earlier resolution read (a cached spec)."""
        if self._uses:
            self._uses[-1].add(use)

    def _record(self, owner: Scope | None, bound: bool) -> None:
        for use in self._uses[-1:]:
            if bound:
                use.bound = True
            elif owner is not None:
                use.unbound.add(id(owner))

    def code(self, node: ast.AST, limit: int = 60) -> str:
        text = " ".join(self.index.source.code(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    # --- names -----------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> list[Binding] | None:
        """The bindings `name` refers to from `scope`, following Python's scoping rules."""
        current: Scope | None = scope
        first = True
        while current is not None:
            if (first or current.kind != "class") and name in current.bindings:
                return current.bindings[name]
            first = False
            current = current.parent
        return None

    def single_binding(self, name: str, bindings: list[Binding]) -> Binding | Unknown:
        if len(bindings) == 1:
            return bindings[0]
        if all(b.kind == "import" for b in bindings) and len({b.qualname for b in bindings}) == 1:
            return bindings[0]
        return Unknown(f"{name} is bound {len(bindings)} times")

    # --- values ----------------------------------------------------------------------------
    @_depth_bounded(lambda self, node: Unknown(f"`{self.code(node)}` is nested too deeply to follow"))
    def value(self, node: ast.expr, scope: Scope) -> Resolved:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (complex, type(...))):
                return Unknown(f"`{self.code(node)}` is not a literal")
            if type(node.value) is int and node.value.bit_length() > _MAX_INT_BITS:
                return Unknown(f"an integer of {node.value.bit_length()} bits is too large to follow (over {_MAX_INT_BITS})")
            if self.path is None or type(node.value) not in (int, bool):  # what fixes rewrite
                return Value(node.value, "literal")
            return Value(node.value, "literal", Location(self.path, *self.index.source.span(node)))
        if isinstance(node, ast.Name):
            return self._name_value(node.id, scope)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, scope)
        if isinstance(node, ast.BinOp):
            return self._binary(node, scope)
        if isinstance(node, (ast.List, ast.Tuple)):
            return self._sequence(node, scope)
        if isinstance(node, ast.Attribute):
            return self._attribute_value(node, scope)
        if isinstance(node, ast.Call):
            made = parsed_arguments(self, node, scope) or record_value(self, node, scope) or self._float_call(node, scope)
            if made is not None:
                return made
        if isinstance(node, ast.Dict):
            fields = self.mapping(node, scope)
            return fields if isinstance(fields, Unknown) else Value(Record(tuple(fields.items())), "dict literal")
        if isinstance(node, ast.Subscript):
            return self._subscript_value(node, scope)
        return Unknown(f"`{self.code(node)}` is not a literal")

    def _subscript_value(self, node: ast.Subscript, scope: Scope) -> Resolved:
        """`cfg["d_model"]` on a dict or record lnlint knows."""
        if isinstance(node.slice, (ast.Slice, ast.Tuple)):
            return Unknown(f"`{self.code(node)}` is not a key lnlint follows")
        base = self.value(node.value, scope)
        key = self.value(node.slice, scope)
        if isinstance(base, Value) and isinstance(base.value, Record) and isinstance(key, Value) and isinstance(key.value, str):
            return base.value.attribute(key.value)
        if isinstance(base, Value) and isinstance(key, Value) and isinstance(key.value, int) and not isinstance(key.value, bool):
            return _item(base, key.value, f"`{self.code(node)}`")
        return base if isinstance(base, Unknown) else Unknown(f"`{self.code(node)}` is not a key lnlint follows")

    def _float_call(self, node: ast.Call, scope: Scope) -> Resolved | None:
        """`float("nan")`, `float("inf")`, `float(EPS)`: the builtin on one known number or string."""
        if len(node.args) != 1 or node.keywords or self.callee(node.func, scope) != "builtins.float":
            return None
        argument = self.value(node.args[0], scope)
        if not (isinstance(argument, Value) and type(argument.value) in (int, float, str)):
            return argument if isinstance(argument, Unknown) else Unknown(f"`{self.code(node)}` is not of a number or a string")
        try:
            number = float(argument.value)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            return Unknown(f"`{self.code(node)}` cannot be evaluated")
        return Value(number, f"`{self.code(node)}`" if argument.origin == "literal" else f"`{self.code(node)}` with {argument.origin}")

    def _unary(self, node: ast.UnaryOp, scope: Scope) -> Resolved:
        inner = self.value(node.operand, scope)
        if not isinstance(inner, Value):
            return inner
        v = inner.value
        if isinstance(node.op, ast.Not):
            return Value(not v, inner.origin)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if isinstance(node.op, ast.USub):
                return Value(-v, inner.origin)
            if isinstance(node.op, ast.UAdd):
                return Value(v, inner.origin)
        return Unknown(f"`{self.code(node)}` is not a number")

    def _binary(self, node: ast.BinOp, scope: Scope) -> Resolved:
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            return Unknown(f"`{self.code(node)}` is not arithmetic lnlint follows")
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        for side in (left, right):
            if isinstance(side, Unknown):
                return side
        a, b = left.value, right.value  # type: ignore[union-attr]
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
            return Unknown(f"`{self.code(node)}` is not arithmetic on numbers")
        if op is operator.pow and (abs(b) > 64 or abs(a) > 2**64):  # type: ignore[arg-type]
            return Unknown(f"`{self.code(node)}` is too large to evaluate")
        try:
            result = op(a, b)
        except (ArithmeticError, ValueError):
            return Unknown(f"`{self.code(node)}` cannot be evaluated")
        if type(result) is int and result.bit_length() > _MAX_INT_BITS:
            return Unknown(f"`{self.code(node)}` is too large to evaluate (over {_MAX_INT_BITS} bits)")
        sources = self._operand_origins(node, scope)
        origin = f"`{self.code(node)}`" + (f" with {'; '.join(sources)}" if sources else "")
        return Value(result, origin)

    def _operand_origins(self, node: ast.expr, scope: Scope) -> list[str]:
        """Where the named operands of an arithmetic expression came from, left to right."""
        if isinstance(node, ast.BinOp):
            return self._operand_origins(node.left, scope) + self._operand_origins(node.right, scope)
        if isinstance(node, ast.UnaryOp):
            return self._operand_origins(node.operand, scope)
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = self.value(node, scope)
            if isinstance(value, Value) and value.origin != "literal":
                return [value.origin]
        return []

    def _sequence(self, node: ast.List | ast.Tuple, scope: Scope) -> Resolved:
        items = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                return Unknown(f"`{self.code(node)}` has a starred element")
            item = self.value(element, scope)
            if isinstance(item, Unknown):
                return item
            items.append(item)
        origins = [i.origin for i in items if i.origin != "literal"]  # type: ignore[union-attr]
        return Value(tuple(i.value for i in items), "; ".join(origins) or "literal")

    def _name_value(self, name: str, scope: Scope) -> Resolved:
        if name in ("True", "False", "None"):
            return Value({"True": True, "False": False, "None": None}[name], "literal")
        bindings = self.lookup(name, scope)
        if bindings is None:
            return Unknown(f"{name} is not defined in this file")
        binding = self.single_binding(name, bindings)
        if isinstance(binding, Unknown):
            return self._same_everywhere(name, bindings, binding)
        if binding.kind == "param":
            return self._param_value(name, binding, scope)
        if binding.kind == "unpack":
            return _item(self.bound_value(binding), binding.index or 0, f"{name} at line {binding.line}")  # type: ignore[arg-type]
        if binding.kind == "import" and self.imported is not None and binding.qualname:
            found = self.imported(binding.qualname, name)
            if found is not None:
                return found
        if binding.kind != "assign" or binding.node is None:
            return Unknown(f"{name} at line {binding.line} is not a plain assignment")
        inner = self.bound_value(binding)
        if isinstance(inner, Unknown):
            return inner
        word = "constant" if binding.scope.kind == "module" else "variable"
        where = f"{word} {name} at line {binding.line}"
        return Value(inner.value, where if inner.origin == "literal" else f"{where} = {inner.origin}")

    def bound_value(self, binding: Binding) -> Resolved:
        """The value a binding's node gives. A binding met again while its own value is being
        resolved (`x = x + 1`: lnlint reads every binding of a name, not the one in effect)
        is unknown: following it would loop, and branch on every other binding each time."""
        key = id(binding)
        if key in self._resolving:
            return Unknown(f"the value at line {binding.line} depends on itself")
        self._resolving.add(key)
        try:
            return self.value(binding.node, binding.scope)  # type: ignore[arg-type]
        finally:
            self._resolving.discard(key)

    def _same_everywhere(self, name: str, bindings: list[Binding], otherwise: Unknown) -> Resolved:
        """A name assigned several times to the same value (e.g. in both branches of an if).
        Inside such a comparison, another name bound several times is unknown: nested, the
        comparisons would multiply (every binding of every name, at every depth)."""
        if self._comparing or not all(b.kind == "assign" and b.node is not None for b in bindings):
            return otherwise
        self._comparing = True
        try:
            values = [self.bound_value(b) for b in bindings]
        finally:
            self._comparing = False
        first = values[0]
        if isinstance(first, Value) and all(isinstance(v, Value) and v.value == first.value for v in values):
            word = "constant" if bindings[0].scope.kind == "module" else "variable"
            return Value(first.value, f"{word} {name} at line {bindings[0].line}")
        return otherwise

    def _call_argument(self, name: str, scope: Scope) -> Resolved | None:
        """What the followed call passed for parameter `name`, when `name` in `scope` is a
        parameter of the function `env` binds (a subclass call followed into __init__)."""
        if self.env is None or self._owner_of(name, scope) is not self.env[0]:
            return None
        given = self.env[1].get(name)
        if given is not None:
            self._record(None, bound=True)
        return given

    def _param_value(self, name: str, binding: Binding, scope: Scope) -> Resolved:
        given = self._call_argument(name, scope)
        if given is not None:
            return given
        owner = self._owner_of(name, scope)
        self._record(owner, bound=False)
        if binding.star:
            return Unknown(f"{name} collects the caller's arguments")
        if binding.node is None:
            from_command_line = click_default(self, owner.node, name) if owner is not None else None  # type: ignore[arg-type]
            return from_command_line or Unknown(f"{name} is a parameter with no default")
        inner = self.bound_value(binding)
        if isinstance(inner, Unknown):
            return inner
        return Value(inner.value, f"default of parameter {name} at line {binding.line}")

    def _owner_of(self, name: str, scope: Scope) -> Scope | None:
        current: Scope | None = scope
        while current is not None and name not in current.bindings:
            current = current.parent
        return current

    def self_attribute(self, node: ast.Attribute, scope: Scope) -> Binding | Unknown | None:
        """The one binding of `self.x` when `node` is `self.x` in a method; None otherwise."""
        if not (isinstance(node.value, ast.Name) and scope.cls is not None):
            return None
        method = scope
        while method.kind != "function" or method.self_name is None:
            if method.parent is None or method.parent.kind == "class":
                return None
            method = method.parent
        if node.value.id != method.self_name:
            return None
        attr = node.attr
        bindings = method.cls.self_attrs.get(attr) if method.cls else None
        if not bindings:
            return Unknown(f"self.{attr} is not assigned in this class")
        binding = self.single_binding(f"self.{attr}", bindings)
        if isinstance(binding, Binding) and (binding.kind != "assign" or binding.node is None):
            return Unknown(f"self.{attr} at line {binding.line} is not a plain assignment")
        return binding

    def binding_of(self, node: ast.expr, scope: Scope) -> Binding | Unknown | None:
        """The one binding a name or `self.x` refers to; None for other expressions."""
        if isinstance(node, ast.Name):
            bindings = self.lookup(node.id, scope)
            if bindings is None:
                return Unknown(f"{node.id} is not defined in this file")
            return self.single_binding(node.id, bindings)
        if isinstance(node, ast.Attribute):
            return self.self_attribute(node, scope)
        return None

    def _attribute_value(self, node: ast.Attribute, scope: Scope) -> Resolved:
        binding = self.self_attribute(node, scope)
        if binding is None and self.imported is not None:
            base = self.callee(node.value, scope)  # `sizes.WIDTH` after `import pkg.sizes as sizes`
            found = self.imported(f"{base}.{node.attr}", node.attr) if isinstance(base, str) else None
            if found is not None:
                return found
        if binding is None:
            base = self.value(node.value, scope)  # `args.d_model` after `args = parser.parse_args()`
            if isinstance(base, Value) and isinstance(base.value, Record):
                return base.value.attribute(node.attr)
            return Unknown(f"`{self.code(node)}` is not resolved")
        if isinstance(binding, Unknown):
            return binding
        inner = self.bound_value(binding)
        if isinstance(inner, Unknown):
            return inner
        where = f"self.{node.attr} at line {binding.line}"
        return Value(inner.value, where if inner.origin == "literal" else f"{where} = {inner.origin}")

    # --- mappings for ** -------------------------------------------------------------------
    @_depth_bounded(lambda self, node: Unknown(f"`{self.code(node)}` is nested too deeply to follow"))
    def mapping(self, node: ast.expr, scope: Scope) -> dict[str, Resolved] | Unknown:
        if isinstance(node, ast.Dict):
            result: dict[str, Resolved] = {}
            for key_node, value_node in zip(node.keys, node.values):
                if key_node is None:  # `**other`
                    inner = self.mapping(value_node, scope)
                    if isinstance(inner, Unknown):
                        return inner
                    result.update(inner)
                    continue
                key = self.value(key_node, scope)
                if not (isinstance(key, Value) and isinstance(key.value, str)):
                    return Unknown(f"a key of `{self.code(node)}` is not a known string")
                result[key.value] = self.value(value_node, scope)
            return result
        if isinstance(node, ast.Call) and self.callee(node.func, scope) == "builtins.dict":
            args = self.arguments(node, scope)
            if args.rest is not None:
                return args.rest
            if args.positional:
                return Unknown(f"`{self.code(node)}` has positional arguments")
            return args.keywords
        if isinstance(node, ast.Name):
            bindings = self.lookup(node.id, scope)
            if bindings is None:
                return Unknown(f"{node.id} is not defined in this file")
            binding = self.single_binding(node.id, bindings)
            if isinstance(binding, Unknown):
                return binding
            if binding.kind == "param":
                given = self._call_argument(node.id, scope)
                if isinstance(given, Value) and isinstance(given.value, dict):
                    return dict(given.value)
                if given is None:
                    self._record(self._owner_of(node.id, scope), bound=False)
            if binding.kind == "assign" and binding.node is not None:
                named = self.mapping(binding.node, binding.scope)  # type: ignore[arg-type]
                if isinstance(named, Unknown):
                    return named
                # a named dict is read like a constant: its other users would change with it
                return {key: Value(v.value, v.origin) if isinstance(v, Value) else v for key, v in named.items()}
        return Unknown(f"`{self.code(node)}` is not a dict lnlint can follow")

    def arguments(self, call: ast.Call, scope: Scope) -> Arguments:
        positional: list[Resolved] = []
        keywords: dict[str, Resolved] = {}
        rest: Unknown | None = None
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                items = self._starred(arg.value, scope)
                if isinstance(items, Unknown):
                    rest = items
                else:
                    positional.extend(items)
            elif rest is None:
                positional.append(self.value(arg, scope))
        for keyword in call.keywords:
            if keyword.arg is None:  # `**mapping`
                mapping = self.mapping(keyword.value, scope)
                if isinstance(mapping, Unknown):
                    rest = mapping
                else:
                    keywords.update(mapping)
            else:
                keywords[keyword.arg] = self.value(keyword.value, scope)
        return Arguments(positional, keywords, rest)

    def _starred(self, node: ast.expr, scope: Scope) -> list[Resolved] | Unknown:
        if isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in node.elts):
            return [self.value(e, scope) for e in node.elts]
        if isinstance(node, ast.Name):
            bindings = self.lookup(node.id, scope)
            if bindings and bindings[0].kind == "param":
                given = self._call_argument(node.id, scope)
                if isinstance(given, Value) and isinstance(given.value, list):
                    return list(given.value)
                if given is None:
                    self._record(self._owner_of(node.id, scope), bound=False)
        return Unknown(f"`*{self.code(node)}` is not resolved")

    # --- callees ---------------------------------------------------------------------------
    @_depth_bounded(lambda self, node: None)
    def callee(self, node: ast.expr, scope: Scope) -> Callee:
        if isinstance(node, ast.Name):
            bindings = self.lookup(node.id, scope)
            if bindings is None:
                for module in self.index.root.star_imports:
                    if module in ("torch.nn", "torch.nn.modules", "torch.nn.modules.transformer"):
                        return f"{module}.{node.id}"
                return f"builtins.{node.id}" if node.id in _BUILTINS else None
            binding = self.single_binding(node.id, bindings)
            if isinstance(binding, Unknown):
                return None
            if binding.kind == "import":
                return binding.qualname
            if binding.kind == "class":
                return next((c for c in self.index.classes if c.node is binding.node), None)
            if binding.kind == "function":
                return self.index.function_scopes.get(id(binding.node))
            if binding.kind == "assign" and binding.node is not None:
                return self.callee(binding.node, binding.scope)  # type: ignore[arg-type]
            return None
        if isinstance(node, ast.Attribute):
            base = self.callee(node.value, scope)
            if isinstance(base, str):
                return f"{base}.{node.attr}"
            binding = self.self_attribute(node, scope)
            if isinstance(binding, Binding):
                return self.callee(binding.node, binding.scope)  # type: ignore[arg-type]
        return None


def _item(sequence: Resolved, index: int, where: str) -> Resolved:
    """Item `index` of a resolved tuple or list (`a, b = ...`, `x[0]`)."""
    if not isinstance(sequence, Value):
        return sequence
    items = sequence.value
    if not isinstance(items, (tuple, list)) or not -len(items) <= index < len(items):
        return Unknown(f"{where} is not an item lnlint can read")
    item = items[index]
    return item if isinstance(item, (Value, Unknown)) else Value(item, sequence.origin)
