"""Value flow across the project's own Python modules.

Real projects pass sizes into the function or class that builds a layer. A construction whose
values are read from parameters of a function that the project calls is evaluated at each
call site instead: the call's arguments are bound to the parameters (the callee's defaults
fill the rest) and the callee's code is read again under that binding, following further
calls into the project's functions and classes up to MAX_HOPS deep. The finding is reported
at the call that supplies the values, with the chain of calls down to the construction. A
function the project never calls keeps its parameter defaults, as a single file would.

Modules are found under the module roots (the project folder, its `src/`, the folder above
each top-level package, and the `src` setting) and parsed only when a name they define or
use is needed; nothing outside the roots is read, and nothing is imported or run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from lnlint.frontends.policy import MitigationPolicy
from lnlint.frontends.source import SourceError, decode_python, read_regular_file
from lnlint.lint import display_path
from lnlint.settings import Settings
from lnlint.spec import TRANSFORMER_PARTS, Hop, Location, Mitigations, Resolved, Spec, Unknown, Value

if TYPE_CHECKING:  # libcst and the analysis load only once a module is parsed
    import libcst as cst

    from lnlint.frontends.python.facts import ModuleIndex
    from lnlint.frontends.python.frontend import Extractor
    from lnlint.frontends.python.scopes import Binding, ClassInfo, Scope
    from lnlint.frontends.python.values import Arguments, ParameterUse, Resolver

MAX_HOPS = 8
# Bytes that a file naming a torch class contains (`frontends.python` pre-filters on them).
TORCH_MARKERS = (b"Transformer", b"LayerNorm")


@dataclass(eq=False)
class Module:
    """One parsed module of the project."""

    path: Path
    display: str  # as findings show it
    name: str | None  # dotted name under a module root
    is_package: bool
    text: str
    index: ModuleIndex
    resolver: Resolver
    extractor: Extractor
    _extracted: list[tuple[Spec, ParameterUse]] | None = None

    def location(self, node: cst.CSTNode) -> Location:
        return self.extractor.location(node)

    def extracted(self) -> list[tuple[Spec, ParameterUse]]:
        """The module's own specs, read once."""
        if self._extracted is None:
            self._extracted = self.extractor.extract()
        return self._extracted


@dataclass(frozen=True, eq=False)
class Target:
    """A function or class of the project that a call runs: `params` is the scope its
    arguments bind to (the function, or the class's `__init__`), `body` the scope whose code
    runs (the function, or the whole class)."""

    module: Module
    name: str
    params: Scope | None
    body: Scope
    method: bool  # arguments bind after `self`

    def same_as(self, other: "Target") -> bool:
        return self.module is other.module and self.body is other.body


