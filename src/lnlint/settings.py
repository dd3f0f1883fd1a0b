"""Settings: `[tool.lnlint]` in the nearest pyproject.toml, then the command line on top."""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from lnlint.catalogue import default_thresholds, load_catalogue, opt_in_codes
from lnlint.frontends.source import SourceError, read_regular_file
from lnlint.frontends.vocabulary import WARMUP_KEYS

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".eggs", "*.egg-info",
    "node_modules", "__pycache__", "__pypackages__", "build", "dist", "_build",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".lnlint_cache", ".ipynb_checkpoints",
    # Experiment logs hold a copy of the config of every run.
    ".hydra", "multirun", "wandb", "mlruns", "lightning_logs",
)
DEFAULT_INCLUDE = ("*.py", "*.ipynb", "*.yaml", "*.yml", "*.json")
EXTRA_KEY_SETTINGS = {
    "extra-width-keys": "width",
    "extra-heads-keys": "heads",
    "extra-depth-keys": "depth",
    "extra-placement-keys": "placement",
    "extra-warmup-keys": "warmup",
}
_SELECTOR = re.compile(r"^LN[0-9]{0,3}$")


class ConfigError(Exception):
    """A configuration value lnlint cannot use; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] = ("LN",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    include: tuple[str, ...] = DEFAULT_INCLUDE
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    threshold_overrides: Mapping[str, int] = field(default_factory=dict)
    extra_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    force_exclude: bool = False
    respect_gitignore: bool = True
    src: tuple[str, ...] = ()  # extra module roots, relative to `root`
    value_flow: bool = True  # follow values across the project's calls and imports
    fixable: tuple[str, ...] = ("LN",)  # rules --fix may fix (codes or prefixes)
    unfixable: tuple[str, ...] = ()

    @property
    def thresholds(self) -> dict[str, int]:
        """The catalogue's defaults with the configured values on top (read only when used:
        a run where no construction is found never parses the catalogue)."""
        return {**default_thresholds(), **self.threshold_overrides}

    @property
    def warmup_keys(self) -> frozenset[str]:
        """Names that count as learning-rate warmup, in Python and configs alike."""
        return WARMUP_KEYS | frozenset(self.extra_keys.get("warmup", ()))

    def enabled(self, code: str, path: str | None = None) -> bool:
        """ruff's rule: the most specific matching selector wins; ignore wins a tie. A rule
        outside the default selection (LN007) runs only when a selector names its code."""
        if code in opt_in_codes() and code not in self.select:
            return False
        ignores = self.ignore
        if path is not None:
            ignores = ignores + self.ignored_for(path)
        best_select = max((len(s) for s in self.select if code.startswith(s)), default=-1)
        best_ignore = max((len(s) for s in ignores if code.startswith(s)), default=-1)
        return best_select > best_ignore

    def fixable_code(self, code: str) -> bool:
        """Whether --fix may fix this rule's findings (`fixable` minus `unfixable`)."""
        return any(code.startswith(p) for p in self.fixable) and not any(code.startswith(p) for p in self.unfixable)

    def ignored_for(self, path: str) -> tuple[str, ...]:
        rel = self.relative(path)
        return tuple(
            code
            for pattern, codes in self.per_file_ignores
            if matches(pattern, rel)
            for code in codes
        )

    def relative(self, path: str | Path) -> str:
        """`path` relative to the root, with `/` (absolute when outside it)."""
        absolute = os.path.abspath(path)
        root = _absolute_root(self.root)
        if absolute == root:
            return "."
        if absolute.startswith(root.rstrip(os.sep) + os.sep):
            absolute = absolute[len(root.rstrip(os.sep)) + 1:]
        return absolute.replace(os.sep, "/") if os.sep != "/" else absolute

    def excluded(self, path: str | Path, ancestors: bool = False) -> bool:
        """Whether `exclude` matches `path` (or, with `ancestors`, any folder above it)."""
        rel = self.relative(path)
        candidates = [str(c) for c in (PurePosixPath(rel), *PurePosixPath(rel).parents[:-1])] if ancestors else [rel]
        names, globs = _exclusion(self.exclude)
        for candidate in candidates:
            name = candidate.rpartition("/")[2]
            if candidate in names or name in names:
                return True
            if any(fnmatch.fnmatchcase(candidate, g) or fnmatch.fnmatchcase(name, g) for g in globs):
                return True
        return False


@lru_cache(maxsize=16)
def _absolute_root(root: Path) -> str:
    return os.path.abspath(root)


