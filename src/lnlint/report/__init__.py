"""Reporters: findings → text. They format; they never decide what is reported."""

from __future__ import annotations

from typing import Callable, Sequence

from lnlint.findings import Finding
from lnlint.report import json, text

Renderer = Callable[[Sequence[Finding], bool], str]

FORMATS: dict[str, Renderer] = {
    "concise": text.concise,
    "full": text.full,
    "json": json.render,
}
TEXT_FORMATS = ("concise", "full")
