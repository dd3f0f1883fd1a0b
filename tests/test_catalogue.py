"""The catalogue is the single source: every example runs, docs and README come from it."""

from __future__ import annotations

import re

import pytest

from lnlint.catalogue import load_catalogue, rule_table_markdown
from tests.conftest import REPO

CATALOGUE = load_catalogue()
BAD = [(code, i, src) for code, rule in CATALOGUE.items() for i, src in enumerate(rule.bad)]
GOOD = [(code, i, src) for code, rule in CATALOGUE.items() for i, src in enumerate(rule.good)]


def test_every_rule_has_a_check_and_every_check_a_rule():
    from lnlint.rules import PIPELINE_CODES, checks

    declared = [code for module in checks() for code in module.CODES]
    assert len(declared) == len(set(declared)), "two checks declare the same code"
    assert set(declared) | set(PIPELINE_CODES) == set(CATALOGUE)


def test_every_rule_a_check_reports_has_a_probe():
    pytest.importorskip("torch")
    from lnlint.confirm.probes import PROBES
    from lnlint.rules import checks

    assert set(PROBES) == {code for module in checks() for code in module.CODES}


def test_every_rule_has_examples_and_docs():
    for rule in CATALOGUE.values():
        assert rule.bad, f"{rule.code} has no bad example"
        assert rule.what.strip() and rule.why.strip() and rule.fix.strip()


@pytest.mark.parametrize("code,index,source", BAD, ids=[f"{c}-bad{i}" for c, i, _ in BAD])
def test_bad_example_raises_exactly_its_rule(project, code, index, source):
    # A rule outside the default selection is selected by its code, beside the defaults.
    selected = () if load_catalogue()[code].default else ("--select", f"LN,{code}")
    assert set(project.codes(source, *selected)) == {code}


@pytest.mark.parametrize("code,index,source", GOOD, ids=[f"{c}-good{i}" for c, i, _ in GOOD])
def test_good_example_raises_nothing(project, code, index, source):
    selected = () if load_catalogue()[code].default else ("--select", f"LN,{code}")
    assert project.codes(source, *selected) == []


def test_rules_outside_the_default_selection_run_only_when_selected_by_code(project):
    source = "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6, norm=nn.LayerNorm(512))\n"
    assert project.codes(source) == []
    assert project.codes(source, "--select", "LN007") == ["LN007"]
    assert project.codes(source, "--select", "LN0") == []  # a prefix selects only the default rules
    project.write("pyproject.toml", '[tool.lnlint]\nextend-select = ["LN007"]\n')
    run = project.run("--output-format", "json", "model.py")
    assert [f["code"] for f in run.json()] == ["LN007"]


def test_rule_command_prints_the_entry(project):
    run = project.run("rule", "LN001")
    assert run.exit_code == 0
    assert run.output.startswith("LN001 (degenerate-layernorm) [error]")
    for heading in ("## What it does", "## Why is this bad?", "## How to fix", "## References"):
        assert heading in run.output
    assert "nn.TransformerEncoderLayer(d_model=2, nhead=1" in run.output


def test_rule_all_lists_every_rule(project):
    run = project.run("rule", "--all")
    assert run.exit_code == 0
    assert [line.split()[0] for line in run.output.splitlines()] == sorted(CATALOGUE)


def test_unknown_rule_is_a_usage_error(project):
    assert project.run("rule", "LN777").exit_code == 2


def test_readme_rule_table_is_generated_from_the_catalogue():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert match, "README.md lacks the rules table markers"
    assert match.group(1) == rule_table_markdown(), "README rule table is stale: run `lnlint rule --all --markdown`"