class PythonProject:
    """The project's Python modules, parsed on demand and kept for the run."""

    def __init__(self, settings: Settings, paths: Iterable[Path]) -> None:
        self.settings = settings
        self.policy = MitigationPolicy(settings.warmup_keys)
        self.roots: list[Path] = []
        folders: set[Path] = set()
        for path in paths:
            folder = path.resolve().parent
            if folder not in folders:
                folders.add(folder)
                self.roots.extend(r for r in module_roots(folder, settings) if r not in self.roots)
        self._modules: dict[Path, Module | None] = {}
        self._files: list[Path] | None = None
        self._read: dict[Path, bytes] = {}
        self._callers: dict[tuple[int, int], bool] = {}
        self._paths: dict[str, Path] | None = None
        self._targets: dict[Path, set[Path]] = {}
        self._reaching: dict[Path, bool] = {}
        self._importers_of: dict[Path, set[Path]] | None = None

    # --- modules -----------------------------------------------------------------------------
    def module_name(self, path: Path) -> tuple[str, bool] | None:
        """(dotted name, is a package) of a file under one of the roots."""
        for root in self.roots:
            try:
                parts = list(path.relative_to(root).with_suffix("").parts)
            except ValueError:
                continue
            package = bool(parts) and parts[-1] == "__init__"
            if package:
                parts = parts[:-1]
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts), package
        return None

    def path_of(self, name: str) -> Path | None:
        """The project file of a dotted module name (the first root that has it)."""
        if self._paths is None:
            self._paths = {}
            for root in reversed(self.roots):  # earlier roots win
                for path in self._project_files():
                    try:
                        parts = list(path.relative_to(root).with_suffix("").parts)
                    except ValueError:
                        continue
                    if parts and parts[-1] == "__init__":
                        parts = parts[:-1]
                    if parts and all(part.isidentifier() for part in parts):
                        self._paths[".".join(parts)] = path
        return self._paths.get(name)

    def module(self, path: Path) -> Module | None:
        """The parsed module at `path`; None when it cannot be read or parsed (the file's own
        lint reports that)."""
        from lnlint.frontends.python.parsing import parse_cpython, parse_libcst

        path = path.resolve()
        if path in self._modules:
            return self._modules[path]
        self._modules[path] = None  # a module being parsed is not re-entered
        try:
            text = decode_python(read_regular_file(path) or b"")
            tree, error = parse_cpython(text)
            module = parse_libcst(text, error)
        except (OSError, SourceError):
            return None
        return self.add(path, display_path(path), text, module, tree)

    def add(self, path: Path, display: str, text: str, module: cst.Module, tree: ast.Module | None) -> Module:
        """A module parsed by the caller (the file being linted, shown as `display`)."""
        from lnlint.frontends.python.facts import index_module
        from lnlint.frontends.python.frontend import Extractor
        from lnlint.frontends.python.values import Resolver

        path = path.resolve()
        known = self._modules.get(path)
        if known is not None:
            if known.text == text:
                return known
            self._forget()  # the file changed since it was read: so may what was derived from it
        index = index_module(module, tree)
        named = self.module_name(path)
        resolver = Resolver(index)
        parsed = Module(path, display, named[0] if named else None, bool(named and named[1]), text, index, resolver,
                        Extractor(index, display, self.policy, resolver))
        resolver.imported = lambda qualname, local: self.imported_value(parsed, qualname)
        resolver.imported_class = lambda qualname: self.imported_class(parsed, qualname)
        self._modules[path] = parsed
        return parsed

    def _forget(self) -> None:
        self._modules.clear()
        self._files = None
        self._read.clear()
        self._paths = None
        self._callers.clear()
        self._targets.clear()
        self._reaching.clear()
        self._importers_of = None

    def _absolute(self, module: Module, qualname: str) -> str | None:
        """`.sizes.WIDTH` imported in `pkg.models` → `pkg.sizes.WIDTH`."""
        level = len(qualname) - len(qualname.lstrip("."))
        if level == 0:
            return qualname
        if module.name is None:
            return None
        package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
        if level - 1 > len(package):
            return None
        base = package[: len(package) - (level - 1)]
        rest = qualname[level:]
        return ".".join([*base, rest] if rest else base)

    def _definition(
        self, module: Module | None, qualname: str, depth: int = 0, constructs: bool = False
    ) -> tuple[Module, Binding] | None:
        """The module-level binding a dotted name imported in `module` (None: an absolute name
        from a config) refers to, following re-exports (`from .models import Net` in a
        package's `__init__`). With `constructs`, modules that cannot reach a torch class
        (see `reaches_a_construction`) are not parsed: a call into them builds nothing."""
        absolute = self._absolute(module, qualname) if module is not None else qualname
        if absolute is None or depth > MAX_HOPS or absolute.split(".")[0] in ("torch", "builtins"):
            return None
        parts = absolute.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self.path_of(".".join(parts[:cut]))
            if path is None:
                continue
            if cut != len(parts) - 1:
                return None  # an attribute of an attribute: not followed
            if constructs and not (self._names_torch(path) or self.reaches_a_construction(path, self._bytes(path))):
                return None
            owner = self.module(path)
            bindings = owner.index.root.bindings.get(parts[cut]) if owner is not None else None
            if owner is None or not bindings or len(bindings) != 1:
                return None
            binding = bindings[0]
            if binding.kind == "import" and binding.qualname:
                return self._definition(owner, binding.qualname, depth + 1, constructs)
            return owner, binding
        return None

    def imported_value(self, module: Module, qualname: str) -> Resolved | None:
        """The value of a module-level constant imported from the project (None: not one)."""
        found = self._definition(module, qualname)
        if found is None:
            return None
        owner, binding = found
        if binding.kind != "assign" or binding.node is None:
            return None
        value = owner.resolver.value(binding.node, binding.scope)  # type: ignore[arg-type]
        if not isinstance(value, Value):
            return value
        name = qualname.rpartition(".")[2]
        where = f"{name} at {owner.display}:{binding.line}"
        return Value(value.value, where if value.origin == "literal" else f"{where} = {value.origin}")

    def imported_class(self, module: Module, qualname: str) -> tuple[Resolver, ClassInfo] | None:
        """A class imported from the project, with the resolver of the module defining it."""
        found = self._definition(module, qualname)
        cls = _defined(*found) if found is not None and found[1].kind == "class" else None
        return (found[0].resolver, cls) if cls is not None else None  # type: ignore[index,return-value]

    # --- call targets ------------------------------------------------------------------------
    def target(self, callee: object, module: Module) -> Target | None:
        """The project function or class a call runs, if it is one lnlint follows."""
        if not isinstance(callee, str):
            return self._target_of_definition(callee, module, followed_subclass=False)
        found = self._definition(module, callee, constructs=True)
        return self._target_of_definition(_defined(*found), found[0], followed_subclass=True) if found else None

    def _target_of_definition(self, definition: object, module: Module, followed_subclass: bool) -> Target | None:
        """A class or function of `module` as a call target. A torch subclass is one only when
        called from elsewhere: in its own module the frontend builds it as a construction."""
        from lnlint.frontends.python.scopes import ClassInfo, Scope

        if isinstance(definition, ClassInfo):
            if not followed_subclass and module.extractor.torch_base(definition) is not None:
                return None
            if definition.body is None:
                return None
            return Target(module, definition.name, definition.methods.get("__init__"), definition.body, method=True)
        if isinstance(definition, Scope) and definition.kind == "function" and definition.cls is None:
            return Target(module, definition.name, definition, definition, method=False)
        return None

    def _owner_target(self, module: Module, scope_id: int) -> Target | None:
        """The target whose parameters a scope (by id) holds: a function, or a class's __init__."""
        for scope in module.index.function_scopes.values():
            if id(scope) != scope_id:
                continue
            if scope.cls is None:
                return Target(module, scope.name, scope, scope, method=False)
            if scope.name == "__init__" and scope.parent is not None:
                return Target(module, scope.cls.name, scope, scope.parent, method=True)
        return None

    def _project_files(self) -> list[Path]:
        """Every Python file under the roots that the settings let lnlint read (a walk; the
        bytes are read only when a file is needed, see `_bytes`)."""
        if self._files is None:
            from lnlint.discover import discover

            python = replace(self.settings, include=("*.py",), force_exclude=True)
            self._files = [path.resolve() for path in discover(self.roots, python)]
        return self._files

    def _bytes(self, path: Path) -> bytes:
        if path not in self._read:
            try:
                self._read[path] = read_regular_file(path) or b""
            except (OSError, SourceError):
                self._read[path] = b""
        return self._read[path]

    def has_callers(self, target: Target) -> bool:
        """Whether any module of the project calls `target` (found by name, then resolved)."""
        key = (id(target.module), id(target.body))
        if key not in self._callers:
            self._callers[key] = any(True for _ in self._calls_of(target))
        return self._callers[key]

    def _calls_of(self, target: Target) -> Iterator[tuple[Module, cst.Call, Scope]]:
        """The project's calls of `target`: looked for in the modules parsed already (the file
        being linted among them, wherever it lies) and in the files that import the target's
        module (through packages that re-export it), where the bytes show a call of its name."""
        call = re.compile(rb"\b" + re.escape(target.name.encode()) + rb"[ \t]*\(")
        modules = [m for m in list(self._modules.values()) if m is not None and target.name in m.text]
        for path in sorted(self._importers_through_packages(target.module.path)):
            if call.search(self._bytes(path)):
                module = self.module(path)
                if module is not None and module not in modules:
                    modules.append(module)
        for module in modules:
            for found_call, scope, found in self._calls_into(module):
                if found.same_as(target):
                    yield module, found_call, scope

    def _importers_through_packages(self, path: Path) -> set[Path]:
        """Files that import `path`, also through the package `__init__` that imports it."""
        if self._importers_of is None:
            self._importers_of = {}
            for source in self._project_files():
                for target in self._import_targets(source, None):
                    self._importers_of.setdefault(target, set()).add(source)
        direct = self._importers_of.get(path, set())
        # One package level: `pkg/__init__.py` re-exporting `pkg.models.Net` for `from pkg import
        # Net`. Deeper chains of re-exports are not followed (in large packages every file
        # would become a candidate); a caller only reached that way is not seen.
        packages = {i for p in direct if p.name == "__init__.py" for i in self._importers_of.get(p, ())}
        return direct | packages

    def from_callers(self, module: Module, use: ParameterUse, own: Target | None = None) -> bool:
        """Whether values were read from parameters that the project's calls supply."""
        for scope_id in use.unbound:
            owner = self._owner_target(module, scope_id)
            if owner is not None and not (own is not None and owner.same_as(own)) and self.has_callers(owner):
                return True
        return False

    # --- evaluation --------------------------------------------------------------------------
    def specs(self, module: Module) -> list[Spec]:
        """The module's specs: constructions whose values are known where they stand, and
        the constructions its calls reach in the project, located at those calls."""
        if not self.settings.value_flow:
            return [spec for spec, _ in module.extracted()]
        found = [spec for spec, use in module.extracted() if not self.from_callers(module, use)]
        for call, scope, target in self._calls_into(module):
            with module.resolver.tracking() as use:
                args = module.resolver.arguments(call, scope)
            if self.from_callers(module, use) or not _passes_a_value(args):
                continue  # values from its own callers (evaluated from there), or none known
            hop = Hop(module.location(call), module.resolver.code(call, 50))
            found.extend(self._follow(target, args, (hop,), 0, module.extractor.mitigations))
        return found

    def follow_config(
        self, qualname: str, args: Arguments, hop: Hop, mitigations: Mitigations, partial: bool
    ) -> list[Spec]:
        """The specs a config mapping that names a project class or function (Hydra
        `_target_`, `class_path`, `!new:`) builds, located at the mapping; [] when the name is
        not the project's."""
        found = self._definition(None, qualname, constructs=True) if self.settings.value_flow else None
        if found is None:
            return []
        target = self._target_of_definition(_defined(*found), found[0], followed_subclass=True)
        return self._follow(target, args, (hop,), 0, mitigations, partial) if target is not None else []

    def _follow(
        self, target: Target, args: Arguments, chain: tuple[Hop, ...], hops: int, mitigations: Mitigations,
        partial: bool = False,
    ) -> list[Spec]:
        """The specs a call of `target` builds; `chain` ends with that call."""
        from lnlint.frontends.python.frontend import Extractor, bind_to_function

        params = bind_to_function(target.params.node, args, target.method) if target.params is not None else {}  # type: ignore[arg-type]
        if partial and target.params is not None:
            left = Unknown("left to the caller of the partial")
            params = {name: params.get(name, left) for name in _parameter_names(target.params.node, target.method)}  # type: ignore[arg-type]
        module = target.module
        resolver = module.resolver.with_env(target.params or target.body, params)
        extractor = Extractor(module.index, module.display, self.policy, resolver, within=target.body)
        mitigations = mitigations.merged(extractor.mitigations)
        found: list[Spec] = []
        for spec, use in extractor.extract():
            if _reads_the_call(use, target) and not self.from_callers(module, use, own=target):
                found.append(_relocated(spec, chain, mitigations))
        if hops >= MAX_HOPS:
            return found
        for inner_call, scope in module.index.calls:
            if not extractor.covers(scope):
                continue
            inner = self.target(extractor.callee(inner_call, scope), module)
            if inner is None:
                continue
            with resolver.tracking() as use:
                inner_args = resolver.arguments(inner_call, scope)
            if _reads_the_call(use, target) and _passes_a_value(inner_args):
                hop = Hop(module.location(inner_call), module.resolver.code(inner_call, 50))
                found.extend(self._follow(inner, inner_args, (*chain, hop), hops + 1, mitigations))
        return found

    # --- which files need the flow -----------------------------------------------------------
    def reaches_a_construction(self, path: Path, data: bytes) -> bool:
        """Whether a file imports a project module that names a torch class, directly or
        through other project modules (up to MAX_HOPS): only such a file can pass values to a
        construction, and needs the flow analysis."""
        path = path.resolve()
        if not self.settings.value_flow:
            return False
        if path not in self._reaching:
            self._reaching[path] = self._imports_torch_naming_module(path, data)
        return self._reaching[path]

    def _imports_torch_naming_module(self, path: Path, data: bytes) -> bool:
        frontier = self._import_targets(path, data)
        seen = {path}
        for _ in range(MAX_HOPS):
            if any(self._names_torch(target) for target in frontier):
                return True
            seen |= frontier
            frontier = {t for target in frontier for t in self._import_targets(target, None)} - seen
            if not frontier:
                return False
        return False

    def _names_torch(self, path: Path) -> bool:
        data = self._bytes(path)
        return any(marker in data for marker in TORCH_MARKERS)

    def _import_targets(self, path: Path, data: bytes | None) -> set[Path]:
        """The project files a file imports (modules, and submodules named in `from` lists)."""
        if data is None:
            if path in self._targets:
                return self._targets[path]
            data = self._bytes(path)
        targets = set()
        for module, names in self._imports(path, data):
            for target in (self.path_of(module), *(self.path_of(f"{module}.{n}") for n in names)):
                if target is not None and target != path:
                    targets.add(target)
        self._targets[path] = targets
        return targets

    def _imports(self, path: Path, data: bytes) -> Iterator[tuple[str, list[str]]]:
        """(absolute module, names) of each import statement, read from the bytes."""
        for match in _IMPORT.finditer(data):
            if match.group("plain") is not None:
                for name in match.group("plain").decode(errors="replace").split(","):
                    module = name.split(" as ")[0].strip()
                    if module:
                        yield module, []
                continue
            dots = len(match.group("dots"))
            module = self._imported_module(path, match.group("module").decode(errors="replace") or None, dots)
            names = [n.split(" as ")[0].strip() for n in match.group("names").decode(errors="replace").strip("()").split(",")]
            if module:
                yield module, [n for n in names if n.isidentifier()]

    def _imported_module(self, path: Path, module: str | None, level: int) -> str | None:
        """The absolute name of the module an ImportFrom in `path` names (None: not known)."""
        if level == 0:
            return module
        named = self.module_name(path)
        if named is None:
            return None
        package = named[0].split(".") if named[1] else named[0].split(".")[:-1]
        if level - 1 > len(package):
            return None
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, module] if module else base) or None

    def _calls_into(self, module: Module) -> Iterator[tuple[cst.Call, Scope, Target]]:
        """The module's calls of the project's functions and classes."""
        for call, scope in module.index.calls:
            target = self.target(module.extractor.callee(call, scope), module)
            if target is not None:
                yield call, scope, target


