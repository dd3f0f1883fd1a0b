"""`--output-format sarif`: SARIF 2.1.0 for GitHub code scanning, rules from the catalogue."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from lnlint import __version__
from lnlint.catalogue import Rule, load_catalogue
from lnlint.findings import Finding
from lnlint.spec import Location
from lnlint.report.fingerprint import fingerprints
from lnlint.report.json import value_object

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_INFORMATION_URI = "https://pypi.org/project/lnlint/"


def _rule(rule: Rule) -> dict[str, object]:
    text = f"{rule.what.strip()}\n\n{rule.why.strip()}\n\n{rule.fix.strip()}"
    markdown = (
        f"## What it does\n{rule.what.strip()}\n\n## Why is this bad?\n{rule.why.strip()}\n\n"
        f"## How to fix\n{rule.fix.strip()}\n"
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what.strip()},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": ["transformer", "normalization", rule.name]},
    }


def _uri(path: str) -> str:
    """A relative URI reference: the name's bytes percent-encoded (spaces, newlines, and
    names that are not UTF-8 alike), `/` kept."""
    return quote(os.fsencode(Path(path).as_posix()), safe="/")


def _physical(loc: Location) -> dict[str, object]:
    loc = loc.in_file()  # a notebook's lines as the .ipynb file's
    return {
        "artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line, "endColumn": loc.end_column},
    }


def _value_flow(finding: Finding) -> dict[str, object]:
    """The related locations and one code-flow thread: the reported call, then each hop."""
    related = [
        {"id": number, "physicalLocation": _physical(hop.location), "message": {"text": hop.what}}
        for number, hop in enumerate(finding.related, start=1)
    ]
    steps = [(finding.location, "the value is passed here"), *((hop.location, hop.what) for hop in finding.related)]
    thread = [{"location": {"physicalLocation": _physical(loc), "message": {"text": text}}} for loc, text in steps]
    return {"relatedLocations": related, "codeFlows": [{"threadFlows": [{"locations": thread}]}]}


def _fixes(finding: Finding, sources: dict[str, str | None]) -> dict[str, object]:
    """SARIF's `fixes` for a finding whose rule has a fix that applies here (safe or not:
    the description says which)."""
    from lnlint.catalogue import default_thresholds
    from lnlint.fixes import fix_for, fixable_text, replacement

    fix = fix_for(finding, default_thresholds())
    if fix is None:
        return {}
    path = fix.path
    if path not in sources:
        sources[path] = fixable_text(path)
    source = sources[path]
    change = replacement(fix, source) if source is not None else None
    if change is None:
        return {}
    region = {"startLine": change.line, "startColumn": change.column, "endLine": change.end_line, "endColumn": change.end_column}
    return {
        "fixes": [
            {
                "description": {"text": f"{fix.finding.code} {fix.applicability} fix: {fix.describe()}"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
                        "replacements": [{"deletedRegion": region, "insertedContent": {"text": change.text}}],
                    }
                ],
            }
        ]
    }


def render(findings: Sequence[Finding], color: bool = False) -> str:
    catalogue = load_catalogue()
    codes = list(catalogue)
    sources: dict[str, str | None] = {}
    results = []
    for finding, fingerprint in zip(findings, fingerprints(findings)):
        loc = finding.location
        properties: dict[str, object] = {
            "values": {name: value_object(v) for name, v in finding.values.items()}
        }
        if finding.confirmation is not None:
            properties["confirmation"] = dict(finding.confirmation)
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": codes.index(finding.code),
                "level": _LEVELS[finding.severity],
                "message": {"text": finding.location.cell_prefix() + finding.message},
                "locations": [{"physicalLocation": _physical(loc)}],
                "partialFingerprints": {"lnlint/v1": fingerprint},
                "properties": properties,
                **(_value_flow(finding) if finding.related else {}),
                **_fixes(finding, sources),
            }
        )
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lnlint",
                        "version": __version__,
                        "informationUri": _INFORMATION_URI,
                        "rules": [_rule(catalogue[code]) for code in codes],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
