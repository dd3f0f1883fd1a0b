"""The pipeline for one run: files → frontend → specs → rules → filtered findings."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from lnlint import dependencies
from lnlint.settings import Settings
from lnlint.findings import Finding
from lnlint.frontends.notebook import Notebook, read_notebook
from lnlint.frontends.policy import MitigationPolicy
from lnlint.rules import make_finding, run_rules
from lnlint.frontends.source import SourceError, decode_python, decode_text, numbered_lines, read_regular_file
from lnlint.spec import Location
from lnlint.suppression import is_suppressed, skips_file

if TYPE_CHECKING:
    from lnlint.cache import Cache

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files: int = 0  # every file of the run, the skipped and the failed included
    skipped: int = 0  # files not checked, with a notice saying why (too large)
    # The content hash (cache.content_hash) of the bytes checked of each file with findings, by
    # display path: --add-noqa and --fix leave a file that has changed since.
    analysed: dict[str, str] = field(default_factory=dict)


_SKIPPED = ": skipped, "


def _skip_notice(display: str, reason: str) -> str:
    """The notice of a file that is not checked: `big.json: skipped, larger than 5 MB ...`."""
    return f"{display}{_SKIPPED}{reason}"


def _was_skipped(notices: list[str]) -> bool:
    """Whether a file's own notices (which the cache keeps, not a flag) say it was not checked."""
    return any(_SKIPPED in notice for notice in notices)


def lint_python(data: bytes, path: Path, display: str, settings: Settings, project=None) -> list[Finding]:
    """Findings for one Python file, before suppression and selection; `project` is the
    run's `PythonProject` (one is made for the file's own project when not given)."""
    from lnlint.frontends.python import python_specs
    from lnlint.frontends.python.project import PythonProject

    text = decode_python(data)
    if skips_file(text):
        return []
    specs = python_specs(text, data, path, display, project or PythonProject(settings, [path]))
    return list(run_rules(specs, settings.thresholds)) if specs else []


@lru_cache(maxsize=8)
def _vocabulary(extra_keys: tuple[tuple[str, tuple[str, ...]], ...]):
    from lnlint.frontends.configs import Vocabulary

    base = Vocabulary()
    extra = dict(extra_keys)
    return Vocabulary(
        width=base.width + extra.get("width", ()),
        heads=base.heads + extra.get("heads", ()),
        depth=base.depth + extra.get("depth", ()),
        placement=base.placement + extra.get("placement", ()),
    )


def lint_config(data: bytes, path: str, settings: Settings, file: Path | None = None, project=None) -> list[Finding]:
    """Findings for one YAML or JSON file, before suppression and selection. Mappings that
    name the project's own classes are followed into its Python code (`file` locates the
    project when no `project` is given)."""
    from lnlint.frontends.configs import config_file_specs

    text = decode_text(data)
    if skips_file(text):
        return []

    def follow(qualname, positional, keywords, hop, mitigations, partial):
        from lnlint.frontends.python.project import PythonProject
        from lnlint.frontends.python.values import Arguments

        nonlocal project
        if project is None:
            project = PythonProject(settings, [file or Path(path)])
        return project.follow_config(qualname, Arguments(positional, keywords, None), hop, mitigations, partial)

    vocabulary = _vocabulary(tuple(sorted(settings.extra_keys.items())))
    policy = MitigationPolicy(settings.warmup_keys)
    specs, unreadable = config_file_specs(text, data, path, vocabulary, policy, path.endswith(".json"), follow)
    findings = [_parse_error(path, error) for error in unreadable]
    if specs:
        findings.extend(run_rules(specs, settings.thresholds))
    return findings


def display_path(path: Path) -> str:
    """The path as findings show it: relative to the working directory when inside it."""
    if not path.is_absolute():
        return str(path)
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


