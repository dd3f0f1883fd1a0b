"""Terminal formats: `concise` (one line a finding), `full` (with source and provenance)."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import click

from lnlint.findings import Finding
from lnlint.report.sources import SourceLines
from lnlint.spec import describe

_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def _headline(finding: Finding, color: bool) -> str:
    loc = finding.location
    cell = f"cell {loc.cell}:" if loc.cell is not None else ""
    where = f"{loc.path}:{cell}{loc.line}:{loc.column}:"
    code = finding.code
    severity = f"[{finding.severity}]"
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=_COLOURS.get(finding.severity), bold=True)
    return f"{where} {code} {severity} {finding.message}"


def confirmation_line(finding: Finding) -> str:
    """`    confirmed on cpu (torch 2.13.0, seed 0, 0.05 s): 100% of 512 output rows on 2 points`"""
    c = finding.confirmation
    if c is None:
        return ""
    return f"    {c['verdict']} on {c['device']} (torch {c['torch_version']}, seed {c['seed']}, {c['seconds']} s): {c['summary']}\n"


def concise(findings: Sequence[Finding], color: bool) -> str:
    return "".join(_headline(f, color) + "\n" + confirmation_line(f) for f in findings)


def _snippet(finding: Finding, sources: SourceLines, color: bool) -> list[str]:
    loc = finding.location
    line = sources.line(loc.path, loc.line) if loc.cell is None else None  # a notebook's file is JSON
    if line is None:
        return []
    gutter = " " * len(str(loc.line))
    end = loc.end_column if loc.end_line == loc.line else len(line) + 1
    prefix = "".join(c if c == "\t" else " " for c in line[: loc.column - 1])
    carets = "^" * max(1, end - loc.column)
    if color:
        carets = click.style(carets, fg=_COLOURS.get(finding.severity), bold=True)
    return [f"{gutter} |", f"{loc.line} | {line}", f"{gutter} | {prefix}{carets}"]


def full(findings: Sequence[Finding], color: bool) -> str:
    out: list[str] = []
    sources = SourceLines()
    for finding in findings:
        out.append(_headline(finding, color))
        if finding.confirmation is not None:
            out.append(confirmation_line(finding).rstrip("\n"))
        out.extend(_snippet(finding, sources, color))
        gutter = " " * len(str(finding.location.line))
        out.extend(f"{gutter} = {describe(name, value)}" for name, value in finding.values.items())
        for hop in finding.related:
            loc = hop.location
            line = sources.line(loc.path, loc.line) if loc.cell is None else None
            cell = f"cell {loc.cell}:" if loc.cell is not None else ""
            out.append(f"{gutter} → {loc.path}:{cell}{loc.line}:{loc.column}: {hop.what}")
            if line is not None:
                out.append(f"{gutter}     {line.strip()}")
        out.append("")
    return "".join(line + "\n" for line in out)


def statistics(findings: Sequence[Finding]) -> str:
    counts = Counter((f.code, f.severity, f.name) for f in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{count:>5}\t{code}\t[{severity}] {name}\n" for (code, severity, name), count in rows)


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def summary(findings: Sequence[Finding], files: int, skipped: int = 0, errors: int = 0) -> str:
    """The last line of a text report. `files` counts every file of the run; `skipped` of
    them were not checked (too large, see --verbose) and `errors` failed with an internal
    error: a run that did not check every file never says that all checks passed."""
    checked = f"{_files(max(files - skipped - errors, 0))} checked"
    if skipped:
        checked += f", {skipped} skipped: see --verbose"
    if errors:
        checked += f", {errors} not checked (internal error{'s' if errors != 1 else ''})"
    if not findings:
        return f"All checks passed! ({checked})\n" if not errors else f"No findings in {checked}.\n"
    by_severity = Counter(f.severity for f in findings)
    parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(by_severity.items()))
    total = len(findings)
    return f"Found {total} finding{'s' if total != 1 else ''} ({parts}) in {checked}.\n"
