"""The content cache: a file's findings are reused while nothing they came from has changed.

Like ruff's, it lives in `.lnlint_cache/` at the project root (or `--cache-dir`,
`LNLINT_CACHE_DIR`), one JSON file per lnlint version and settings. Per file it keeps the
content hash (trusted while the file's size and modification time are unchanged), the facts
the project's import graph is built from, and the file's findings with what they depended
on: the content of every other file read for them, and, with value flow, the fingerprint of
the project's import graph (a file added, removed, or importing something else re-evaluates
the files whose findings followed values across the project).

JSON, not pickle: the folder lies in the checkout, and reading it must never run code.
Writes go to a temporary file renamed over the old one, so concurrent runs never leave a
torn file (the last one wins); anything unreadable, truncated, of another format or with a
field of the wrong type is ignored and rebuilt.

The folder may be one the user named (`--cache-dir .`): lnlint writes only into a folder
that is missing, empty or already its cache (else into its `lnlint-cache/` subfolder),
never through a symbolic link, and `clean` removes only the files its format names.
Settings files and other versions' folders unused for 30 days are dropped on write.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from lnlint import __version__
from lnlint.findings import Finding
from lnlint.frontends.source import SourceError, read_regular_file
from lnlint.settings import Settings
from lnlint.spec import Hop, Location, Resolved, Unknown, Value

FOLDER_NAME = ".lnlint_cache"
_FORMAT = 1
# A file modified less than this long ago is hashed again next time, as git treats a
# "racily clean" index entry: its size and time alone could hide an edit.
_RACY_NS = 2_000_000_000


def cache_folder(settings: Settings, option: Path | None) -> Path:
    """`--cache-dir` (or $LNLINT_CACHE_DIR, which the option reads), else `.lnlint_cache` in
    the project root."""
    return option if option is not None else settings.root / FOLDER_NAME


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    """One run's view of the cache file for its lnlint version and settings."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        """`folder`: where the cache lives, as `cache_location` chose it."""
        key = hashlib.blake2b(f"{_settings_key(settings)}|{os.getcwd()}".encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
        self.folder = folder
        self.path = folder / __version__ / f"{key}.json"
        self._files, self._project = _load(self.path)
        self._checked: set[str] = set()  # entries found well formed
        self._digests: dict[str, str | None] = {}
        self._keys: dict[Path, str] = {}
        self._folders: dict[Path, Path] = {}
        self._changed = False

    # --- file states -------------------------------------------------------------------------
    def _entry(self, name: str) -> dict | None:
        """A file's entry, checked when first used (a run of one file checks one); a
        malformed entry is dropped."""
        entry = self._files.get(name)
        if entry is not None and name not in self._checked:
            if not _well_formed(entry):
                del self._files[name]
                return None
            self._checked.add(name)
        return entry

    def _key(self, path: Path) -> str:
        """The file's entry name: its resolved path."""
        key = self._keys.get(path)
        if key is None:  # a folder is resolved once for all its files; a file link on its own
            folder = self._folders.get(path.parent)
            if folder is None:
                folder = self._folders[path.parent] = path.parent.resolve()
            key = self._keys[path] = str(path.resolve() if path.is_symlink() else folder / path.name)
        return key

    def digest(self, path: Path, data: bytes | None = None) -> str | None:
        """The content hash of a file now (None: it cannot be read); read only when its size
        or modification time differ from the cached ones."""
        name = self._key(path)
        if name in self._digests and data is None:
            return self._digests[name]
        entry = self._entry(name)
        try:
            info = os.stat(name)
        except OSError:
            self._digests[name] = None
            return None
        mark = [info.st_mtime_ns, info.st_size]
        if data is None and entry is not None and entry.get("stat") == mark:
            digest = entry["hash"]
        else:
            if data is None:
                try:
                    data = read_regular_file(name)  # never blocks on a FIFO
                except (OSError, SourceError):
                    data = None
                if data is None:
                    self._digests[name] = None
                    return None
            digest = content_hash(data)
            if entry is None or entry.get("hash") != digest:
                entry = self._files[name] = {"hash": digest}  # what was derived from the old content goes
            if time.time_ns() - info.st_mtime_ns > _RACY_NS:
                entry["stat"] = mark
            else:  # written moments ago: an edit within the clock's granularity could keep size and time
                entry.pop("stat", None)
            self._changed = True
        self._digests[name] = digest
        return digest

    # --- what is derived from a file's bytes (import-graph facts) ---------------------------
    def derived(self, path: Path, kind: str, unchanged: bool = False) -> object | None:
        """What was stored as `kind` for the file's current content (None: nothing);
        `unchanged`: the caller knows the file is as it was (see `project_state`)."""
        entry = self._entry(self._key(path))
        if entry is None or not (unchanged or self.digest(path) == entry.get("hash")):
            return None
        return entry.get(kind)

    def store_derived(self, path: Path, kind: str, value: object, data: bytes | None = None) -> None:
        """Keep `value` as `kind` for the file's content (`data`, when the caller read it)."""
        if self.digest(path, data) is not None:
            self._files[self._key(path)][kind] = value
            self._changed = True

    # --- the project's own state (its file list, its import graph's fingerprint) -------------
    def project_state(self, name: str) -> object | None:
        return self._project.get(name)

    def store_project_state(self, name: str, value: object) -> None:
        if self._project.get(name) != value:
            self._project[name] = value
            self._changed = True

    # --- findings ----------------------------------------------------------------------------
    def result(self, path: Path, graph: str | None, with_specs: bool) -> tuple[list[Finding], list[str]] | None:
        """The cached findings and notices of `path`, when its content, the content of the
        files they depended on, and (when they followed the project's values) the import
        graph are as they were. `with_specs`: a result with findings is not reused (its specs,
        which `--confirm` builds, are not kept)."""
        entry = self._entry(self._key(path))
        result = entry.get("result") if entry is not None else None
        if result is None or self.digest(path) != entry["hash"]:  # type: ignore[index]
            return None
        if result["graph"] is not None and result["graph"] != graph:
            return None
        if any(self.digest(Path(dep)) != digest for dep, digest in result["deps"].items()):
            return None
        if with_specs and result["findings"]:
            return None
        return [_finding(f) for f in result["findings"]], list(result["notices"])

    def store_result(
        self, path: Path, findings: list[Finding], notices: list[str], deps: Iterable[Path], graph: str | None
    ) -> None:
        """Keep a file's result, under the content hash taken when the run checked it."""
        name = self._key(path)
        if self.digest(path) is None:
            return
        try:
            encoded = [_finding_json(f) for f in findings]
        except TypeError:
            return  # a value JSON cannot hold: the file is linted again next time
        dependencies = {}
        for dep in sorted(set(deps)):
            if str(dep) != name:
                dependencies[str(dep)] = self.digest(dep)
        self._files[name]["result"] = {"findings": encoded, "notices": notices, "deps": dependencies, "graph": graph}
        self._changed = True

    # --- writing -----------------------------------------------------------------------------
    def save(self) -> None:
        """Write the cache atomically, then drop what has gone unused (`_prune`); a cache
        that cannot be written is skipped silently (a read-only checkout still lints)."""
        if not self._changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _mark_folder(self.folder)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    # One `dumps` (C) and one write: `json.dump` encodes in Python, chunk by chunk.
                    document = {"format": _FORMAT, "version": __version__, "files": self._files, "project": self._project}
                    file.write(json.dumps(document, separators=(",", ":")))
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return
        _prune(self.folder, self.path)


def modification_marks(paths: Iterable[str]) -> str | None:
    """A digest of the paths' modification times and sizes, to tell later that none of them
    changed; None when one cannot be read or was modified too recently for its time to
    show the next edit (within the clock's granularity)."""
    digest = hashlib.blake2b(digest_size=16)
    now = time.time_ns()
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if now - stat.st_mtime_ns <= _RACY_NS:
            return None
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# --- the cache folder: lnlint writes and deletes only what its own format names -----------------
SUBFOLDER = "lnlint-cache"  # where the cache goes inside a folder that holds other things
_TAG = "CACHEDIR.TAG"
_TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by lnlint.\n"
_IGNORE_TEXT = "# Automatically created by lnlint.\n*\n"
_VERSION_FOLDER = re.compile(r"[0-9][0-9A-Za-z.+-]*")
_SETTINGS_FILE = re.compile(r"[0-9a-f]{24}\.json|\.tmp-[^/]*\.json")
UNUSED_DAYS = 30  # a settings file or another version's folder unused this long is dropped


class CacheFolderError(Exception):
    """A cache folder lnlint may not use or remove (a symlink, a file, another's folder)."""


def _kind(path: Path) -> str:
    """"missing", "symlink", "folder" or "other", without following a link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "folder" if stat.S_ISDIR(mode) else "other"


def _is_tagged(folder: Path) -> bool:
    """Whether `folder` holds lnlint's CACHEDIR.TAG (a plain file; another tool's tag is not ours)."""
    tag = folder / _TAG
    if _kind(tag) != "other":
        return False
    try:
        return "created by lnlint" in read_regular_file(tag, 4096).decode("utf-8", "replace")  # type: ignore[union-attr]
    except (OSError, SourceError, AttributeError):
        return False


def _cache_files(folder: Path) -> tuple[list[Path], list[Path], str | None]:
    """The files and version folders of lnlint's cache format in `folder`, and the first
    entry of anything else (a symlink is never the cache's: it is foreign too)."""
    files: list[Path] = []
    versions: list[Path] = []
    with os.scandir(folder) as entries:
        names = sorted(entries, key=lambda e: e.name)
    for entry in names:
        path = Path(entry.path)
        if entry.is_symlink():
            return files, versions, entry.name
        if entry.name in (_TAG, ".gitignore") and entry.is_file():
            files.append(path)
        elif _VERSION_FOLDER.fullmatch(entry.name) and entry.is_dir():
            with os.scandir(path) as inner:
                for item in sorted(inner, key=lambda e: e.name):
                    if item.is_symlink() or not (_SETTINGS_FILE.fullmatch(item.name) and item.is_file()):
                        return files, versions, f"{entry.name}/{item.name}"
                    files.append(Path(item.path))
            versions.append(path)
        else:
            return files, versions, entry.name
    return files, versions, None


def _state(folder: Path) -> tuple[str, str | None]:
    """("missing" | "empty" | "cache" | "symlink" | "not a folder" | "foreign", a foreign entry)."""
    kind = _kind(folder)
    if kind in ("missing", "symlink"):
        return kind, None
    if kind != "folder":
        return "not a folder", None
    try:
        files, versions, foreign = _cache_files(folder)
    except OSError as error:
        return "foreign", f"(unreadable: {error.strerror})"
    if foreign is not None:
        return "foreign", foreign
    if not files and not versions:
        return "empty", None
    return ("cache", None) if _is_tagged(folder) else ("foreign", _TAG)


def cache_location(folder: Path) -> Path:
    """Where a cache asked to live in `folder` goes: `folder` itself when it is missing,
    empty or already lnlint's cache (holding nothing else), else its `lnlint-cache/`
    subfolder under the same conditions. A symbolic link is never followed: a repository
    could ship `.lnlint_cache -> ../elsewhere`. Raises CacheFolderError."""
    for candidate in (folder, folder / SUBFOLDER):
        state, foreign = _state(candidate)
        if state in ("missing", "empty", "cache"):
            return candidate
        if state == "symlink":
            raise CacheFolderError(f"{candidate} is a symbolic link; lnlint does not follow it")
        if state == "not a folder":
            raise CacheFolderError(f"{candidate} exists and is not a folder")
        if candidate != folder:
            raise CacheFolderError(f"{candidate} is not an lnlint cache (it holds {foreign!r})")
    raise AssertionError("unreachable")


def clean(folder: Path) -> tuple[Path | None, int]:
    """Remove the cache that `folder` holds (itself, or its `lnlint-cache/` subfolder): only
    the files lnlint's format names, then the folders left empty. Returns the folder
    removed (None: there was no cache) and how many files. Raises CacheFolderError for a
    symlink, a folder holding anything else (nothing is removed then) or a file that could
    not be removed."""
    for candidate in (folder, folder / SUBFOLDER):
        state, foreign = _state(candidate)
        if state in ("missing", "empty"):
            if candidate == folder and state == "empty":
                return None, 0  # a folder lnlint may not have made: left as it is
            continue
        if state == "symlink":
            raise CacheFolderError(f"{candidate} is a symbolic link; not followed, nothing removed")
        if state == "not a folder":
            raise CacheFolderError(f"{candidate} is not a folder; nothing removed")
        if state == "foreign":
            if candidate == folder and _kind(folder / SUBFOLDER) != "missing":
                continue
            raise CacheFolderError(f"{candidate} is not an lnlint cache (it holds {foreign!r}); nothing removed")
        return candidate, _remove_cache(candidate)
    return None, 0


def _remove_cache(folder: Path) -> int:
    files, versions, _ = _cache_files(folder)
    failed: list[str] = []
    for path in files:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            failed.append(f"{path}: {error.strerror}")
    for path in (*versions, folder):
        try:
            path.rmdir()  # never rmtree: a folder that is not empty now holds something new
        except OSError as error:
            failed.append(f"{path}: {error.strerror}")
    if failed:
        raise CacheFolderError(f"could not remove {'; '.join(failed)}")
    return len(files)


def _mark_folder(folder: Path) -> None:
    """`.gitignore` of everything (never committed) and a CACHEDIR.TAG (backup tools skip it),
    each created only where nothing of that name is (a link included)."""
    for name, text in ((".gitignore", _IGNORE_TEXT), (_TAG, _TAG_TEXT)):
        try:
            with open(folder / name, "x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            pass


def _prune(folder: Path, current: Path) -> None:
    """Drop other versions' folders and settings files unused for UNUSED_DAYS (the cache
    would otherwise grow by a file per settings combination and a folder per version)."""
    try:
        files, versions, foreign = _cache_files(folder)
    except OSError:
        return
    if foreign is not None:
        return  # something else moved in: touch nothing
    oldest = time.time() - UNUSED_DAYS * 86400
    for version in versions:
        if version.name == __version__:
            stale = [p for p in files if p.parent == version and p != current and _older(p, oldest)]
        else:
            stale = [p for p in files if p.parent == version]
        for path in stale:
            try:
                path.unlink()
            except OSError:
                pass
        if version.name != __version__:
            try:
                version.rmdir()
            except OSError:
                pass


def _older(path: Path, moment: float) -> bool:
    try:
        return os.lstat(path).st_mtime < moment
    except OSError:
        return False


def _load(path: Path) -> tuple[dict[str, dict], dict[str, object]]:
    """The cached files' entries, and the project's state (both empty when the cache is
    missing, unreadable, or of another format or version)."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
            _mark_used(file.fileno())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return {}, {}
    if not (isinstance(document, dict) and document.get("format") == _FORMAT and document.get("version") == __version__):
        return {}, {}
    files, project = document.get("files"), document.get("project", {})
    if not isinstance(files, dict):
        return {}, {}
    return files, project if isinstance(project, dict) else {}


def _mark_used(fd: int) -> None:
    """Touch a settings file read more than a day after it was written: it is in use, and
    `_prune` keeps it (a warm run that changes nothing writes nothing)."""
    try:
        if time.time() - os.fstat(fd).st_mtime > 86400:
            os.utime(fd)
    except OSError:
        pass  # a read-only cache is still read


# --- what a well-formed entry holds (the file lies in the checkout: anything can be in it) ------
def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_import(value: object) -> bool:
    return (
        isinstance(value, list) and len(value) == 3 and _is_int(value[0])
        and (value[1] is None or isinstance(value[1], str)) and _is_str_list(value[2])
    )


def _is_location(value: object) -> bool:
    return (
        isinstance(value, list) and len(value) == 7 and isinstance(value[0], str)
        and all(_is_int(n) for n in value[1:5]) and all(n is None or _is_int(n) for n in value[5:])
    )


def _is_value(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if "unknown" in value:
        return isinstance(value["unknown"], str)
    if not isinstance(value.get("origin"), str):
        return False
    if "tuple" in value:
        return isinstance(value["tuple"], list) and all(isinstance(v, _SCALARS) for v in value["tuple"])
    return "value" in value and isinstance(value["value"], _SCALARS)


def _is_finding(value: object) -> bool:
    return (
        isinstance(value, dict)
        and all(isinstance(value.get(name), str) for name in ("code", "name", "severity", "message"))
        and _is_location(value.get("location"))
        and isinstance(value.get("values"), dict)
        and all(isinstance(k, str) and _is_value(v) for k, v in value["values"].items())
        and isinstance(value.get("related"), list)
        and all(isinstance(h, list) and len(h) == 2 and _is_location(h[0]) and isinstance(h[1], str) for h in value["related"])
    )


def _is_result(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("findings"), list) and all(_is_finding(f) for f in value["findings"])
        and _is_str_list(value.get("notices"))
        and isinstance(value.get("deps"), dict)
        and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value["deps"].items())
        and (value.get("graph") is None or isinstance(value.get("graph"), str))
    )


# Each field a file's entry may hold, and what it must be; an entry with anything else is dropped.
_FIELDS = {
    "hash": lambda v: isinstance(v, str),
    "stat": lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(n) for n in v),
    "result": _is_result,
    "constructing": _is_str_list,
    "code facts": lambda v: isinstance(v, list) and len(v) == 2 and isinstance(v[0], bool)
    and isinstance(v[1], list) and all(_is_import(i) for i in v[1]),
}


def _well_formed(entry: object) -> bool:
    """Whether a file's entry holds what this version writes, field by field and type by type."""
    return (
        isinstance(entry, dict) and "hash" in entry
        and all(name in _FIELDS and _FIELDS[name](value) for name, value in entry.items())
    )


def _settings_key(settings: Settings) -> str:
    """The settings as text, mappings sorted (what any setting changes, the key changes)."""
    fields = asdict(settings)
    return json.dumps({k: sorted(v.items()) if isinstance(v, dict) else v for k, v in fields.items()}, default=str, sort_keys=True)


# --- findings as JSON ---------------------------------------------------------------------------
_SCALARS = (bool, int, float, str, type(None))


def _value_json(resolved: Resolved) -> dict:
    if isinstance(resolved, Unknown):
        return {"unknown": resolved.reason}
    value = resolved.value
    if isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value):
        return {"tuple": list(value), "origin": resolved.origin}
    if isinstance(value, _SCALARS):
        return {"value": value, "origin": resolved.origin}
    raise TypeError(f"cannot cache a value of type {type(value).__name__}")


def _value(data: dict) -> Resolved:
    if "unknown" in data:
        return Unknown(data["unknown"])
    if "tuple" in data:
        return Value(tuple(data["tuple"]), data["origin"])
    return Value(data["value"], data["origin"])


def _location_json(location: Location) -> list:
    return [location.path, location.line, location.column, location.end_line, location.end_column, location.cell, location.file_line]


def _finding_json(finding: Finding) -> dict:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "location": _location_json(finding.location),
        "values": {name: _value_json(v) for name, v in finding.values.items()},
        "related": [[_location_json(hop.location), hop.what] for hop in finding.related],
    }


def _finding(data: dict) -> Finding:
    return Finding(
        data["code"],
        data["name"],
        data["severity"],
        data["message"],
        Location(*data["location"]),
        {name: _value(v) for name, v in data["values"].items()},
        related=tuple(Hop(Location(*location), what) for location, what in data["related"]),
    )
