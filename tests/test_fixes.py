"""--fix, --unsafe-fixes, --diff, --show-fixes, --fix-only and --add-noqa."""

from __future__ import annotations

import ast
import json

import jsonschema
import pytest

# LN007 (off by default) is the safe fix these tests exercise: select it with the defaults.
WITH_LN007 = ("--select", "LN,LN007")

from tests.conftest import REPO, pick

MODEL = """\
import torch.nn as nn

layer = nn.TransformerEncoderLayer(d_model=512, nhead=8, norm_first=True)  # a comment stays
encoder = nn.TransformerEncoder(
    layer,
    num_layers=6,
)
heads = nn.TransformerEncoderLayer(16, 16)
divisible = nn.TransformerEncoderLayer(d_model=6, nhead=4)
"""


def codes(project, *args):
    return pick(project.lint(*args, "model.py"), "code")


def test_fix_applies_the_safe_fix_only_and_keeps_the_formatting(project):
    path = project.write("model.py", MODEL)
    run = project.run("--isolated", *WITH_LN007, "--fix", "--show-fixes", "model.py")
    assert "Fixed 1 finding." in run.stderr and "model.py:4: LN007 (safe)" in run.stderr
    assert "3 more fixable with --unsafe-fixes." in run.stderr
    assert path.read_text() == MODEL.replace("    num_layers=6,\n", "    num_layers=6,\n    enable_nested_tensor=False,\n")
    assert "LN007" not in run.output and "LN006" in run.output  # the report is of what is left
    assert codes(project) == ["LN006", "LN004", "LN002", "LN003"]


def test_unsafe_fixes_resolve_their_findings_and_a_second_run_changes_nothing(project):
    path = project.write("model.py", MODEL)
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.py")
    fixed = path.read_text()
    ast.parse(fixed)
    assert "    norm=nn.LayerNorm(512),\n    enable_nested_tensor=False,\n)" in fixed
    assert "heads = nn.TransformerEncoderLayer(16, 8)" in fixed
    assert "divisible = nn.TransformerEncoderLayer(d_model=6, nhead=3)" in fixed
    assert "# a comment stays" in fixed
    assert codes(project) == ["LN002"]  # a width is not for a fix to choose
    again = project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.py")
    assert path.read_text() == fixed and "Fixed 0 findings." in again.stderr


def test_diff_prints_and_writes_nothing(project):
    path = project.write("model.py", MODEL)
    run = project.run("--isolated", *WITH_LN007, "--diff", "model.py")
    assert run.exit_code == 1
    assert "+    enable_nested_tensor=False,\n" in run.output and run.output.startswith("--- a/model.py\n+++ b/model.py\n")
    assert path.read_text() == MODEL
    clean = project.write("clean.py", "import torch.nn as nn\nnorm = nn.LayerNorm(512)\n")
    done = project.run("--isolated", *WITH_LN007, "--diff", str(clean.name))
    assert (done.exit_code, done.output) == (0, "")


def test_fix_only_reports_nothing_left_and_exits_zero(project):
    project.write("model.py", MODEL)
    run = project.run("--isolated", *WITH_LN007, "--fix-only", "model.py")
    assert (run.exit_code, run.output) == (0, "")
    assert "Fixed 1 finding." in run.stderr


def test_unfixable_rules_and_values_from_elsewhere_are_left_alone(project):
    path = project.write("model.py", MODEL)
    project.write("pyproject.toml", '[tool.lnlint]\nunfixable = ["LN007"]\nfixable = ["LN00"]\n')
    project.run("--fix", "model.py")
    assert path.read_text() == MODEL
    heads = (
        "import torch.nn as nn\n\nH = 16\nK = {'nhead': 16}\n\n\ndef build(nhead=16):\n"
        "    return nn.TransformerEncoderLayer(16, nhead)\n\n\n"
        "layer = nn.TransformerEncoderLayer(16, H)\nkw = nn.TransformerEncoderLayer(16, **K)\nbuilt = build()\n"
    )
    other = project.write("named.py", heads)
    assert pick(project.lint("named.py"), "code") == ["LN004", "LN004", "LN004"]
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "named.py")
    # a constant, a named dict and a parameter's default have other users: left alone
    assert other.read_text() == heads


CALLER = """from builder import build

small = build(d_model=12, nhead=8)  # the numbers are chosen here
"""
BUILDER = """import torch.nn as nn


def build(d_model, nhead):
    return nn.TransformerEncoderLayer(d_model, nhead, norm_first=True)
"""


def test_a_head_count_written_at_a_call_site_is_fixed_there(project):
    caller, builder = project.write("train.py", CALLER), project.write("builder.py", BUILDER)
    assert pick(project.lint("train.py"), "code") == ["LN003"]
    run = project.run("--isolated", *WITH_LN007, "--diff", "--unsafe-fixes", "train.py")
    assert run.exit_code == 1 and run.output.startswith("--- a/train.py\n+++ b/train.py\n")
    assert "+small = build(d_model=12, nhead=6)  # the numbers are chosen here\n" in run.output
    run = project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "--show-fixes", "train.py")
    assert "train.py:3: LN003 (unsafe) nhead 8 → 6 at train.py:3" in run.stderr
    assert caller.read_text() == CALLER.replace("nhead=8", "nhead=6") and builder.read_text() == BUILDER
    assert pick(project.lint("train.py"), "code") == []


