"""The rule catalogue: one YAML file per rule in the top-level `rules/` folder.

It is the single source for rule names, default severities, thresholds, documentation,
SARIF rule metadata and the examples the test suite runs. The wheel ships it as
`lnlint/rule_catalogue/`; a source checkout (editable install, tests) reads `rules/` directly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from lnlint.findings import SEVERITIES


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    what: str
    why: str
    fix: str
    references: tuple[Mapping[str, str], ...]
    thresholds: Mapping[str, int]
    bad: tuple[str, ...]
    good: tuple[str, ...]
    autofix: Mapping[str, str] | None = None  # {applicability: safe|unsafe, what: ...}
    # In the default selection; a rule about noise, not about what the model computes, is
    # not, and runs only when selected by its code (as ruff keeps its defaults to bugs).
    default: bool = True

    def document(self) -> str:
        """The entry as `lnlint rule CODE` prints it."""
        lines = [f"{self.code} ({self.name}) [{self.severity}]", "", self.summary, ""]
        for title, text in (("What it does", self.what), ("Why is this bad?", self.why), ("How to fix", self.fix)):
            lines += [f"## {title}", text.strip(), ""]
        if self.autofix:
            command = "lnlint --fix --unsafe-fixes" if self.autofix["applicability"] == "unsafe" else "lnlint --fix"
            lines += [f"## Fix ({self.autofix['applicability']}, `{command}`)", self.autofix["what"].strip(), ""]
        if self.thresholds:
            lines.append("## Settings ([tool.lnlint])")
            lines += [f"- {key} = {value}" for key, value in self.thresholds.items()]
            lines.append("")
        for title, examples in (("Example (flagged)", self.bad), ("Use instead", self.good)):
            if examples:
                lines += [f"## {title}", "```python", examples[0].rstrip(), "```", ""]
        if self.references:
            lines.append("## References")
            lines += [f"- {ref['title']}" + (f": {ref['url']}" if ref.get("url") else "") for ref in self.references]
        return "\n".join(lines).rstrip() + "\n"


def catalogue_dir() -> Path:
    packaged = Path(__file__).parent / "rule_catalogue"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "rules"


def _parse(path: Path) -> Rule:
    import yaml  # only when a rule is needed: most runs of a pre-commit hook need none

    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    explanation = data["explanation"]
    examples = data.get("examples") or {}
    rule = Rule(
        code=data["code"],
        name=data["name"],
        severity=data["severity"],
        summary=data["summary"].strip(),
        what=explanation["what"],
        why=explanation["why"],
        fix=explanation["fix"],
        references=tuple(data.get("references") or ()),
        thresholds=dict(data.get("thresholds") or {}),
        bad=tuple(examples.get("bad") or ()),
        good=tuple(examples.get("good") or ()),
        autofix=data.get("autofix"),
        default=data.get("default", True),
    )
    if rule.autofix is not None and rule.autofix.get("applicability") not in ("safe", "unsafe"):
        raise ValueError(f"{path}: autofix.applicability must be safe or unsafe")
    if not isinstance(rule.default, bool):
        raise ValueError(f"{path}: default must be true or false")
    if rule.severity not in SEVERITIES or rule.code != path.stem:
        raise ValueError(f"{path}: bad code or severity")
    return rule


@functools.lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Rule]:
    return {rule.code: rule for rule in map(_parse, sorted(catalogue_dir().glob("LN*.yaml")))}


@functools.lru_cache(maxsize=1)
def opt_in_codes() -> frozenset[str]:
    """The rules outside the default selection."""
    return frozenset(code for code, rule in load_catalogue().items() if not rule.default)


@functools.lru_cache(maxsize=1)
def default_thresholds() -> dict[str, int]:
    return {key: value for rule in load_catalogue().values() for key, value in rule.thresholds.items()}


def rule_table_markdown() -> str:
    """The README's rule table."""
    rows = ["| Code | Name | Severity | Default | What it catches |", "|---|---|---|---|---|"]
    for rule in load_catalogue().values():
        settings = ", ".join(f"`{k}` = {v}" for k, v in rule.thresholds.items())
        summary = rule.summary + (f" Settings: {settings}." if settings else "")
        default = "yes" if rule.default else "no (`--select " + rule.code + "`)"
        rows.append(f"| {rule.code} | {rule.name} | {rule.severity} | {default} | {summary} |")
    return "\n".join(rows) + "\n"
