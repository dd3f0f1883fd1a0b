"""`--output-format gitlab`: GitLab Code Quality report (a JSON array)."""

from __future__ import annotations

import json
from typing import Sequence

from lnlint.findings import Finding
from lnlint.report.fingerprint import fingerprints

_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(findings: Sequence[Finding], color: bool = False) -> str:
    report = [
        {
            "description": f"{f.code} {f.location.cell_prefix()}{f.message}",
            "check_name": f"{f.code} {f.name}",
            "fingerprint": fingerprint,
            "severity": _SEVERITIES[f.severity],
            "location": {"path": f.location.path, "lines": {"begin": f.location.in_file().line, "end": f.location.in_file().end_line}},
        }
        for f, fingerprint in zip(findings, fingerprints(findings))
    ]
    return json.dumps(report, indent=2) + "\n"