def lint_file(
    path: Path, settings: Settings, notices: list[str], given: bytes | None = None, project=None,
    analysed: dict[str, str] | None = None,
) -> list[Finding]:
    """A file's findings; `given`: its content, when it does not come from the file
    (standard input, an editor's buffer); `project`: the PythonProject to read the project
    through (default: the run's); `analysed` gets the content hash of the bytes checked,
    when there are findings."""
    project = project or _run_project
    display = display_path(path)
    data = b""
    checked: bytes | None = None  # the file's bytes as read (a notebook's JSON, not its program)
    notebook = None
    is_config = path.suffix.lower() in CONFIG_SUFFIXES
    try:
        if is_config:
            from lnlint.frontends.configs import MAX_BYTES

            read = read_regular_file(path, MAX_BYTES) if given is None else given if len(given) <= MAX_BYTES else None
            if read is None:
                notices.append(_skip_notice(display, f"larger than {MAX_BYTES / 2**20:.0f} MB (too large for a config file)"))
                return []
            data = read
        else:
            data = read_regular_file(path) if given is None else given  # type: ignore[assignment]
        checked = data
        if is_config:
            findings = lint_config(data, display, settings, path, project)
        elif path.suffix.lower() == ".ipynb":
            notebook = read_notebook(data)
            data = notebook.text.encode("utf-8")  # suppression comments are read in the program
            findings = lint_python(data, path, display, settings, project)
        else:
            findings = lint_python(data, path, display, settings, project)
    except OSError as error:
        findings = [_parse_error(display, SourceError(f"cannot read: {error.strerror}"))]
    except SourceError as error:
        findings = [_parse_error(display, error)]
    findings = [f for f in findings if settings.enabled(f.code, display)]
    if not findings:
        return []
    if analysed is not None and checked is not None:
        from lnlint.cache import content_hash

        analysed[display] = content_hash(checked)
    lines = {display: numbered_lines(data.decode("utf-8", "replace"), is_config)}

    def lines_of(path: str) -> list[str]:
        if path not in lines:
            dependencies.note(Path(path).resolve())  # its `# noqa` decides too
            try:
                text = (read_regular_file(Path(path)) or b"").decode("utf-8", "replace")
                lines[path] = numbered_lines(text, path.lower().endswith(CONFIG_SUFFIXES))
            except (OSError, SourceError):
                lines[path] = []
        return lines[path]

    findings = [f for f in findings if not is_suppressed(f, lines_of)]
    return [_in_notebook(f, notebook, display) for f in findings] if notebook is not None else findings


def _in_notebook(finding: Finding, notebook: Notebook, display: str) -> Finding:
    """A finding with its notebook locations as cells and rows (hops elsewhere unchanged)."""
    related = tuple(replace(hop, location=notebook.located(hop.location)) if hop.location.path == display else hop for hop in finding.related)
    return replace(finding, location=notebook.located(finding.location), related=related)


def _parse_error(path: str, error: SourceError) -> Finding:
    location = Location(path, error.line, error.column, error.line, error.column)
    return make_finding("LN900", error.message, location, {})


# The Python project of the run in progress: files parsed for one file's value flow serve the
# next; forked workers inherit it empty and fill their own copy.
_run_project = None

# How many parsed modules a run holds before it drops the least recently used (each holds its
# tree and index: without a bound, a worker of a large run holds every module it read; 20,
# with the modules kept because other files asked for them again, keeps a transformers worker
# near 105 MB, for about 10% more time).
KEEP_MODULES = 20

# Below this many files a pool costs more than it saves (pre-commit runs, small projects).
PARALLEL_FROM = 200


def _can_fork() -> bool:
    import multiprocessing  # only for a run large enough to use a pool

    return "fork" in multiprocessing.get_all_start_methods()


def _lint_one(
    path: Path, settings: Settings, given: bytes | None = None, project=None
) -> tuple[list[Finding], list[str], str | None, list[Path], dict[str, str]]:
    """A file's findings, notices, internal error, the other files they were read from, and
    the content hash of what was checked (see RunResult.analysed)."""
    notices: list[str] = []
    analysed: dict[str, str] = {}
    with dependencies.recording() as read:
        try:
            return lint_file(path, settings, notices, given, project, analysed), notices, None, sorted(read), analysed
        except Exception as error:  # a bug of ours must not end the run; it is reported
            return [], notices, f"{path}: internal error: {type(error).__name__}: {error}", [], analysed
        finally:
            if project is None and _run_project is not None:
                _run_project.release(KEEP_MODULES)