_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(?P<dots>\.*)(?P<module>[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]+)"
    rb"|import[ \t]+(?P<plain>[\w., \t]+))",
    re.M,
)


def _defined(module: Module, binding: Binding) -> object:
    """The class (ClassInfo) or function (its Scope) a module-level binding defines, or None."""
    if binding.kind == "class":
        return next((c for c in module.index.classes if c.node is binding.node), None)
    if binding.kind == "function":
        return module.index.function_scopes.get(id(binding.node))
    return None


def _parameter_names(function, method: bool) -> list[str]:
    params = [*function.params.posonly_params, *function.params.params][1 if method else 0:]
    return [p.name.value for p in (*params, *function.params.kwonly_params)]


def _passes_a_value(args: Arguments) -> bool:
    """Whether a call gives its callee anything known: a known argument, or no argument at
    all (the callee's defaults). A call whose every argument is unknown cannot lead to a
    finding, and following it through a large model costs the most."""
    given = [*args.positional, *args.keywords.values()]
    return args.rest is None and (not given or any(isinstance(value, Value) for value in given))


def _reads_the_call(use: ParameterUse, target: Target) -> bool:
    """Whether values were read from what a call to `target` passed, or from the defaults of
    the parameters it left out."""
    return use.bound or (target.params is not None and id(target.params) in use.unbound)