@lru_cache(maxsize=16)
def _exclusion(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(plain names and paths, glob patterns) of `exclude`, split once: every file walked is
    checked against them (`matches` does the same, one pattern at a time)."""
    plain = [p.rstrip("/") for p in patterns if not any(c in p for c in "*?[")]
    globs = tuple(p.rstrip("/") for p in patterns if any(c in p for c in "*?["))
    return frozenset(plain), globs


def matches(pattern: str, rel_path: str) -> bool:
    """ruff-style glob: against the whole relative path or its last part."""
    pattern = pattern.rstrip("/")
    name = rel_path.rpartition("/")[2]
    if not any(c in pattern for c in "*?["):  # most excludes are plain names: skip the regex
        return pattern in (rel_path, name)
    return fnmatch.fnmatchcase(rel_path, pattern) or fnmatch.fnmatchcase(name, pattern)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.lnlint] table."""
    start = start.absolute()
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = read_regular_file(candidate) or b""
            except (OSError, SourceError):
                continue
            if _LNLINT_TABLE.search(data):
                return candidate  # `load_settings` reads it, and says what is wrong with it
    return None


# Matched on bytes: a file that is not valid UTF-8 but has the table is an error, not ignored.
_LNLINT_TABLE = re.compile(rb"^\s*\[\s*tool\s*\.\s*lnlint\b", re.M)


def _codes(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule codes or prefixes, got {value!r}")
    known = load_catalogue()
    for code in value:
        if not _SELECTOR.match(code) or not any(c.startswith(code) for c in known):
            raise ConfigError(f"{key}: unknown rule code or prefix {code!r} (see `lnlint rule --all`)")
    return tuple(value)


def _patterns(key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of glob patterns, got {value!r}")
    return tuple(value)


def settings_from_table(table: Mapping[str, object], root: Path) -> Settings:
    settings = Settings(root=root)
    thresholds: dict[str, int] = {}
    changes: dict[str, object] = {}
    for key, value in table.items():
        if key in ("select", "ignore", "fixable", "unfixable"):
            changes[key] = _codes(key, value)
        elif key == "extend-select":
            changes["select"] = settings.select + _codes(key, value)
        elif key == "exclude":
            changes["exclude"] = _patterns(key, value)
        elif key == "include":
            changes["include"] = _patterns(key, value)
        elif key == "value-flow":
            if not isinstance(value, bool):
                raise ConfigError(f"value-flow must be true or false, got {value!r}")
            changes["value_flow"] = value
        elif key == "src":
            changes["src"] = _patterns(key, value)
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"respect-gitignore must be true or false, got {value!r}")
            changes["respect_gitignore"] = value
        elif key in EXTRA_KEY_SETTINGS:
            extra = dict(changes.get("extra_keys", {}))  # type: ignore[call-overload]
            extra[EXTRA_KEY_SETTINGS[key]] = tuple(k.lower() for k in _patterns(key, value))
            changes["extra_keys"] = extra
        elif key == "extend-exclude":
            changes["exclude"] = DEFAULT_EXCLUDE + _patterns(key, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"per-file-ignores must be a table of glob = [codes], got {value!r}")
            changes["per_file_ignores"] = tuple(
                (pattern, _codes(f"per-file-ignores.{pattern!r}", codes)) for pattern, codes in value.items()
            )
        elif key in default_thresholds():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{key} must be a positive integer, got {value!r}")
            thresholds[key] = value
        else:
            known = ", ".join(sorted([
                "select", "extend-select", "ignore", "fixable", "unfixable", "include", "exclude", "extend-exclude", "src",
                "per-file-ignores", "respect-gitignore", "value-flow", *EXTRA_KEY_SETTINGS, *default_thresholds(),
            ]))
            raise ConfigError(f"unknown setting {key!r} in [tool.lnlint] (known: {known})")
    return replace(settings, threshold_overrides=thresholds, **changes)  # type: ignore[arg-type]


def load_settings(config: Path | None, isolated: bool, start: Path) -> Settings:
    """Settings from `config` (a pyproject.toml or lnlint.toml), else the nearest pyproject."""
    if isolated:
        return Settings(root=Path.cwd())
    path = config if config is not None else find_pyproject(start)
    if path is None:
        return Settings(root=Path.cwd())
    try:
        document = tomllib.loads(read_regular_file(path).decode("utf-8"))  # type: ignore[union-attr]
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path} is not valid UTF-8 (byte 0x{error.object[error.start]:02x} at offset {error.start}); TOML files must be UTF-8") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except SourceError as error:
        raise ConfigError(f"cannot read {path}: {error.message}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    table = document.get("tool", {}).get("lnlint") if path.name == "pyproject.toml" else document
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.lnlint] must be a table")
    try:
        return settings_from_table(table, path.absolute().parent)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
