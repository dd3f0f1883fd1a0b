"""Rules: pure functions from specs to violations. They never see source text or syntax trees.

A check is a module of this package with `CODES`, the rule codes it may report, and
`check(spec, thresholds)`, which yields `Violation`s. Modules are found by discovery: adding
a rule is its catalogue file (`rules/LNxxx.yaml` at the top of the repository) plus one
module here. Names, default severities and thresholds come from the catalogue; a check
receives only the thresholds its own rules declare.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType
from typing import Iterable, Iterator, Mapping

from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.spec import Location, Resolved, Spec

# Reported by the pipeline itself (a file it cannot read or parse), not by a check.
PIPELINE_CODES = ("LN900",)


@functools.lru_cache(maxsize=1)
def checks() -> tuple[ModuleType, ...]:
    """Every check module of this package, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "CODES") and hasattr(module, "check"):
            found.append(module)
    return tuple(found)


def make_finding(
    code: str,
    message: str,
    location: Location,
    values: Mapping[str, Resolved],
    severity: str | None = None,
    spec: Spec | None = None,
) -> Finding:
    rule = load_catalogue()[code]
    chain = spec.context.chain if spec is not None else ()
    if spec is not None and spec.context.guessed_from:
        message = f"{message} (No class is named: lnlint took this section for a Transformer from its keys {', '.join(spec.context.guessed_from)}.)"
    if chain:
        steps = " → ".join(f"{hop.what} ({hop.location.path}:{hop.location.line})" for hop in chain)
        message = f"{message} Value flow: {steps}."
    return Finding(code, rule.name, severity or rule.severity, message, location, dict(values), spec=spec, related=chain[1:])


def _own_thresholds(module: ModuleType, thresholds: Mapping[str, int]) -> dict[str, int]:
    catalogue = load_catalogue()
    return {key: thresholds[key] for code in module.CODES for key in catalogue[code].thresholds}


def run_rules(specs: Iterable[Spec], thresholds: Mapping[str, int]) -> Iterator[Finding]:
    plan = [(module, _own_thresholds(module, thresholds)) for module in checks()]
    for spec in specs:
        for module, own in plan:
            for violation in module.check(spec, own):
                if violation.code not in module.CODES:
                    raise ValueError(f"{module.__name__} reported {violation.code}, which is not in its CODES")
                yield make_finding(violation.code, violation.message, spec.location, violation.values, violation.severity, spec)