def lint_paths(files: Iterable[Path], settings: Settings, cache: Cache | None = None, with_specs: bool = False) -> RunResult:
    """Lint every file, reusing the cache's findings of files where nothing they came from
    changed (`with_specs`: findings must carry their specs, for --confirm); large runs use
    every core (forked workers, where the OS has fork)."""
    # The run keeps every parsed tree (a module read for one file's value flow serves the
    # next), and the cyclic collector would rescan them all on each of its passes: half the
    # time of a large run. What the run leaves behind is freed when it ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint_paths(files, settings, cache, with_specs)
    finally:
        if collecting:
            gc.enable()


def _lint_paths(files: Iterable[Path], settings: Settings, cache: Cache | None, with_specs: bool) -> RunResult:
    global _run_project
    from lnlint.frontends.python.project import PythonProject

    paths = list(files)
    result = RunResult(files=len(paths))
    _run_project = PythonProject(settings, paths, cache)
    # The import graph's fingerprint is taken before forking: the workers inherit its facts.
    graph = _run_project.fingerprint(_in_parallel) if cache is not None and settings.value_flow else None
    outcomes: list[tuple[list[Finding], list[str], str | None, list[Path], dict[str, str]] | None] = []
    todo: list[Path] = []
    for path in paths:
        cached = cache.result(path, graph, with_specs) if cache is not None else None
        if cached is not None:
            # a cached result is of the content whose hash the cache holds for the file now
            hashes = {display_path(path): cache.digest(path)} if cached[0] else {}  # type: ignore[union-attr]
            outcomes.append((*cached, None, [], hashes))  # type: ignore[arg-type]
        else:
            outcomes.append(None)
        if cached is None:
            todo.append(path)
    if graph is None and settings.value_flow and _parallel(todo):
        # Read in one order, as a single process would: which files a worker reads first
        # must not change what import cycles resolve to.
        _run_project.read_graph(_in_parallel)
    if _parallel(todo):
        _return_free_memory()  # before the workers inherit this process's pages
    linted = iter(_in_parallel(partial(_lint_one, settings=settings), todo, chunksize=32))
    for position, path in enumerate(paths):
        if outcomes[position] is None:
            outcome = outcomes[position] = next(linted)
            if cache is not None and outcome[2] is None:
                cache.store_result(path, outcome[0], outcome[1], outcome[3], graph)
    _run_project = None
    if cache is not None:
        cache.save()
        result.notices.extend(f"{display_path(path)}: analysed (not in the cache, or changed)" for path in todo)
        result.notices.append(f"cache: {len(paths) - len(todo)} of {len(paths)} files from the cache")
    for findings, notices, error, _, analysed in outcomes:  # type: ignore[misc]
        result.findings.extend(findings)
        result.analysed.update(analysed)
        result.notices.extend(notices)
        result.skipped += _was_skipped(notices)
        if error is not None:
            result.internal_errors.append(error)
    result.findings.sort(key=Finding.sort_key)
    return result



def _parallel(items: list) -> bool:
    return len(items) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and _can_fork()


def _return_free_memory() -> None:
    """Give the C library's free heap pages back to the OS (glibc's malloc_trim; elsewhere
    nothing): what the fingerprint read and dropped would otherwise stay resident in every
    forked worker."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return
    trim(0)


def _in_parallel(function: Callable, items: list, chunksize: int = 64) -> Iterable:
    """`function` of each item, in order: by a pool of forked workers (which inherit what
    this process has read) when there are enough items and cores, else lazily here."""
    if not _parallel(items):
        return map(function, items)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(os.cpu_count() or 1, 8), mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, items, chunksize=chunksize))


def lint_standard_input(data: bytes, path: Path, settings: Settings, project=None) -> RunResult:
    """Lint `data` as the file at `path`, which need not exist: the settings, per-file
    ignores and project (for value flow) are that path's (`project`: one kept from earlier
    calls, see `PythonProject.edited`). Nothing is cached."""
    if settings.force_exclude and settings.excluded(path, ancestors=True):
        return RunResult()
    findings, notices, error, _, _ = _lint_one(path, settings, data, project)
    findings = sorted(findings, key=Finding.sort_key)
    return RunResult(findings, [error] if error is not None else [], notices, files=1, skipped=int(_was_skipped(notices)))