def test_a_post_ln_flag_written_at_a_call_site_is_fixed_there(project):
    builder = (
        "import torch.nn as nn\n\n\ndef build(norm_first):\n"
        "    return nn.Transformer(d_model=256, nhead=8, num_encoder_layers=24, num_decoder_layers=24, norm_first=norm_first)\n"
    )
    project.write("builder.py", builder)
    caller = project.write("train.py", "from builder import build\n\nmodel = build(norm_first=False)  # post-LN\n")
    assert pick(project.lint("train.py"), "code") == ["LN005", "LN005"]
    run = project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "train.py")
    assert "Fixed 2 findings." in run.stderr  # encoder and decoder: one edit makes both pre-LN
    assert caller.read_text() == "from builder import build\n\nmodel = build(norm_first=True)  # post-LN\n"
    assert pick(project.lint("train.py"), "code") == []


HYDRA = """encoder:
  _target_: torch.nn.TransformerEncoder
  num_layers: 24
  enable_nested_tensor: false
  encoder_layer:
    _target_: torch.nn.TransformerEncoderLayer
    d_model: 512
    nhead: 8
    norm_first: {flag}  # placement
  norm: {{_target_: torch.nn.LayerNorm, normalized_shape: 512}}
"""


@pytest.mark.parametrize(("written", "fixed"), [("false", "true"), ("False", "True"), ("no", "yes"), ("OFF", "ON")])
def test_a_post_ln_flag_in_a_config_is_rewritten_in_its_own_spelling(project, written, fixed):
    path = project.write("model.yaml", HYDRA.format(flag=written))
    assert pick(project.lint("model.yaml"), "code") == ["LN005"]
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.yaml")
    assert path.read_text() == HYDRA.format(flag=fixed)
    assert pick(project.lint("model.yaml"), "code") == []


def test_a_post_ln_flag_in_a_config_without_a_final_norm_is_left_alone(project):
    text = HYDRA.format(flag="false").replace("  norm: {_target_: torch.nn.LayerNorm, normalized_shape: 512}\n", "")
    path = project.write("model.yaml", text)
    assert pick(project.lint("model.yaml"), "code") == ["LN005"]
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.yaml")
    assert path.read_text() == text  # pre-LN would need a final norm the fix cannot write here


CONFIG = """# model size
model:
  d_model: 12   # width
  nhead: 8      # heads: chosen by hand
  num_layers: 2
"""


@pytest.mark.parametrize(
    ("name", "text", "fixed"),
    [
        ("conf.yaml", CONFIG, CONFIG.replace("nhead: 8  ", "nhead: 6  ")),
        ("conf.json", '{\n  "d_model": 12,\n\t"nhead":   8 ,\n  "norm_first": true}\n', '{\n  "d_model": 12,\n\t"nhead":   6 ,\n  "norm_first": true}\n'),
    ],
)
def test_a_head_count_in_a_config_is_rewritten_in_place(project, name, text, fixed):
    path = project.write(name, text)
    assert "LN003" in pick(project.lint(name), "code")
    assert project.run("--isolated", *WITH_LN007, "--fix", name).exit_code == 1  # unsafe: not without the flag
    assert path.read_text() == text
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", name)
    assert path.read_text() == fixed  # comments, spacing and tabs as they were
    assert "LN003" not in pick(project.lint(name), "code")


def test_add_noqa_silences_every_finding_and_extends_existing_comments(project):
    source = MODEL.replace("nhead=4)\n", "nhead=4)  # noqa: LN002\n")
    path = project.write("model.py", source)
    assert "LN003" in codes(project)
    run = project.run("--isolated", *WITH_LN007, "--add-noqa", "model.py")
    assert run.exit_code == 0 and "Added 4 noqa directives." in run.stderr
    text = path.read_text()
    assert "divisible = nn.TransformerEncoderLayer(d_model=6, nhead=4)  # noqa: LN002, LN003\n" in text
    assert "encoder = nn.TransformerEncoder(  # noqa: LN006, LN007\n" in text
    assert codes(project) == []


def test_the_rule_command_shows_each_fix_and_its_safety(project):
    assert "## Fix (safe, `lnlint --fix`)" in project.run("rule", "LN007").output
    assert "## Fix (unsafe, `lnlint --fix --unsafe-fixes`)" in project.run("rule", "LN006").output


