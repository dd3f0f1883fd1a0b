"""Reporters: findings → text. They format; they never decide what is reported."""

from __future__ import annotations

from typing import Callable, Sequence

from lnlint.findings import Finding
from lnlint.report import github, gitlab, json, sarif, text

Renderer = Callable[[Sequence[Finding], bool], str]

FORMATS: dict[str, Renderer] = {
    "concise": text.concise,
    "full": text.full,
    "json": json.render,
    "github": github.render,
    "sarif": sarif.render,
    "gitlab": gitlab.render,
}
TEXT_FORMATS = ("concise", "full")
