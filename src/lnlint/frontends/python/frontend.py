"""Python source → specs: every construction of the torch.nn classes lnlint knows."""

from __future__ import annotations

from typing import Iterator

import ast

from lnlint.frontends.policy import Fact, Line, MitigationPolicy, final_norm, final_norm_role, transformer_stacks
from lnlint.frontends.python.facts import ModuleIndex
from lnlint.frontends.python.scopes import Binding, ClassInfo, FunctionNode, Scope, positional_params
from lnlint.frontends.python.values import Callee, ParameterUse, Resolver
from lnlint.frontends.signatures import FUNCTIONAL_NORMS, bind_arguments, bind_functional_norm, functional_norm, torch_kind
from lnlint.frontends.python import later_norm
from lnlint.frontends.vocabulary import FINAL_NORM_NAMES
from lnlint.spec import (
    LAYER_KINDS,
    STACK_KINDS,
    STACKED_KINDS,
    Context,
    LayerSpec,
    Location,
    Mitigations,
    Resolved,
    Spec,
    StackSpec,
    Unknown,
    Value,
)

_OVERRIDES = ("forward", "_sa_block", "_ff_block", "_mha_block")
_CONTAINERS = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.modules.container.ModuleList"})


# Modules that pass the residual stream on as it is, pooled or dropped out.
_VALUE_KEEPING_MODULES = frozenset({"Dropout", "Dropout1d", "AdaptiveAvgPool1d", "AvgPool1d", "MaxPool1d", "AdaptiveMaxPool1d", "Flatten", "Identity"})


def _returned_calls(function: ast.AST) -> Iterator[ast.Call]:
    """The calls a function returns, directly or through a name assigned in it."""
    assigned: dict[str, list[ast.Call]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.Call):
                yield node.value
            elif isinstance(node.value, ast.Name):
                yield from assigned.get(node.value.id, ())


