"""Rules: pure functions from specs to findings. They never see source text or syntax trees.

Each check takes a spec and the thresholds in force and yields findings; names, default
severities and thresholds come from the catalogue (`rules/*.yaml`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping

from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.rules import depth, heads, width
from lnlint.rules.report import Report
from lnlint.spec import Location, Resolved, Spec

Check = Callable[[Spec, Mapping[str, int]], Iterable[Report]]

CHECKS: tuple[Check, ...] = (width.check, heads.check, depth.check)


def make_finding(
    code: str,
    message: str,
    location: Location,
    values: Mapping[str, Resolved],
    severity: str | None = None,
    spec: Spec | None = None,
) -> Finding:
    rule = load_catalogue()[code]
    return Finding(code, rule.name, severity or rule.severity, message, location, dict(values), spec=spec)


def run_rules(specs: Iterable[Spec], thresholds: Mapping[str, int]) -> Iterator[Finding]:
    for spec in specs:
        for check in CHECKS:
            for report in check(spec, thresholds):
                yield make_finding(report.code, report.message, spec.location, report.values, report.severity, spec)