def test_sarif_carries_each_fix_as_a_replacement(project):
    project.write("model.py", MODEL)
    run = project.run("--isolated", *WITH_LN007, "--output-format", "sarif", "model.py")
    results = {r["ruleId"]: r for r in run.json()["runs"][0]["results"]}
    (fix,) = results["LN007"]["fixes"]
    assert fix["description"]["text"] == "LN007 safe fix: pass enable_nested_tensor=False"
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement == {
        "deletedRegion": {"startLine": 7, "startColumn": 1, "endLine": 7, "endColumn": 1},
        "insertedContent": {"text": "    enable_nested_tensor=False,\n"},
    }
    assert results["LN004"]["fixes"][0]["description"]["text"] == "LN004 unsafe fix: nhead 16 → 8 at model.py:8"
    assert "fixes" not in results["LN002"]
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(run.json(), schema)


def test_sarif_points_a_call_site_fix_at_the_file_it_edits(project):
    project.write("train.py", CALLER), project.write("builder.py", BUILDER)
    run = project.run("--isolated", *WITH_LN007, "--output-format", "sarif", "train.py", "builder.py")
    (result,) = run.json()["runs"][0]["results"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "train.py"
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 3, "startColumn": 33, "endLine": 3, "endColumn": 34}, "insertedContent": {"text": "6"}}
    ]


def test_post_ln_fix_makes_the_stack_pre_ln_with_its_final_norm(project):
    source = (
        "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=256, nhead=8)\n"
        "encoder = nn.TransformerEncoder(layer, num_layers=24)\n"
        "model = nn.Transformer(d_model=256, nhead=8, num_encoder_layers=24, num_decoder_layers=24)\n"
    )
    path = project.write("model.py", source)
    assert codes(project) == ["LN005", "LN005", "LN005"]
    run = project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.py")
    assert "Fixed 3 findings." in run.stderr
    fixed = path.read_text()
    assert "nn.TransformerEncoderLayer(d_model=256, nhead=8, norm_first=True)" in fixed
    assert "nn.TransformerEncoder(layer, num_layers=24, norm=nn.LayerNorm(256), enable_nested_tensor=False)" in fixed
    assert "num_decoder_layers=24, norm_first=True)" in fixed
    assert codes(project) == []
    assert project.run("--isolated", *WITH_LN007, "--diff", "--unsafe-fixes", "model.py").output == ""


def _fixable_bad_examples():
    from lnlint.catalogue import load_catalogue

    return [(rule.code, source) for rule in load_catalogue().values() if rule.autofix for source in rule.bad]


@pytest.mark.parametrize(("code", "source"), _fixable_bad_examples())
def test_each_fix_resolves_its_rules_bad_examples(project, code, source):
    path = project.write("model.py", source)
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.py")
    ast.parse(path.read_text())
    assert code not in codes(project)


def test_the_final_norm_takes_the_layers_width_as_its_construction_writes_it(project):
    source = (
        "import torch.nn as nn\n\n\ndef build(d_model, depth):\n"
        "    layer = nn.TransformerEncoderLayer(d_model, 8, norm_first=True)\n"
        "    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)\n\n\n"
        "class Net(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n"
        "        self.encoder = nn.TransformerEncoder(\n"
        "            nn.TransformerEncoderLayer(config.hidden_size, 8, norm_first=True), 6, enable_nested_tensor=False\n"
        "        )\n\n\n"
        "shared = nn.TransformerEncoderLayer(512, 8, norm_first=True)\n\n\n"
        "def elsewhere(d_model):\n    return nn.TransformerEncoder(shared, 6, enable_nested_tensor=False)\n"
    )
    path = project.write("model.py", source)
    assert codes(project) == ["LN006", "LN006", "LN006"]
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "model.py")
    fixed = path.read_text()
    assert "nn.TransformerEncoder(layer, depth, enable_nested_tensor=False, norm=nn.LayerNorm(d_model))" in fixed
    assert "norm_first=True), 6, enable_nested_tensor=False, norm=nn.LayerNorm(config.hidden_size)\n" in fixed
    # the layer is built in another scope: its width as a number, not a name of that scope
    assert "nn.TransformerEncoder(shared, 6, enable_nested_tensor=False, norm=nn.LayerNorm(512))" in fixed
    assert codes(project) == []


def test_a_stack_reached_from_call_sites_gets_its_final_norm_where_it_is_built(project):
    builder = project.write("builder.py", (
        "import torch.nn as nn\n\n\ndef build(d_model, depth):\n"
        "    layer = nn.TransformerEncoderLayer(d_model, 8, norm_first=True)\n"
        "    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)\n"
    ))
    train = project.write("train.py", "from builder import build\n\nsmall = build(256, 4)\nlarge = build(512, 6)\n")
    assert [(f["filename"], f["code"]) for f in project.lint("train.py", "builder.py")] == [("train.py", "LN006")] * 2
    project.run("--isolated", *WITH_LN007, "--fix", "--unsafe-fixes", "train.py", "builder.py")
    assert "nn.TransformerEncoder(layer, depth, enable_nested_tensor=False, norm=nn.LayerNorm(d_model))" in builder.read_text()
    assert train.read_text() == "from builder import build\n\nsmall = build(256, 4)\nlarge = build(512, 6)\n"
    assert project.lint("train.py", "builder.py") == []
