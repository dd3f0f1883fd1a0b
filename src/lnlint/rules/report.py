"""The one thing a check yields: which rule fired, why, and on which values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lnlint.spec import Resolved


@dataclass(frozen=True)
class Report:
    code: str
    message: str
    values: Mapping[str, Resolved] = field(default_factory=dict)
    severity: str | None = None  # None: the catalogue's default severity