class Extractor:
    def __init__(self, index: ModuleIndex, path: str, policy: MitigationPolicy, resolver: Resolver) -> None:
        self.index = index
        self.path = path
        self.policy = policy
        self.resolver = resolver
        self.within: Scope | None = None  # a followed call's function or class: only its scopes are read
        self._callees: dict[int, Callee] = {}
        self._mitigations: Mitigations | None = None
        # a followed call's extractor: the module's, whose mitigations it reads (see `following`);
        # None for the module's own (not itself: a cycle would keep its tree alive)
        self._module_extractor: Extractor | None = None
        self._layer_cache: dict[int, tuple[LayerSpec | Unknown | None, ParameterUse]] = {}
        self._roles: dict[int, str] | None = None
        # the calls under each followed scope, by the scope's id: one function is followed
        # from each of its call sites (shared by the followed extractors)
        self._calls_within: dict[int, list[tuple[ast.Call, Scope]]] = {}

    def following(self, resolver: Resolver, within: Scope) -> "Extractor":
        """An extractor of the code under `within`, as a call binding `resolver`'s parameters
        runs it. What does not depend on the call is the module's, and is shared: callees,
        the roles of norms, the mitigations."""
        followed = Extractor.__new__(Extractor)
        followed.__dict__.update(self.__dict__)
        followed.resolver, followed.within, followed._layer_cache = resolver, within, {}
        followed._module_extractor = self._module_extractor or self
        self._assign_roles()
        followed._roles = self._roles
        return followed

    @property
    def mitigations(self) -> Mitigations:
        """The module's warmup, Admin and DeepNorm facts, read when a spec first needs them
        (with the module's own values: a followed call's arguments do not change them)."""
        if self._module_extractor is not None:
            return self._module_extractor.mitigations
        if self._mitigations is None:
            self._mitigations = self.policy.mitigations(self._mitigation_facts())
        return self._mitigations

    def callee(self, call: ast.Call, scope: Scope) -> Callee:
        """What a call calls, resolved once per call (roles, mitigations and specs all ask)."""
        key = id(call)
        if key not in self._callees:
            self._callees[key] = self.resolver.callee(call.func, scope)
        return self._callees[key]

    # --- positions ---------------------------------------------------------------------------
    def location(self, node: ast.AST) -> Location:
        return Location(self.path, *self.index.source.span(node))

    # --- classes -----------------------------------------------------------------------------
    def torch_base(self, cls: ClassInfo, seen: frozenset[int] = frozenset()) -> str | None:
        """The torch class `cls` derives from, directly or through classes of this file."""
        if id(cls) in seen:
            return None
        for base in cls.node.bases:
            callee = self.resolver.callee(base, cls.scope)
            kind = torch_kind(callee)
            if kind is not None:
                return kind
            if isinstance(callee, ClassInfo):
                kind = self.torch_base(callee, seen | {id(cls)})
                if kind is not None:
                    return kind
        return None

    def _class_chain(self, cls: ClassInfo) -> list[ClassInfo]:
        chain = [cls]
        for base in cls.node.bases:
            callee = self.resolver.callee(base, cls.scope)
            if isinstance(callee, ClassInfo) and callee not in chain:
                chain.extend(c for c in self._class_chain(callee) if c not in chain)
        return chain

    def _placement_override(self, cls: ClassInfo) -> str | None:
        for klass in self._class_chain(cls):
            for method in _OVERRIDES:
                if method in klass.methods:
                    return f"{klass.name} overrides {method}"
        return None

    def _super_init(self, cls: ClassInfo) -> ast.Call | None:
        init = cls.methods.get("__init__")
        if init is None:
            return None
        for call, scope in self.index.calls:
            if scope is not init or not isinstance(call.func, ast.Attribute):
                continue
            if call.func.attr != "__init__":
                continue
            target = call.func.value
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super":
                return call
            if torch_kind(self.resolver.callee(target, scope)) is not None:
                return call
        return None

    # --- layers ------------------------------------------------------------------------------
    def _context(self, node: ast.AST, kind: str, override: str | None = None) -> Context:
        """The context of a construction of `kind`. The module's warmup, Admin and DeepNorm
        facts matter only to a stack (the depth rules), so a norm or attention on its own
        does not read them: reading them resolves every call of the module."""
        self._assign_roles()
        mitigations = self.mitigations if kind in STACKED_KINDS else Mitigations()
        return Context(mitigations, placement_overridden=override, role=self._roles.get(id(node)))  # type: ignore[union-attr]

    def torch_call_spec(self, call: ast.Call, scope: Scope, kind: str, override: str | None = None) -> LayerSpec:
        args = self.resolver.arguments(call, scope)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "__init__":
            args.positional[:1] = []  # explicit Base.__init__(self, ...): drop self
        bound = bind_arguments(kind, args.positional, args.keywords, args.rest)
        return LayerSpec(kind, bound, self.location(call), self._context(call, kind, override))

    def subclass_spec(self, call: ast.Call, scope: Scope, cls: ClassInfo, kind: str) -> LayerSpec | Unknown:
        """A call of a class of this file deriving from `kind`, followed into super().__init__."""
        override = self._placement_override(cls)
        args = self.resolver.arguments(call, scope)
        init = cls.methods.get("__init__")
        if init is None:
            bound = bind_arguments(kind, args.positional, args.keywords, args.rest)
            return LayerSpec(kind, bound, self.location(call), self._context(call, kind, override))
        super_call = self._super_init(cls)
        if super_call is None:
            return Unknown(f"{cls.name}.__init__ does not call the torch constructor visibly")
        params = bind_to_function(init.node, args, method=True)  # type: ignore[arg-type]
        inner = self.resolver.with_env(init, params)
        inner_args = inner.arguments(super_call, init)
        if isinstance(super_call.func, ast.Attribute) and not isinstance(super_call.func.value, ast.Call):
            inner_args.positional[:1] = []
        bound = bind_arguments(kind, inner_args.positional, inner_args.keywords, inner_args.rest)
        return LayerSpec(kind, bound, self.location(call), self._context(call, kind, override))

    def partial_spec(self, call: ast.Call, scope: Scope, kind: str) -> LayerSpec:
        args = self.resolver.arguments(call, scope)
        bound = bind_arguments(
            kind,
            args.positional[1:],
            args.keywords,
            args.rest,
            partial=True,
        )
        return LayerSpec(kind, bound, self.location(call), self._context(call, kind))

    def construction(self, call: ast.Call, scope: Scope) -> LayerSpec | Unknown | None:
        """The spec of a call that constructs a torch class (or a subclass), else None."""
        callee = self.callee(call, scope)  # (finding what a call calls reads no parameter)
        if not _may_build(callee):
            return None
        key = id(call)
        if key in self._layer_cache:
            spec, use = self._layer_cache[key]
            self.resolver.count(use)
            return spec
        with self.resolver.tracking() as use:
            kind = torch_kind(callee)
            functional = functional_norm(callee) if kind is None else None
            spec = None
            if kind is not None:
                spec = self.torch_call_spec(call, scope, kind)
            elif functional is not None:
                args = self.resolver.arguments(call, scope)
                bound = bind_functional_norm(functional, args.positional, args.keywords, args.rest)
                spec = LayerSpec(FUNCTIONAL_NORMS[functional][0], bound, self.location(call), self._context(call, FUNCTIONAL_NORMS[functional][0]))
            elif isinstance(callee, ClassInfo):
                base = self.torch_base(callee)
                if base is not None:
                    spec = self.subclass_spec(call, scope, callee, base)
            elif callee == "functools.partial" and call.args:
                target = torch_kind(self.resolver.callee(call.args[0], scope))
                if target is not None:
                    spec = self.partial_spec(call, scope, target)
        self._layer_cache[key] = (spec, use)
        return spec

    def trace_layer(self, node: ast.expr, scope: Scope, depth: int = 0) -> LayerSpec | Unknown:
        """Follow an expression to the layer construction it evaluates to."""
        if depth > 20:
            return Unknown("the layer is bound through too many names")
        if isinstance(node, ast.Call):
            if self.resolver.callee(node.func, scope) == "copy.deepcopy" and node.args:
                return self.trace_layer(node.args[0], scope, depth + 1)
            spec = self.construction(node, scope)
            if spec is not None:
                return spec
            return Unknown(f"`{self.resolver.code(node)}` is not a torch layer lnlint knows")
        binding = self.resolver.binding_of(node, scope)
        if isinstance(binding, Binding) and binding.kind == "assign" and binding.node is not None:
            return self.trace_layer(binding.node, binding.scope, depth + 1)  # type: ignore[arg-type]
        if isinstance(binding, Unknown):
            return binding
        return Unknown(f"`{self.resolver.code(node)}` is not traced to a layer construction")

    # --- stacks ------------------------------------------------------------------------------
    def torch_stack(self, spec: LayerSpec, call: ast.Call, scope: Scope, stack_owner: str | None) -> StackSpec:
        layer_param = "encoder_layer" if spec.kind == "TransformerEncoder" else "decoder_layer"
        layer_node = _argument_node(call, 0, layer_param)
        layer = self.trace_layer(layer_node, scope) if layer_node is not None else spec.arg(layer_param)
        norm_node = _argument_node(call, 2, "norm")
        module = f"norm={self.resolver.code(norm_node)}" if norm_node is not None and self._norm_call(norm_node, scope) is not None else None
        final = final_norm(spec.arg("norm") if norm_node is not None else None, module)
        context = self._stack_context(spec.context, scope, stack_owner)
        width = self._layer_width_code(layer_node, scope) if layer_node is not None else None
        return StackSpec(spec.kind, layer, spec.arg("num_layers"), final, spec.location, context, spec.args, width)

    def _layer_width_code(self, node: ast.expr, scope: Scope) -> str | None:
        """The layer's d_model as written at its construction, when that text means the same
        at the stack's call: the layer is built there (inline, or bound once to a name in the
        same scope) and its d_model is a number, a name or an attribute of names."""
        if isinstance(node, ast.Name):
            binding = self.resolver.binding_of(node, scope)
            if not (isinstance(binding, Binding) and binding.kind == "assign" and binding.scope is scope):
                return None
            node = binding.node  # type: ignore[assignment]
        if not isinstance(node, ast.Call):
            return None
        width = _argument_node(node, 0, "d_model")
        plain = width
        while isinstance(plain, ast.Attribute):
            plain = plain.value
        if not (isinstance(plain, ast.Name) or (isinstance(plain, ast.Constant) and type(plain.value) is int)):
            return None
        return self.index.source.code(width)  # type: ignore[arg-type]

    def _norm_call(self, node: ast.expr, scope: Scope) -> ast.Call | None:
        """The call a stack's `norm=` argument evaluates to, followed through one name."""
        if isinstance(node, ast.Call):
            return node
        binding = self.resolver.binding_of(node, scope)
        if isinstance(binding, Binding) and isinstance(binding.node, ast.Call):
            return binding.node
        return None

    def list_stack(self, node: ast.AST, scope: Scope, located: ast.AST, stack_owner: str | None) -> StackSpec | None:
        """`[layer for _ in range(N)]` or `[layer] * N` (optionally inside ModuleList/Sequential)."""
        if isinstance(node, ast.ListComp):
            if len(node.generators) != 1:
                return None
            comp = node.generators[0]
            if comp.ifs or comp.is_async or not isinstance(comp.iter, ast.Call):
                return None
            if self.resolver.callee(comp.iter.func, scope) != "builtins.range":
                return None
            layer = self.trace_layer(node.elt, self.index.comprehension_scopes.get(id(node), scope))
            depth = _range_length(self.resolver, comp.iter, scope)
        elif isinstance(node, ast.BinOp):
            listed, count = (node.left, node.right) if isinstance(node.left, ast.List) else (node.right, node.left)
            layer = self.trace_layer(listed.elts[0], scope)  # type: ignore[attr-defined]
            depth = self.resolver.value(count, scope)
        else:
            return None
        if not (isinstance(layer, LayerSpec) and layer.kind in LAYER_KINDS):
            return None
        final = Value(False, "a list of layers has no final norm")
        return StackSpec("ModuleList", layer, depth, final, self.location(located), self._stack_context(layer.context, scope, stack_owner))

    def _stack_context(self, base: Context, scope: Scope, stack_owner: str | None) -> Context:
        later = self._normalised_later(scope, stack_owner) if stack_owner else None
        return Context(base.mitigations, base.placement_overridden, later, base.role)

    def _normalised_later(self, scope: Scope, attr: str) -> str | None:
        """The norm applied to the output of `self.<attr>` in a method of its class (see
        `later_norm`); where a method uses the stack in a way that is not followed, a norm
        used later in that method counts."""
        cls = scope.cls
        if cls is None:
            return None
        uses = [u for u in self.index.self_uses_of(cls) if u.method != "__init__"]
        for method_name in dict.fromkeys(u.method for u in uses if u.attr == attr):
            method = cls.methods.get(method_name)
            if method is None or not isinstance(method.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            found = later_norm.norm_after(method.node, attr, self._later_norm_module(cls, method))
            if isinstance(found, tuple):
                return f"{found[0]} at line {found[1]}"
            if found == later_norm.UNRECOGNISED:
                by_order = self._norm_used_after(cls, uses, method_name, attr)
                if by_order is not None:
                    return by_order
        return None

    def _norm_used_after(self, cls: ClassInfo, uses: list, method: str, attr: str) -> str | None:
        """A norm used in the method after the statement that uses the stack (or around it)."""
        norms = {name for name in cls.self_attrs if self._is_norm_attr(cls, name)}
        for use in uses:
            if use.method != method or use.attr != attr:
                continue
            for other in uses:
                if other.method != use.method or other.attr not in norms:
                    continue
                if attr in other.wraps or other.line > use.statement_end:
                    return f"self.{other.attr} at line {other.line}"
        return None

    def _later_norm_module(self, cls: ClassInfo, method: Scope) -> later_norm.Module:
        def callee(node: ast.expr) -> str | None:
            name = self.resolver.callee(node, method)
            return name if isinstance(name, str) else None

        return later_norm.Module(
            method.self_name or "self",
            lambda name: name in cls.self_attrs and (self._is_norm_attr(cls, name) or self._head_starts_with_norm(cls, name)),
            lambda name: any(callee_name.rpartition(".")[2] in _VALUE_KEEPING_MODULES for callee_name in self._self_attr_callees(cls, name)),
            callee,
        )

    def _self_attr_callees(self, cls: ClassInfo, name: str) -> list[str]:
        """What the calls assigned to `self.<name>` call (dotted names)."""
        found = []
        for binding in cls.self_attrs.get(name, ()):
            if isinstance(binding.node, ast.Call):
                callee = self.resolver.callee(binding.node.func, binding.scope)
                if isinstance(callee, str):
                    found.append(callee)
        return found

    def _head_starts_with_norm(self, cls: ClassInfo, name: str) -> bool:
        """`self.<name>` is an `nn.Sequential` whose first module is a norm, built in place or
        returned by a helper method of the class (`self.head = self._make_head()`)."""
        for binding in cls.self_attrs.get(name, ()):
            node = binding.node
            if not isinstance(node, ast.Call):
                continue
            if self._sequential_from_norm(node, binding.scope):
                return True
            function = node.func
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.attr in cls.methods:
                helper = cls.methods[function.attr]
                if any(self._sequential_from_norm(value, helper) for value in _returned_calls(helper.node)):
                    return True
        return False

    def _sequential_from_norm(self, call: ast.Call, scope: Scope) -> bool:
        callee = self.resolver.callee(call.func, scope)
        if not (isinstance(callee, str) and callee.rpartition(".")[2] == "Sequential" and call.args):
            return False
        first = call.args[0]
        if not isinstance(first, ast.Call):
            return False
        inner = self.resolver.callee(first.func, scope)
        return torch_kind(inner) in ("LayerNorm", "RMSNorm") or (isinstance(inner, str) and inner.endswith("Norm"))

    def _is_norm_attr(self, cls: ClassInfo, name: str) -> bool:
        if name in FINAL_NORM_NAMES:
            return True
        for binding in cls.self_attrs[name]:
            if isinstance(binding.node, ast.Call):
                callee = self.resolver.callee(binding.node.func, binding.scope)
                if torch_kind(callee) == "LayerNorm" or (isinstance(callee, str) and callee.endswith("Norm")):
                    return True
        return False

    # --- mitigations -------------------------------------------------------------------------
    def _mitigation_facts(self) -> Iterator[Fact]:
        """Calls, then named values, then scaled residuals, for the policy to decide on;
        generated lazily, since resolving values and lines costs."""
        policy = self.policy
        for call, scope in self.index.calls:
            callee = self.callee(call, scope)
            if not isinstance(callee, str):
                if not isinstance(call.func, ast.Attribute):
                    continue
                callee = call.func.attr  # a method of a local (`model.load_state_dict`): its name decides
            arguments = {}
            for parameter, position in policy.ARGUMENTS.get(callee.rpartition(".")[2], ()):
                node = _argument_node(call, position, parameter)
                if node is not None:
                    arguments[parameter] = self.resolver.value(node, scope)
            yield Fact("callable", callee, Line(call.lineno), arguments=arguments)
        for key, node, scope, line in self.index.named_values:
            if policy.wants_key(key):
                yield Fact("key", key, Line(line), self.resolver.value(node, scope))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield Fact("key", key, Line(line), Value(node.value, "literal"))
        for node in self.index.scaled_residuals:
            yield Fact("residual_scaling", self.index.source.code(node), Line(node.lineno))

    # --- driver ------------------------------------------------------------------------------
    def _assign_roles(self) -> None:
        """Mark the LayerNorms passed as a stack's final norm, so their findings say so."""
        if self._roles is not None:
            return
        self._roles = {}
        for call, scope in self.index.calls:
            kind = torch_kind(self.callee(call, scope))
            if kind in STACK_KINDS:
                norm = _argument_node(call, 2, "norm")
                norm_call = self._norm_call(norm, scope) if norm is not None else None
                if norm_call is not None:
                    self._roles[id(norm_call)] = final_norm_role(kind, call.lineno)

    def extract(self) -> list[tuple[Spec, ParameterUse]]:
        """Every spec of the module (or of the scopes under `within`), with the parameters
        its values were read from."""
        self._assign_roles()
        found: list[tuple[Spec, ParameterUse]] = []
        in_containers: set[int] = set()
        constructed: set[int] = set()  # classes of this file instantiated in it
        for call, scope in self.calls():
            if not _may_build(self.callee(call, scope)):
                continue
            with self.resolver.tracking() as use:
                specs = self._call_specs(call, scope, constructed, in_containers)
            found.extend((spec, use) for spec in specs)
        for node, scope in self.index.list_repeats:
            if id(node) not in in_containers and self.covers(scope):
                with self.resolver.tracking() as use:
                    stack = self.list_stack(node, scope, node, _assigned_self_attr(node, scope))
                if stack is not None:
                    found.append((stack, use))
        if self.within is None:
            found.extend(self._unconstructed_subclasses(constructed))
        elif self.within.cls is not None and self.within.kind == "class":
            found.extend(self._subclass_constructions([self.within.cls]))  # a followed torch subclass
        return found

    def calls(self) -> list[tuple[ast.Call, Scope]]:
        """The module's calls in source order, or those under `within`."""
        if self.within is None:
            return self.index.calls
        key = id(self.within)
        if key not in self._calls_within:
            self._calls_within[key] = self.index.calls_under(self.within)
        return self._calls_within[key]

    def covers(self, scope: Scope) -> bool:
        """Whether `scope` is inside the scope this extraction is limited to."""
        current: Scope | None = scope
        while current is not None and self.within is not None:
            if current is self.within:
                return True
            current = current.parent
        return self.within is None

    def _call_specs(self, call: ast.Call, scope: Scope, constructed: set[int], in_containers: set[int]) -> list[Spec]:
        callee = self.callee(call, scope)
        if isinstance(callee, ClassInfo):
            constructed.update(id(c) for c in self._class_chain(callee))
        if callee in _CONTAINERS:
            owner = _assigned_self_attr(call, scope)
            stacks = []
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                arg = arg.value if isinstance(arg, ast.Starred) else arg
                stack = self.list_stack(arg, scope, call, owner)
                if stack is not None:
                    stacks.append(stack)
                    in_containers.add(id(arg))
            return stacks
        spec = self.construction(call, scope)
        if not isinstance(spec, LayerSpec):
            return []
        if spec.kind in STACK_KINDS:
            return [self.torch_stack(spec, call, scope, _assigned_self_attr(call, scope))]
        return [spec, *transformer_stacks(spec)] if spec.kind == "Transformer" else [spec]

    def _unconstructed_subclasses(self, constructed: set[int]) -> list[tuple[Spec, ParameterUse]]:
        """A torch subclass never instantiated here: its super().__init__ is the construction."""
        return self._subclass_constructions([c for c in self.index.classes if id(c) not in constructed])

    def _subclass_constructions(self, classes: list[ClassInfo]) -> list[tuple[Spec, ParameterUse]]:
        """The super().__init__ call of each torch subclass among `classes`, as its construction."""
        specs: list[tuple[Spec, ParameterUse]] = []
        for cls in classes:
            kind = self.torch_base(cls)
            call = self._super_init(cls) if kind is not None else None
            if call is None:
                continue
            init = cls.methods["__init__"]
            with self.resolver.tracking() as use:
                spec = self.torch_call_spec(call, init, kind, self._placement_override(cls))  # type: ignore[arg-type]
            specs.append((spec, use))
        return specs


def _may_build(callee: Callee) -> bool:
    """Whether a call of `callee` can build a torch class or a container of layers: something
    of torch's, `functools.partial`, or a class of the module (a subclass). Most calls of a
    module are none of these, and are passed over before tracking what they read."""
    return isinstance(callee, ClassInfo) or isinstance(callee, str) and callee.startswith(("torch", "functools.partial"))


def _argument_node(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[position] if position < len(positional) else None


def _range_length(resolver: Resolver, call: ast.Call, scope: Scope) -> Resolved:
    args = resolver.arguments(call, scope)
    if args.rest is not None or args.keywords or not 1 <= len(args.positional) <= 3:
        return Unknown(f"`{resolver.code(call)}` is not a range lnlint follows")
    for item in args.positional:
        if not isinstance(item, Value) or not isinstance(item.value, int):
            return item if isinstance(item, Unknown) else Unknown("range of a non-integer")
    bounds = [v.value for v in args.positional]  # type: ignore[union-attr]
    try:
        length = len(range(*bounds))  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return Unknown(f"`{resolver.code(call)}` is not a valid range")
    # range(N) reads as N itself; range(a, b[, s]) as the expression.
    origin = args.positional[0].origin if len(bounds) == 1 else f"`{resolver.code(call)}`"  # type: ignore[union-attr]
    return Value(length, origin)


def bind_to_function(function: FunctionNode, args, method: bool) -> dict[str, Resolved]:
    """Bind a call's arguments to a function's parameters (a method's after self)."""
    params = positional_params(function)[1 if method else 0:]
    bound: dict[str, Resolved] = {}
    extra_positional = list(args.positional[len(params):])
    for param, value in zip(params, args.positional):
        bound[param.arg] = value
    names = {p.arg for p in (*params, *function.args.kwonlyargs)}
    extra_keywords = {}
    for name, value in args.keywords.items():
        if name in names:
            bound.setdefault(name, value)
        else:
            extra_keywords[name] = value
    star, kwstar = function.args.vararg, function.args.kwarg
    if star is not None:
        bound[star.arg] = args.rest or Value(extra_positional, "arguments of the call")
    if kwstar is not None:
        bound[kwstar.arg] = args.rest or Value(extra_keywords, "arguments of the call")
    if args.rest is not None:
        for name in names:
            bound.setdefault(name, args.rest)
    return bound


def _assigned_self_attr(node: ast.AST, scope: Scope) -> str | None:
    """The attribute `x` when `node` is the value of `self.x = ...` in a method of a class."""
    cls = scope.cls
    if cls is None:
        return None
    for attr, bindings in cls.self_attrs.items():
        if any(b.node is node for b in bindings):
            return attr
    return None
