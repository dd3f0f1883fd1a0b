"""What a rule reports: plain data, shared by rules, suppression and reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lnlint.spec import Hop, Location, Resolved, Spec

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    code: str
    name: str
    severity: str
    message: str
    location: Location
    values: Mapping[str, Resolved] = field(default_factory=dict)
    confirmation: Mapping[str, object] | None = None
    spec: Spec | None = field(default=None, repr=False, compare=False)  # what --confirm builds
    # Where the values went after the reported call: the calls that passed them on, and the
    # construction last (empty when the construction is the reported location).
    related: tuple[Hop, ...] = ()

    def sort_key(self) -> tuple:
        where = self.location.in_file()  # a notebook's findings in the order of its cells
        return (where.path, where.line, where.column, self.code, self.message)
