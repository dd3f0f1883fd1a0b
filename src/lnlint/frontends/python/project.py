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
import hashlib
import json
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from lnlint import dependencies
from lnlint.frontends.policy import MitigationPolicy
from lnlint.rules import run_rules
from lnlint.frontends.source import SourceError, decode_python, read_regular_file
from lnlint.lint import display_path
from lnlint.settings import Settings
from lnlint.frontends.signatures import FUNCTIONAL_NORMS
from lnlint.spec import STACKED_KINDS, TORCH_KINDS, TRANSFORMER_PARTS, Hop, Location, Mitigations, Resolved, Spec, Unknown, Value

if TYPE_CHECKING:  # the analysis loads only once a module is parsed
    from lnlint.cache import Cache
    from lnlint.frontends.python.facts import ModuleIndex
    from lnlint.frontends.python.frontend import Extractor
    from lnlint.frontends.python.scopes import Binding, ClassInfo, FunctionNode, Scope
    from lnlint.frontends.python.values import Arguments, Callee, ParameterUse, Resolver

MAX_HOPS = 8
# A torch class's name as a whole word, or a functional norm named through its module: a
# file without one cannot build it by name (`frontends.python` pre-filters on it). A whole
# word, since "Transformers" is in the docstring of every file of some projects. A
# functional norm reached under another alias of torch.nn.functional is not seen, and the
# functional names do not make a function "constructing" (see `constructing_names`): a
# shape passed into a function that calls F.layer_norm is not followed.
# (Without the word boundary before the names: with one, the regex engine cannot skip ahead
# to their first letters; `_word_matches` checks it.)
_KINDS = b"|".join(kind.encode() for kind in TORCH_KINDS)
_NAMES_A_TORCH_CLASS = re.compile(rb"(?:" + _KINDS + rb")\b")
_FUNCTIONAL = b"|".join(name.encode() for name in FUNCTIONAL_NORMS)
# A functional norm through its module (`F.layer_norm`, `torch.layer_norm`) or imported by
# name: `self.layer_norm` alone is an attribute in most models. The attribute is found from
# its dot, and the module's name looked for before it on the line: most files that hold
# "layer_norm" hold it as `self.layer_norm`, and a pattern that starts with the module's
# name would try every "F" of the file.
_FUNCTIONAL_ATTRIBUTE = re.compile(rb"\.[ \t]*(?:" + _FUNCTIONAL + rb")\b")
_FUNCTIONAL_MODULE_BEFORE = re.compile(rb"\b(?:functional|F|torch)[ \t]*\Z")
_FUNCTIONAL_IMPORT = re.compile(rb"\n[ \t]*from[ \t]+torch[^\n]*\b(?:" + _FUNCTIONAL + rb")\b")


