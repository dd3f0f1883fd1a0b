"""`--output-format github`: GitHub Actions workflow commands, one annotation a finding."""

from __future__ import annotations

from typing import Sequence

from lnlint.findings import Finding

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding], color: bool = False) -> str:
    out = []
    for f in findings:
        loc = f.location.in_file()  # annotations land on the raw file's lines
        properties = ",".join(
            f"{key}={escape_property(str(value))}"
            for key, value in (
                ("title", f"lnlint ({f.code})"),
                ("file", loc.path),
                ("line", loc.line),
                ("col", loc.column),
                ("endLine", loc.end_line),
                ("endColumn", loc.end_column),
            )
        )
        out.append(f"::{_LEVELS[f.severity]} {properties}::{escape_data(f'{f.code} {f.location.cell_prefix()}{f.message}')}\n")
    return "".join(out)
