"""Reporters: findings → text. They format; they never decide what is reported."""

from __future__ import annotations

import importlib
from typing import Callable, Sequence

from lnlint.findings import Finding

Renderer = Callable[[Sequence[Finding], bool], str]

# Format → "module:function" under lnlint.report; a run imports only the one it prints.
_FORMATS = {
    "concise": "text:concise",
    "full": "text:full",
    "json": "json:render",
    "github": "github:render",
    "sarif": "sarif:render",
    "gitlab": "gitlab:render",
}
TEXT_FORMATS = ("concise", "full")


def renderer(output_format: str) -> Renderer:
    module, _, function = _FORMATS[output_format].partition(":")
    return getattr(importlib.import_module(f"lnlint.report.{module}"), function)