def _word_matches(pattern: re.Pattern[bytes], data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of `pattern` that start a word (where `\\b` before it would match)."""
    for match in pattern.finditer(data):
        start = match.start()
        if start == 0 or not (data[start - 1] == 95 or data[start - 1 : start].isalnum()):  # 95: `_`
            yield match


def names_a_torch_class(code: bytes) -> bool:
    """Whether a file's code (see `_code`) names a torch class lnlint checks, or a functional
    norm."""
    if next(_word_matches(_NAMES_A_TORCH_CLASS, code), None) is not None:
        return True
    if not any(name.encode() in code for name in FUNCTIONAL_NORMS):
        return False
    for match in _FUNCTIONAL_ATTRIBUTE.finditer(code):
        line = code.rfind(b"\n", 0, match.start()) + 1
        if _FUNCTIONAL_MODULE_BEFORE.search(code, line, match.start()) is not None:
            return True
    return _FUNCTIONAL_IMPORT.search(code) is not None


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
    builds: bool  # whether its code names a torch class, so that it can build one itself
    _extracted: list[tuple[Spec, ParameterUse]] | None = None
    calls_into: list[tuple[ast.Call, Scope, Callee, bool]] | None = None  # see PythonProject._calls_into

    def location(self, node: ast.AST) -> Location:
        return self.extractor.location(node)

    def dispose(self) -> None:
        """Break the cycles among the module's scopes, bindings, classes and resolver, so that
        reference counting frees its tree once the module is dropped (the cyclic collector
        is off during a run, and would have to traverse every tree to find them)."""
        index = self.index
        scopes = [index.root, *index.function_scopes.values(), *index.comprehension_scopes.values()]
        scopes.extend(info.body for info in index.classes if info.body is not None)
        for scope in scopes:
            scope.bindings, scope.parent, scope.cls, scope.node = {}, None, None, None
        for info in index.classes:
            info.body, info.methods, info.self_attrs = None, {}, {}
        self.resolver.imported = self.resolver.imported_class = None
        self.calls_into = self._extracted = None

    def extracted(self) -> list[tuple[Spec, ParameterUse]]:
        """The module's own specs, read once (none when its code names no torch class)."""
        if self._extracted is None:
            self._extracted = self.extractor.extract() if self.builds else []
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

    def same_as(self, other: "Target | None") -> bool:
        return other is not None and self.module is other.module and self.body is other.body


class PythonProject:
    """The project's Python modules, parsed on demand and kept for the run."""

    def __init__(self, settings: Settings, paths: Iterable[Path], cache: Cache | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.policy = MitigationPolicy(settings.warmup_keys)
        self.roots: list[Path] = []
        self._walked: list[Path] = []  # where the project's files are looked for
        folders: set[Path] = set()
        for memo in (_is_file, _is_dir, _resolved):  # what the disk said before this project may have changed
            memo.cache_clear()
        parents: set[Path] = set()
        roots: set[Path] = set()
        walks: set[Path] = set()
        for path in paths:
            if path.parent in parents and not path.is_symlink():
                continue  # a folder's files share its roots
            parents.add(path.parent)
            folder = path.resolve().parent
            if folder not in folders:
                folders.add(folder)
                for root, walked in module_roots(folder, settings):
                    if root not in roots:
                        roots.add(root)
                        self.roots.append(root)
                    if walked not in walks:
                        walks.add(walked)
                        self._walked.append(walked)
        # a folder inside another walked folder is walked with it
        self._walked = [f for f in self._walked if not any(parent in walks for parent in f.parents)]
        self._modules: dict[Path, Module | None] = {}
        self._dropped: set[Path] = set()  # modules released once (see `release`)
        self._kept: set[Path] = set()  # modules other files asked for again after that: never released
        self._names: dict[Path, tuple[str, bool] | None] = {}
        self._rank: dict[Path, int] | None = None
        self._files: list[Path] | None = None
        self._facts: dict[Path, tuple[bool, list]] = {}  # see _file_facts
        self._blocks: dict[Path, tuple] = {}  # top-level blocks read with the facts, until names are found
        self._read_facts: set[Path] = set()  # whose facts were read from the bytes, not the cache
        self._calls: dict[Path, frozenset[str]] = {}
        self._callers: dict[tuple[int, int], tuple[bool, frozenset[Path]]] = {}
        self._paths: dict[str, Path] | None = None
        self._targets: dict[Path, set[Path]] = {}
        self._constructing: dict[Path, frozenset[bytes]] = {}  # see constructing_names
        self._locations: dict[tuple[str | None, bool | None, str], tuple[Path, str] | None] = {}  # see _located
        self._config_classes: dict[Path, tuple[bool, frozenset[str], dict[str, list[Path]]]] = {}  # see _may_bind_config_class
        self._importers_of: dict[Path, set[Path]] | None = None
        self._unchanged = False  # the cache's snapshot of the project's files holds (see fingerprint)

    # --- modules -----------------------------------------------------------------------------
    def module_name(self, path: Path) -> tuple[str, bool] | None:
        """(dotted name, is a package) of a file under one of the roots (the first that gives
        it a name)."""
        if path not in self._names:
            self._names[path] = next((named for _, named in self._names_under_roots(path)), None)
        return self._names[path]

    def _names_under_roots(self, path: Path) -> list[tuple[int, tuple[str, bool]]]:
        """(root's rank, (dotted name, is a package)) under each root above `path`, first
        root first. Found from the path's folders: a project without a pyproject.toml has a
        root per folder."""
        if self._rank is None:
            self._rank = {}
            for rank, root in enumerate(self.roots):
                self._rank.setdefault(str(root), rank)
        found = []
        text = str(path)
        folder = os.path.dirname(text)
        while True:  # the folders above, as text (Path objects hash and compare slowly)
            rank = self._rank.get(folder)
            if rank is not None:
                parts = text[len(folder.rstrip(os.sep)) + 1:].removesuffix(".py").split(os.sep)
                package = bool(parts) and parts[-1] == "__init__"
                if package:
                    parts = parts[:-1]
                if parts and all(part.isidentifier() for part in parts):
                    found.append((rank, (".".join(parts), package)))
            above = os.path.dirname(folder)
            if above == folder:
                break
            folder = above
        return sorted(found)

    def path_of(self, name: str) -> Path | None:
        """The project file of a dotted module name (the first root that has it)."""
        if self._paths is None:
            ranked: dict[str, tuple[int, Path]] = {}
            for path in self._project_files():
                names = self._names_under_roots(path)
                self._names.setdefault(path, names[0][1] if names else None)
                for rank, (dotted, _) in names:
                    if dotted not in ranked or rank < ranked[dotted][0]:
                        ranked[dotted] = (rank, path)
            self._paths = {dotted: path for dotted, (_, path) in ranked.items()}
        return self._paths.get(name)

    def module(self, path: Path) -> Module | None:
        """The parsed module at `path`; None when it cannot be read or parsed (the file's own
        lint reports that)."""
        from lnlint.frontends.python.parsing import parse

        dependencies.note(path)  # `path` is resolved: the project's paths all are
        if path in self._modules:
            known = self._modules[path] = self._modules.pop(path)  # the most recently used last
            return known
        self._modules[path] = None  # a module being parsed is not re-entered
        try:
            text = decode_python(read_regular_file(path) or b"")
            tree = parse(text)
        except (OSError, SourceError):
            return None
        if path in self._dropped:
            self._kept.add(path)  # asked for again by other files: a module many of them use
        return self.add(path, display_path(path), text, tree)

    def parsed(self, path: Path, text: str) -> Module | None:
        """The module already parsed from this text at `path` (as another file's import)."""
        known = self._modules.get(_resolved(path))
        return known if known is not None and known.text == text else None

    def add(self, path: Path, display: str, text: str, tree: ast.Module, builds: bool | None = None) -> Module:
        """A module parsed by the caller (the file being linted, shown as `display`);
        `builds`: whether its code names a torch class, when the caller already knows."""
        from lnlint.frontends.python.facts import index_module
        from lnlint.frontends.python.frontend import Extractor
        from lnlint.frontends.python.values import Resolver

        path = _resolved(path)
        known = self._modules.get(path)
        if known is not None:
            if known.text == text:
                return known
            self._forget()  # the file changed since it was read: so may what was derived from it
        index = index_module(tree, text)
        named = self.module_name(path)
        resolver = Resolver(index, path=display if display.endswith(".py") else None)  # a notebook's lines are not its file's
        if builds is None:
            builds = self.builds(path)
        parsed = Module(path, display, named[0] if named else None, bool(named and named[1]), text, index, resolver,
                        Extractor(index, display, self.policy, resolver), builds)
        resolver.imported = lambda qualname, local: self.imported_value(parsed, qualname)
        resolver.imported_class = lambda qualname: self.imported_class(parsed, qualname)
        self._modules[path] = parsed
        return parsed

    def edited(self, path: Path) -> None:
        """`path` is about to be read from other text than its file's (an editor's buffer):
        forget what was read from it and what may depend on it; the other modules, read
        from their files, stay."""
        path = path.resolve()
        self._modules.pop(path, None)
        self._facts.pop(path, None)
        self._calls.pop(path, None)
        self._targets.pop(path, None)
        self._config_classes.clear()  # re-exports of it too
        self._importers_of = None
        self._constructing.clear()
        self._callers.clear()
        self._unchanged = False
        for module in self._modules.values():
            if module is not None:
                module.calls_into = None

    def release(self, keep: int) -> None:
        """Once more than `keep` parsed modules are held, drop the least recently used down to
        half as many, and the answers that may refer to them: a large run would otherwise
        hold every tree it read. What was read from the files' bytes (facts, names, the file
        list) stays."""
        held = [path for path, module in self._modules.items() if module is not None and path not in self._kept]
        if len(held) <= keep:
            return
        for path in held[: len(held) - keep // 2]:  # the least recently used first; down to half, so that this is rare
            self._modules.pop(path).dispose()  # type: ignore[union-attr]
            self._dropped.add(path)
        for module in self._modules.values():
            if module is not None:
                module.calls_into = None  # their targets may be in a dropped module
        self._callers.clear()

    def _forget(self) -> None:
        self._modules.clear()
        self._dropped.clear()
        self._kept.clear()
        self._files = None
        self._facts.clear()
        self._read_facts.clear()
        self._calls.clear()
        self._paths = None
        self._callers.clear()
        self._targets.clear()
        self._constructing.clear()
        self._locations.clear()
        self._config_classes.clear()
        self._importers_of = None
        self._unchanged = False

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
        self, module: Module | None, qualname: str, depth: int = 0, may_hold: Callable[[Path, str], bool] | None = None
    ) -> tuple[Module, Binding] | None:
        """The module-level binding a dotted name imported in `module` (None: an absolute name
        from a config) refers to, following re-exports (`from .models import Net` in a
        package's `__init__`). `may_hold(path, name)`: whether the module at `path` can bind
        `name` to what is looked for, as far as is known without parsing it (a module that
        cannot is not parsed)."""
        located = self._located(module, qualname) if depth <= MAX_HOPS else None
        if located is None:
            return None
        path, name = located
        if may_hold is not None and not may_hold(path, name):
            return None
        owner = self.module(path)
        bindings = owner.index.root.bindings.get(name) if owner is not None else None
        if owner is None or not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == "import" and binding.qualname:
            return self._definition(owner, binding.qualname, depth + 1, may_hold)
        return owner, binding

    def _constructs(self, path: Path, name: str) -> bool:
        """Whether a call of a module's name can build a torch class (see `constructing_names`)."""
        return name.encode() in self.constructing_names(path)

    def _may_bind_config_class(self, path: Path, name: str, depth: int = 0) -> bool:
        """Whether a module can bind `name` to a config class, as its imports show: it can
        make config classes (see `records.may_make_config_classes`), imports something as
        the name, or imports the name from a project module that may (a re-export). Most
        classes instantiated from elsewhere are not config classes (models are), and
        neither their modules nor the packages re-exporting them need parsing to say so."""
        from lnlint.frontends.python.records import may_make_config_classes

        dependencies.note(path)  # its bytes decide, as its tree would
        if path not in self._config_classes:
            imports = self._file_facts(path)[1]
            data = self._bytes(path)
            sources: dict[str, list[Path]] = {}
            for level, module, names in imports:
                absolute = self._imported_module(path, module or None, level)
                source = self.path_of(absolute) if absolute else None
                if source is not None and source != path:
                    for imported in names:
                        sources.setdefault(imported, []).append(source)
            aliases = frozenset(alias.decode() for alias in _ALIAS.findall(data))
            self._config_classes[path] = (may_make_config_classes(imports, data), aliases, sources)
        makes, aliases, sources = self._config_classes[path]
        if depth > MAX_HOPS or makes or name in aliases:
            return True
        return any(self._may_bind_config_class(source, name, depth + 1) for source in sources.get(name, ()))

    def _located(self, module: Module | None, qualname: str) -> tuple[Path, str] | None:
        """The project file and module-level name a dotted name imported in `module` (None: an
        absolute name) looks up (not parsing the file, nor following its re-exports); asked
        of every call of a module, found once per name."""
        key = (module.name, module.is_package, qualname) if module is not None else (None, None, qualname)
        if key not in self._locations:
            self._locations[key] = self._locate(module, qualname)
        return self._locations[key]

    def _locate(self, module: Module | None, qualname: str) -> tuple[Path, str] | None:
        absolute = self._absolute(module, qualname) if module is not None else qualname
        if absolute is None or absolute.split(".")[0] in ("torch", "builtins"):
            return None
        parts = absolute.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self.path_of(".".join(parts[:cut]))
            if path is None:
                continue
            if cut != len(parts) - 1:
                return None  # an attribute of an attribute: not followed
            return path, parts[cut]
        return None

    def may_construct(self, callee: object, module: Module) -> bool:
        """Whether a call of `callee` in `module` can run a project function or class that
        builds a torch class, as far as the names show without parsing another module (a
        local definition: yes; an imported name: when its module's constructing names hold
        it, see `constructing_names`)."""
        if not isinstance(callee, str):
            return self.target(callee, module) is not None
        located = self._located(module, callee)
        return located is not None and self._constructs(*located)

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
        """A class imported from the project, with the resolver of the module defining it;
        looked up only where it may be a config class (see `_may_bind_config_class`), what
        it is asked for."""
        found = self._definition(module, qualname, may_hold=self._may_bind_config_class)
        cls = _defined(*found) if found is not None and found[1].kind == "class" else None
        return (found[0].resolver, cls) if cls is not None else None  # type: ignore[index,return-value]

    # --- call targets ------------------------------------------------------------------------
    def target(self, callee: object, module: Module) -> Target | None:
        """The project function or class a call runs, if it is one lnlint follows."""
        if not isinstance(callee, str):
            return self._target_of_definition(callee, module, followed_subclass=False)
        found = self._definition(module, callee, may_hold=self._constructs)
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
        bytes are read only when a file is needed, see `_file_facts`). The cache keeps the
        list with the modification times of the folders walked and of their .gitignore
        files: while those hold, no file was added, removed or renamed."""
        if self._files is None:
            from lnlint.cache import modification_marks
            from lnlint.discover import discover

            names = self._listed_files()
            if names is not None:
                self._files = [Path(name) for name in names]
                return self._files
            python = replace(self.settings, include=("*.py",), force_exclude=True)
            walked: dict[str, int] = {}
            # The walked folders are resolved and the walk enters no linked folder: only a
            # linked file needs resolving.
            self._files = [path.resolve() if path.is_symlink() else path for path in discover(self._walked, python, walked)]
            if self.cache is not None:
                folders = sorted(walked)
                marks = modification_marks(folders)
                listing = {"walked": [str(f) for f in self._walked], "folders": folders, "marks": marks, "files": [str(f) for f in self._files]}
                self.cache.store_project_state("files", listing if marks is not None else None)
        return self._files

    def _listed_files(self) -> list[str] | None:
        """The project's files as the cache lists them, while the folders walked are as they
        were (see `_project_files`)."""
        from lnlint.cache import modification_marks

        listed = self.cache.project_state("files") if self.cache is not None else None
        if not (isinstance(listed, dict) and listed.get("walked") == [str(folder) for folder in self._walked]):
            return None
        folders, files = listed.get("folders"), listed.get("files")
        if not (isinstance(folders, list) and isinstance(files, list) and all(isinstance(name, str) for name in (*folders, *files))):
            return None
        if listed.get("marks") is None or modification_marks(folders) != listed["marks"]:
            return None
        return files

    def has_callers(self, target: Target) -> bool:
        """Whether the project calls `target`: a call in its own module that resolves to it,
        or a call of its name (or a `partial` of it) in a file that imports its module
        (through a package that re-exports it). Those files are not parsed to resolve the
        call: that would parse most of a large project for each function asked about, and a
        file importing the module and calling the name calls the function; where it does
        not, the construction is left to a caller that passes nothing (a miss, never a
        false finding)."""
        key = (id(target.module), id(target.body))
        if key not in self._callers:
            with dependencies.recording() as read:
                dependencies.note(target.module.path)
                module = target.module
                # Local calls first, then the bytes of importers, then the module's imported
                # names (a name that leads back to the module: the rarest, and looking it up
                # parses the modules on the way).
                calls = [(isinstance(callee, str), callee) for _, _, callee, _ in self._calls_into(module)]
                found = any(target.same_as(self.target(callee, module)) for imported, callee in calls if not imported)
                for path in sorted(self._importers_through_packages(module.path)):
                    if found:
                        break
                    dependencies.note(path)  # a call added there would change the answer
                    found = self._calls_name(path, target.name)
                found = found or any(target.same_as(self.target(callee, module)) for imported, callee in calls if imported)
            self._callers[key] = (found, frozenset(read))
        found, read = self._callers[key]
        dependencies.note_all(read)  # what decided it decides the findings of every file asking
        return found

    def _calls_name(self, path: Path, name: str) -> bool:
        """Whether a file's bytes show `name` called (`name(`, `partial(name`); the names a
        file calls are listed once, and only for a file whose bytes hold `name` at all."""
        if path not in self._calls:
            data = self._bytes(path)
            if name.encode() not in data:
                return False
            names = [*_CALLED.findall(data), *_PARTIAL_OF.findall(data)]
            self._calls[path] = frozenset(name.decode() for name in names)
        return name in self._calls[path]

    def _importers_through_packages(self, path: Path) -> set[Path]:
        """Files that import `path`, also through the package `__init__` that imports it."""
        importers = self._importers()
        direct = importers.get(path, set())
        # One package level: `pkg/__init__.py` re-exporting `pkg.models.Net` for `from pkg import
        # Net`. Deeper chains of re-exports are not followed (in large packages every file
        # would become a candidate); a caller only reached that way is not seen.
        packages = {i for p in direct if p.name == "__init__.py" for i in importers.get(p, ())}
        return direct | packages

    def _importers(self) -> dict[Path, set[Path]]:
        """The project files that import each file."""
        if self._importers_of is None:
            self._importers_of = {}
            for source in self._project_files():
                for target in self._import_targets(source):
                    self._importers_of.setdefault(target, set()).add(source)
        return self._importers_of

    def _reported_here(self, spec: Spec, module: Module, use: ParameterUse, own: Target | None = None) -> bool:
        """Whether a spec stands where it was read, rather than at the project's calls that
        supply its parameters. A spec whose values give no finding here is kept without
        asking who calls it: either way nothing is reported, and finding the callers is
        the costly part of value flow (it parses every file that calls the function)."""
        if not list(run_rules([spec], self.settings.thresholds)):
            return True
        return not self.from_callers(module, use, own)

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
        from lnlint.frontends.python.values import Arguments

        if not self.settings.value_flow:
            return [spec for spec, _ in module.extracted()]
        found = [spec for spec, use in module.extracted() if self._reported_here(spec, module, use)]
        for call, scope, callee, partial in self._calls_into(module):
            with module.resolver.tracking() as use:
                args = module.resolver.arguments(call, scope)
            if partial:  # `functools.partial(build, 2)`: the arguments after the function
                args = Arguments(args.positional[1:], args.keywords, args.rest)
            if not _passes_a_value(args):
                continue  # none known: the callee's module is not read
            target = self.target(callee, module)
            if target is None or self.from_callers(module, use):
                continue  # values from its own callers (evaluated from there)
            hop = Hop(module.location(call), module.resolver.code(call, 50))
            found.extend(self._follow(target, args, (hop,), 0, lambda: module.extractor.mitigations, partial))
        return found

    def follow_config(
        self, qualname: str, args: Arguments, hop: Hop, mitigations: Mitigations, partial: bool
    ) -> list[Spec]:
        """The specs a config mapping that names a project class or function (Hydra
        `_target_`, `class_path`, `!new:`) builds, located at the mapping; [] when the name is
        not the project's."""
        found = self._definition(None, qualname, may_hold=self._constructs) if self.settings.value_flow else None
        if found is None:
            return []
        target = self._target_of_definition(_defined(*found), found[0], followed_subclass=True)
        return self._follow(target, args, (hop,), 0, lambda: mitigations, partial) if target is not None else []

    def _follow(
        self, target: Target, args: Arguments, chain: tuple[Hop, ...], hops: int,
        mitigations: Callable[[], Mitigations], partial: bool = False,
    ) -> list[Spec]:
        """The specs a call of `target` builds; `chain` ends with that call; `mitigations`:
        those of the modules the chain passed through (asked for only by a stacked spec:
        reading a module's mitigations costs)."""
        from lnlint.frontends.python.frontend import bind_to_function

        params = bind_to_function(target.params.node, args, target.method) if target.params is not None else {}  # type: ignore[arg-type]
        if partial and target.params is not None:
            left = Unknown("left to the caller of the partial")
            params = {name: params.get(name, left) for name in _parameter_names(target.params.node, target.method)}  # type: ignore[arg-type]
        module = target.module
        resolver = module.resolver.with_env(target.params or target.body, params)
        extractor = module.extractor.following(resolver, target.body)
        outer = mitigations

        def mitigations() -> Mitigations:
            return outer().merged(extractor.mitigations)

        found: list[Spec] = []
        for spec, use in extractor.extract() if module.builds else ():
            if _reads_the_call(use, target) and self._reported_here(spec, module, use, own=target):
                found.append(_relocated(spec, chain, mitigations))
        if hops >= MAX_HOPS:
            return found
        for inner_call, scope in extractor.calls():
            callee = extractor.callee(inner_call, scope)
            if not self.may_construct(callee, module):
                continue
            with resolver.tracking() as use:
                inner_args = resolver.arguments(inner_call, scope)
            if not (_reads_the_call(use, target) and _passes_a_value(inner_args)):
                continue
            inner = self.target(callee, module)
            if inner is not None:
                hop = Hop(module.location(inner_call), module.resolver.code(inner_call, 50))
                found.extend(self._follow(inner, inner_args, (*chain, hop), hops + 1, mitigations))
        return found

    # --- which files need the flow: names that can build a torch class, read from the bytes --
    def reaches_a_construction(self, path: Path, data: bytes | None = None) -> bool:
        """Whether a file uses a name that a project module it imports can build a torch class
        with (see `constructing_names`): only such a file can pass values to a construction
        in another module, and needs the flow analysis. `data`: the file's bytes, when read."""
        path = _resolved(path)
        if not self.settings.value_flow:
            return False
        if data is not None:
            self._file_facts(path, data)
        imported = self._constructing_imports(path)[0]
        if not imported:
            return False
        # Naming a class in an import or a string (`__all__`, a lazy-import table) passes it nothing.
        code = _IMPORT.sub(b"\n", _code(data if data is not None else self._bytes(path)))
        return not imported.isdisjoint(_words(code))

    def constructing_names(self, path: Path) -> frozenset[bytes]:
        """The module-level names of a project file whose code can build a torch class: each
        function, class or assignment whose text names one (or names a name found so, in this
        module or in a module it imports), and each name it imports from a module where it is
        one. Read from the code's bytes, block by top-level block (see `_top_level_blocks`):
        a word counts wherever it stands, which over-approximates and only costs parsing.
        Within an import cycle a module sees what the modules still being read have found so
        far. Cached findings depend on these names through `fingerprint`. The names are
        bytes, as the code's words are: a large tree holds millions of words, and none of
        them needs decoding."""
        if path in self._constructing:
            return self._constructing[path]
        if self._unchanged and self.cache is not None:  # as the fingerprint found them
            cached = self.cache.derived(path, "constructing", unchanged=True)
            if isinstance(cached, list):
                self._constructing[path] = frozenset(name.encode() for name in cached)
                return self._constructing[path]
        imports = self._file_facts(path)[1]
        blocks = self._blocks.pop(path, None)  # needed once: the names are kept
        if blocks is None:
            code = _code(self._bytes(path))
            blocks = _top_level_blocks(code, imports, _import_statements(code)[1])
        kinds = _KIND_WORDS | blocks[0]
        blocks = blocks[1]
        found = {name for names, words in blocks if not words.isdisjoint(kinds) for name in names}
        self._constructing[path] = frozenset(found)
        visible, reexported = self._constructing_imports(path)
        found |= reexported
        reach = kinds | visible
        grown = True
        while grown:
            grown = False
            for names, words in blocks:
                if not names <= found and not words.isdisjoint(reach | found):
                    found |= names
                    grown = True
        self._constructing[path] = frozenset(found)
        return self._constructing[path]

    def _constructing_imports(self, path: Path) -> tuple[frozenset[bytes], frozenset[bytes]]:
        """The constructing names (see `constructing_names`) a file can use from its imports:
        the names a `from` import lists (all of them for `*`), everything in a module it
        imports whole (used as `module.name`); and of those, the ones it binds by name, which
        it re-exports."""
        visible: set[bytes] = set()
        bound: set[bytes] = set()
        for level, module, names in self._file_facts(path)[1]:
            absolute = self._imported_module(path, module or None, level)
            if not absolute:
                continue
            source = self.path_of(absolute)
            if source is not None and source != path:
                made = self.constructing_names(source)
                if not names:
                    visible |= made
                else:
                    bound |= made if "*" in names else made.intersection(name.encode() for name in names)
            for name in names:
                submodule = self.path_of(f"{absolute}.{name}")
                if submodule is not None and submodule != path:
                    visible |= self.constructing_names(submodule)
        return frozenset(visible | bound), frozenset(bound)

    def _bytes(self, path: Path) -> bytes:
        return _file_bytes(path)

    def fingerprint(self, map_files: Callable[[Callable, list[Path]], Iterable] = map) -> str:
        """A hash of the import graph (roots, files, what each imports, whether it names a
        torch class, and its constructing names): the findings that followed values across
        the project hold while it holds. The cache keeps each file's facts and constructing
        names; the files not in it are read by `map_files` (a pool of workers, in a large
        run: reading them is most of the time this takes)."""
        from lnlint.cache import modification_marks

        # Every file as the cache has it (no file's time or size changed): the fingerprint
        # stands, and the files' entries serve without reading the files.
        listed = self._listed_files() if self._files is None else [str(path) for path in self._files]
        snapshot = self.cache.project_state("graph") if self.cache is not None else None
        if listed is not None and isinstance(snapshot, dict) and snapshot.get("roots") == repr(self.roots):
            if isinstance(snapshot.get("fingerprint"), str) and snapshot.get("marks") == modification_marks(listed):
                self._unchanged = True
                return snapshot["fingerprint"]
        if self._files is None and listed is not None:
            self._files = [Path(name) for name in listed]  # the list holds: only the graph is to find
        self._project_files()
        marks = modification_marks(map(str, self._files or ())) if self.cache is not None else None
        files = self.read_graph(map_files)
        digest = hashlib.blake2b(repr(self.roots).encode("utf-8", "surrogateescape"), digest_size=16)
        for path in files:
            builds, imports = self._file_facts(path)
            names = sorted(name.decode() for name in self._constructing[path])
            digest.update(f"{path}\0{builds}\0{json.dumps(imports)}\0{names}\n".encode("utf-8", "surrogateescape"))  # names that are not UTF-8 as their bytes
        if self.cache is not None:
            graph = {"marks": marks, "roots": repr(self.roots), "fingerprint": digest.hexdigest()}
            self.cache.store_project_state("graph", graph if marks is not None else None)
        return digest.hexdigest()

    def read_graph(self, map_files: Callable[[Callable, list[Path]], Iterable] = map) -> list[Path]:
        """Read what `fingerprint` hashes: each project file's facts (by `map_files`, for the
        files the cache does not hold) and constructing names. A run without a cache reads
        them before its workers fork, so that each inherits them. The project's files, sorted."""
        files = sorted(self._project_files())
        unread = [path for path in files if not self._cached_facts(path)]
        for path, (facts, blocks) in zip(unread, map_files(read_file_facts, unread)):
            self._store_facts(path, facts)
            self._blocks[path] = blocks
        cached: dict[Path, frozenset[str]] = {}
        if self.cache is not None:
            for path in files:
                names = self.cache.derived(path, "constructing") if path not in self._read_facts else None
                if isinstance(names, list):
                    cached[path] = self._constructing[path] = frozenset(name.encode() for name in names)
        # A file's constructing names change only with its content or with the names of a
        # file it imports: read the changed files, then the importers of a file whose names
        # changed, as long as theirs change.
        todo = [path for path in files if path not in cached]
        reread: set[Path] = set()
        while todo:
            path = todo.pop()
            if path in cached:
                if path in reread:
                    continue
                reread.add(path)
                del self._constructing[path]
            names = self.constructing_names(path)
            if cached.get(path) == names:
                continue
            if self.cache is not None:
                self.cache.store_derived(path, "constructing", sorted(name.decode() for name in names))
            if cached:
                todo.extend(i for i in self._importers().get(path, ()) if i in cached and i not in reread)
        return files

    def _file_facts(self, path: Path, data: bytes | None = None) -> tuple[bool, list]:
        """(its code (not its strings or comments) names a torch class, its import statements
        as [level, module, names]) of a file, from the bytes (or the cache, while the file is
        unchanged)."""
        if path in self._facts or (data is None and self._cached_facts(path)):
            return self._facts[path]
        if data is None:
            data = self._bytes(path)
        self._store_facts(path, _code_facts(_code(data)), data)  # the blocks only if names are asked for
        return self._facts[path]

    def _cached_facts(self, path: Path) -> bool:
        """Whether a file's facts are known, from this run or from the cache."""
        if path in self._facts:
            return True
        facts = self.cache.derived(path, "code facts", self._unchanged) if self.cache is not None else None
        if not (isinstance(facts, list) and len(facts) == 2):
            return False
        self._facts[path] = (bool(facts[0]), facts[1])
        return True

    def _store_facts(self, path: Path, facts: tuple[bool, list], data: bytes | None = None) -> None:
        self._facts[path] = facts
        self._read_facts.add(path)
        if self.cache is not None:
            self.cache.store_derived(path, "code facts", list(facts), data)

    def builds(self, path: Path, data: bytes | None = None) -> bool:
        """Whether a file's code (not its strings or comments) names a torch class, so that
        it can build one itself (`data`: its bytes, when read)."""
        return self._file_facts(_resolved(path), data)[0]

    def _import_targets(self, path: Path) -> set[Path]:
        """The project files a file imports (modules, and submodules named in `from` lists)."""
        if path in self._targets:
            return self._targets[path]
        targets = set()
        for level, module, names in self._file_facts(path)[1]:
            absolute = self._imported_module(path, module or None, level)
            if not absolute:
                continue
            for target in (self.path_of(absolute), *(self.path_of(f"{absolute}.{n}") for n in names)):
                if target is not None and target != path:
                    targets.add(target)
        self._targets[path] = targets
        return targets

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

    def _calls_into(self, module: Module) -> list[tuple[ast.Call, Scope, Callee, bool]]:
        """The module's calls that may run the project's functions and classes (see
        `may_construct`), and its `functools.partial`s of them (flagged True), each with
        what it calls; found once per module."""
        if module.calls_into is None:
            module.calls_into = []
            for call, scope in module.index.calls:
                callee = module.extractor.callee(call, scope)
                partial = callee == "functools.partial" and bool(call.args) and not isinstance(call.args[0], ast.Starred)
                if partial:
                    callee = module.resolver.callee(call.args[0], scope)
                if callee is not None and self.may_construct(callee, module):
                    module.calls_into.append((call, scope, callee, partial))
        return module.calls_into


_KIND_WORDS = frozenset(kind.encode() for kind in TORCH_KINDS)
_KIND_ALIAS = re.compile(rb"(?:" + _KINDS + rb")[ \t]+as[ \t]+(\w+)")
# Every byte that cannot be in a word, made a space (see `_words`).
_WORD_CHARACTERS = bytes(byte if chr(byte).isascii() and (chr(byte).isalnum() or byte == 95) else 32 for byte in range(256))


def _words(code: bytes) -> list[bytes]:
    """The words of a file's code: its names, and its numbers whole (`3j`, `0x1F`; no name
    starts with a digit). Its bytes split where no word can continue: twice as fast as a
    pattern's `findall`."""
    return code.translate(_WORD_CHARACTERS).split()


# The patterns over a file's code find a line's start as the "\n" before it (`_code` puts
# one before the first line): the regex engine skips ahead to a literal first character,
# where `^` is tried at every position (2-3× slower).
# The first line of a top-level statement, as far as the bytes show it: a function, a class,
# an assignment, or a compound statement (whose nested definitions it holds). Other lines
# at column 0 (decorators, imports, closing brackets, `else:`, text inside a multi-line
# string) continue the block above.
_BLOCK_START = re.compile(
    rb"\n(?=[A-Za-z_])(?:(?:async[ \t]+)?def[ \t]+(?P<function>\w+)[ \t]*\(|class[ \t]+(?P<cls>\w+)[ \t]*[:(]"
    rb"|(?P<assigned>[A-Za-z_]\w*)[ \t]*(?::[^\n=]*)?=(?!=)|(?P<compound>if|try|for|while|with|async|match)\b)"
)
_DEFINED_INSIDE = re.compile(
    rb"\n[ \t]*(?:(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(|class[ \t]+(\w+)[ \t]*[:(]|([A-Za-z_]\w*)[ \t]*(?::[^\n=]*)?=(?!=))"
)


# A string up to its first closing quotes, or a comment. (A string's characters in runs
# between escapes or quotes: the regex engine backtracks less than with a lazy `.*?`.)
_STRING_OR_COMMENT = re.compile(
    rb'''"""[^"]*(?:"(?!"")[^"]*)*"""|\'\'\'[^']*(?:'(?!'')[^']*)*\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|#[^\n]*'''
)


def _code(data: bytes) -> bytes:
    """A file's bytes without its strings and comments (code inside f-strings goes too), after
    a "\n" (see `_BLOCK_START`)."""
    return b"\n" + _STRING_OR_COMMENT.sub(b"", data)


def read_file_facts(path: Path) -> tuple[tuple[bool, list], tuple]:
    """What the bytes of a file tell without parsing it: (its code names a torch class, its
    imports), and its top-level blocks (see `_top_level_blocks`); its code is the bytes
    without strings and comments. A function of the bytes alone, so that a pool of workers
    can read many files at once."""
    code = _code(_file_bytes(path))
    imports, aliases = _import_statements(code)
    return (names_a_torch_class(code), imports), _top_level_blocks(code, imports, aliases)


def _file_bytes(path: Path) -> bytes:
    """A file's bytes; none when it cannot be read (its own lint reports that)."""
    try:
        return read_regular_file(path) or b""
    except (OSError, SourceError):
        return b""


def _code_facts(code: bytes) -> tuple[bool, list]:
    """(names a torch class, its imports) of a file's code."""
    return names_a_torch_class(code), _import_statements(code)[0]


def _top_level_blocks(
    code: bytes, imports: list, aliases: frozenset[bytes]
) -> tuple[frozenset[bytes], list[tuple[frozenset[bytes], frozenset[bytes]]]]:
    """The aliases its imports give torch classes (`TransformerEncoderLayer as TEL`, see
    `_import_statements`), and (names defined, words used) of each top-level block of a
    file's code (see `_code`): a block runs from one of `_BLOCK_START`'s lines to the next. A
    compound statement defines every name assigned or defined inside it, since its branches
    run at module level. Of the words, only those that can name what builds a torch class
    are kept: a torch class or its alias, a name defined at the top of the file or imported
    by name, an attribute (`models.Net` after `import models`); every word where the file
    imports `*`."""
    starts = list(_BLOCK_START.finditer(code))
    defined = []
    for number, start in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(code)
        if start.group("compound"):
            names = {name for match in _DEFINED_INSIDE.finditer(code, start.start(), end) for name in match.groups() if name}
        else:
            names = {start.group("function") or start.group("cls") or start.group("assigned")}
        defined.append((frozenset(names), start.start(), end))
    imported = {name.encode() for _, _, names in imports for name in names}
    kept = None if b"*" in imported else {*_KIND_WORDS, *aliases, *imported, *_ATTRIBUTE.findall(code)}
    if kept is not None:
        kept.update(name for names, _, _ in defined for name in names)
    blocks = []
    for names, start, end in defined:
        words = _words(code[start:end])
        blocks.append((names, frozenset(w for w in words if not w[:1].isdigit()) if kept is None else frozenset(kept.intersection(words))))
    return aliases, blocks


_ATTRIBUTE = re.compile(rb"\.[ \t]*([A-Za-z_]\w*)")
_ALIAS = re.compile(rb"\bas\s+([A-Za-z_]\w*)")
_CALLED = re.compile(rb"\b([A-Za-z_]\w*)[ \t]*\(")
_PARTIAL_OF = re.compile(rb"\bpartial\(\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)")  # `partial(pkg.build, ...)`
_IMPORT = re.compile(
    rb"\n[ \t]*(?:from[ \t]+(?P<dots>\.*)(?P<module>[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]+)"
    rb"|import[ \t]+(?P<plain>[\w., \t]+))"
)


def _import_statements(code: bytes) -> tuple[list[list], frozenset[bytes]]:
    """[level, module, names] of each import statement of a file's code (`import a.b` is
    [0, "a.b", []]), and the aliases they give torch classes (`LayerNorm as LN`)."""
    imports: list[list] = []
    aliases: set[bytes] = set()
    for match in _IMPORT.finditer(code):
        statement = match.group(0)
        if b" as" in statement or b"\tas" in statement:
            aliases.update(alias.group(1) for alias in _word_matches(_KIND_ALIAS, statement))
        if match.group("plain") is not None:
            for name in match.group("plain").decode(errors="replace").split(","):
                module = name.split(" as ")[0].strip()
                if module:
                    imports.append([0, module, []])
            continue
        names = [n.split(" as ")[0].strip() for n in match.group("names").decode(errors="replace").strip("()").split(",")]
        imports.append([len(match.group("dots")), match.group("module").decode(errors="replace"), [n for n in names if n.isidentifier() or n == "*"]])
    return imports, frozenset(aliases)


def _defined(module: Module, binding: Binding) -> object:
    """The class (ClassInfo) or function (its Scope) a module-level binding defines, or None."""
    if binding.kind == "class":
        return next((c for c in module.index.classes if c.node is binding.node), None)
    if binding.kind == "function":
        return module.index.function_scopes.get(id(binding.node))
    return None


def _parameter_names(function: FunctionNode, method: bool) -> list[str]:
    from lnlint.frontends.python.scopes import positional_params

    params = positional_params(function)[1 if method else 0:]
    return [p.arg for p in (*params, *function.args.kwonlyargs)]


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


def _relocated(spec: Spec, chain: tuple[Hop, ...], mitigations: Callable[[], Mitigations]) -> Spec:
    """The spec reported at the first call of `chain`, with the construction as the last hop
    (and a stacked spec with the mitigations of the modules the chain passed through)."""
    construction = Hop(spec.location, f"{TRANSFORMER_PARTS.get(spec.kind, spec.kind)}(...)")
    found = mitigations().merged(spec.context.mitigations) if spec.kind in STACKED_KINDS else spec.context.mitigations
    context = replace(spec.context, mitigations=found, chain=(*chain, construction))
    return replace(spec, location=chain[0].location, context=context)  # type: ignore[arg-type]


def module_roots(folder: Path, settings: Settings) -> list[tuple[Path, Path]]:
    """Where module names start for the files of a folder, each with the folder its files
    are looked for in: the folder of the nearest pyproject.toml and its `src/` (the folder
    itself without one), the folder above its top-level package (only that package is
    looked in: the folder above may be site-packages), the configured `src` folders, and the
    settings' root (the configuration's folder, or the working directory) when the folder
    lies inside it."""
    project = next((f for f in (folder, *folder.parents) if _is_file(f / "pyproject.toml")), folder)
    package = folder
    while _is_file(package / "__init__.py"):
        package = package.parent
    top = _resolved(folder).relative_to(_resolved(package)).parts[:1] if _resolved(folder) != _resolved(package) else ()
    candidates = [
        (project, project), (project / "src", project / "src"), (package, package.joinpath(*top)),
        *((settings.root / src, settings.root / src) for src in settings.src),
    ]
    if folder.is_relative_to(_resolved(settings.root)):
        candidates.append((settings.root, settings.root))
    roots: list[tuple[Path, Path]] = []
    for root, walked in candidates:
        root, walked = _resolved(root), _resolved(walked)
        if _is_dir(root) and (root, walked) not in roots:
            roots.append((root, walked))
    return roots


# The folders of a project share their parents: each is looked at once per project, and a
# file's path is resolved once however often it is asked about (the memos are cleared when
# a project is made).
@lru_cache(maxsize=4096)
def _is_file(path: Path) -> bool:
    return path.is_file()


@lru_cache(maxsize=4096)
def _is_dir(path: Path) -> bool:
    return path.is_dir()


@lru_cache(maxsize=4096)
def _resolved(path: Path) -> Path:
    return path.resolve()