def _relocated(spec: Spec, chain: tuple[Hop, ...], mitigations: Mitigations) -> Spec:
    """The spec reported at the first call of `chain`, with the construction as the last hop."""
    construction = Hop(spec.location, f"{TRANSFORMER_PARTS.get(spec.kind, spec.kind)}(...)")
    context = replace(spec.context, mitigations=mitigations.merged(spec.context.mitigations), chain=(*chain, construction))
    return replace(spec, location=chain[0].location, context=context)  # type: ignore[arg-type]


def module_roots(folder: Path, settings: Settings) -> list[Path]:
    """Where module names start for the files of a folder: the folder of the nearest
    pyproject.toml and its `src/` (the folder itself without one), the folder above its
    top-level package, the configured `src` folders, and the settings' root (the
    configuration's folder, or the working directory) when the folder lies inside it."""
    project = next((f for f in (folder, *folder.parents) if (f / "pyproject.toml").is_file()), folder)
    package = folder
    while (package / "__init__.py").is_file():
        package = package.parent
    candidates = [project, project / "src", package, *(settings.root / src for src in settings.src)]
    if folder.is_relative_to(settings.root.resolve()):
        candidates.append(settings.root)
    roots: list[Path] = []
    for candidate in candidates:
        candidate = candidate.resolve()
        if candidate.is_dir() and candidate not in roots:
            roots.append(candidate)
    return roots
