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
torn file (the last one wins); anything unreadable, truncated or of another format is
ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
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
        key = hashlib.blake2b(f"{_settings_key(settings)}|{os.getcwd()}".encode(), digest_size=12).hexdigest()
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
            stat = os.stat(name)
        except OSError:
            self._digests[name] = None
            return None
        mark = [stat.st_mtime_ns, stat.st_size]
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
            if time.time_ns() - stat.st_mtime_ns > _RACY_NS:
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
        try:
            return [_finding(f) for f in result["findings"]], list(result["notices"])
        except (KeyError, TypeError, ValueError):
            return None

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
        """Write the cache atomically; a cache that cannot be written is skipped silently
        (a read-only checkout still lints)."""
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
            pass


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
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    return digest.hexdigest()


def clean(folder: Path) -> bool:
    """Remove a cache folder (only one lnlint made: it holds our marker). Whether it existed."""
    import shutil

    if not (folder / "CACHEDIR.TAG").is_file() or not (folder / ".gitignore").is_file():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def _mark_folder(folder: Path) -> None:
    """`.gitignore` of everything (never committed) and a CACHEDIR.TAG (backup tools skip it)."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by lnlint.\n*\n", encoding="utf-8")
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by lnlint.\n",
            encoding="utf-8",
        )


def _load(path: Path) -> tuple[dict[str, dict], dict[str, object]]:
    """The cached files' entries, and the project's state (both empty when the cache is
    missing, unreadable, or of another format or version)."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return {}, {}
    if not (isinstance(document, dict) and document.get("format") == _FORMAT and document.get("version") == __version__):
        return {}, {}
    files, project = document.get("files"), document.get("project", {})
    if not isinstance(files, dict):
        return {}, {}
    return files, project if isinstance(project, dict) else {}


def _well_formed(entry: object) -> bool:
    if not (isinstance(entry, dict) and isinstance(entry.get("hash"), str)):
        return False
    stat = entry.get("stat")
    if stat is not None and not (isinstance(stat, list) and len(stat) == 2 and all(isinstance(n, int) for n in stat)):
        return False
    result = entry.get("result")
    if result is None:
        return True
    return (
        isinstance(result, dict)
        and isinstance(result.get("findings"), list)
        and isinstance(result.get("notices"), list)
        and isinstance(result.get("deps"), dict)
        and (result.get("graph") is None or isinstance(result.get("graph"), str))
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
