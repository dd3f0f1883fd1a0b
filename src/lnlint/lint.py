"""The pipeline for one run: files → frontend → specs → rules → filtered findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lnlint.config import Settings
from lnlint.findings import Finding
from lnlint.rules import make_finding, run_rules
from lnlint.source import SourceError, decode_python
from lnlint.spec import Location
from lnlint.suppression import is_suppressed, skips_file


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    files: int = 0


def lint_python(data: bytes, path: str, settings: Settings) -> list[Finding]:
    """Findings for one Python file, before suppression and selection."""
    from lnlint.python import python_specs

    text = decode_python(data)
    if skips_file(text):
        return []
    specs = python_specs(text, data, path)
    return list(run_rules(specs, settings.thresholds)) if specs else []


def lint_file(path: Path, settings: Settings) -> list[Finding]:
    display = str(path)
    data = b""
    try:
        data = path.read_bytes()
        findings = lint_python(data, display, settings)
    except OSError as error:
        findings = [_parse_error(display, SourceError(f"cannot read: {error.strerror}"))]
    except SourceError as error:
        findings = [_parse_error(display, error)]
    findings = [f for f in findings if settings.enabled(f.code, display)]
    if not findings:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    return [f for f in findings if not is_suppressed(f, lines)]


def _parse_error(path: str, error: SourceError) -> Finding:
    location = Location(path, error.line, error.column, error.line, error.column)
    return make_finding("LN900", error.message, location, {})


def lint_paths(files: Iterable[Path], settings: Settings) -> RunResult:
    result = RunResult()
    for path in files:
        result.files += 1
        try:
            result.findings.extend(lint_file(path, settings))
        except Exception as error:  # a bug of ours must not end the run; it is reported
            result.internal_errors.append(f"{path}: internal error: {type(error).__name__}: {error}")
    result.findings.sort(key=Finding.sort_key)
    return result
