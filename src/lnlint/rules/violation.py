"""What a check yields: which rule fired, why, and on which values. The pipeline turns it
into a `Finding` with the rule's name, severity and the spec's location."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lnlint.spec import Resolved


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    values: Mapping[str, Resolved] = field(default_factory=dict)
    severity: str | None = None  # None: the catalogue's default severity
