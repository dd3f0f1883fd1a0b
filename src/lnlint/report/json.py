"""`--output-format json`: an array shaped like ruff's JSON output, plus name and values."""

from __future__ import annotations

import json
from typing import Sequence

from lnlint.findings import Finding
from lnlint.spec import Resolved, Value


def value_object(resolved: Resolved) -> dict[str, object]:
    if isinstance(resolved, Value):
        value = resolved.value
        return {"value": list(value) if isinstance(value, tuple) else value, "origin": resolved.origin}
    return {"value": None, "unknown": resolved.reason}


def finding_object(finding: Finding) -> dict[str, object]:
    loc = finding.location
    obj: dict[str, object] = {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "filename": loc.path,
        "location": {"row": loc.line, "column": loc.column},
        "end_location": {"row": loc.end_line, "column": loc.end_column},
        "url": None,
        "values": {name: value_object(v) for name, v in finding.values.items()},
        "cell": loc.cell,  # as ruff: a notebook's cell (rows count from its first line), else null
    }
    if finding.related:
        obj["related"] = [
            {
                "filename": hop.location.path,
                "location": {"row": hop.location.line, "column": hop.location.column},
                "end_location": {"row": hop.location.end_line, "column": hop.location.end_column},
                "message": hop.what,
                **({"cell": hop.location.cell} if hop.location.cell is not None else {}),
            }
            for hop in finding.related
        ]
    if finding.confirmation is not None:
        obj["confirmation"] = dict(finding.confirmation)
    return obj


def render(findings: Sequence[Finding], color: bool = False) -> str:
    return json.dumps([finding_object(f) for f in findings], indent=2, default=str) + "\n"
