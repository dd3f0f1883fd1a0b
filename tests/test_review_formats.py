"""Formats for code review and CI: github, sarif, gitlab, and -o/--output-file."""

from __future__ import annotations

import json

import pytest

from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.report import github
from lnlint.spec import Location
from tests.conftest import REPO

SOURCE = """\
import torch.nn as nn

n = nn.LayerNorm(2)
deep = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 8), 12)
"""


def test_github_golden(project):
    project.write("pkg/m.py", SOURCE)
    run = project.run("--isolated", "--output-format", "github", "pkg")
    assert run.exit_code == 1
    assert run.output == (
        "::error title=lnlint (LN001),file=pkg/m.py,line=3,col=5,endLine=3,endColumn=20::LN001 LayerNorm "
        "over 2 features (normalized_shape = 2) maps every token to one of two points, ±(1, -1) before γ "
        "and β (one bit per token). Whatever follows it sees only that. Widen it: transformer widths are typically 64 to 4096.\n"
        "::warning title=lnlint (LN005),file=pkg/m.py,line=4,col=8,endLine=4,endColumn=68::LN005 Post-LN "
        "TransformerEncoderLayer stack of 12 layers (depth = 12) with no learning-rate warmup, Admin or "
        "DeepNorm found: post-LN amplifies parameter updates O(N) with depth and needs warmup to train "
        "(Xiong et al., 2020). Add warmup, or use norm_first=True with a final norm, or Admin (admin_torch) "
        "/ DeepNorm residual scaling.\n"
    )


def test_github_escapes_like_the_toolkit():
    finding = Finding(
        "LN001", "degenerate-layernorm", "info", "100% sure:\nsee a,b\r", Location("dir,x/a:b.py", 1, 2, 3, 4)
    )
    assert github.render([finding]) == (
        "::notice title=lnlint (LN001),file=dir%2Cx/a%3Ab.py,line=1,col=2,endLine=3,endColumn=4"
        "::LN001 100%25 sure:%0Asee a,b%0D\n"
    )


def sarif_run(project, *paths):
    run = project.run("--isolated", "--output-format", "sarif", *paths)
    assert run.exit_code == 1
    return json.loads(run.output)


def test_sarif_validates_against_the_schema(project):
    import jsonschema
    # The OASIS SARIF 2.1.0 (errata 01) schema, kept with the tests so a clean clone runs this.
    schema_path = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
    project.write("a.py", SOURCE)
    project.write("b.py", "import torch.nn as nn\nx = nn.TransformerEncoderLayer(100, 8)\ny = (\n")
    document = sarif_run(project, "a.py", "b.py")
    jsonschema.validate(document, json.loads(schema_path.read_text(encoding="utf-8")))
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lnlint" and driver["version"] and driver["informationUri"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(load_catalogue())
    for rule in driver["rules"]:
        assert rule["help"]["markdown"].startswith("## What it does")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["tags"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["LN001", "LN005", "LN900"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert result["partialFingerprints"]["lnlint/v1"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 20,
    }
    assert results[0]["level"] == "error" and results[1]["level"] == "warning"
    assert results[0]["properties"]["values"]["normalized_shape"] == {"value": 2, "origin": "literal"}


def test_fingerprints_survive_unrelated_edits(project):
    project.write("a.py", SOURCE)
    before = [r["partialFingerprints"] for r in sarif_run(project, "a.py")["runs"][0]["results"]]
    project.write("a.py", "# a new comment\nimport os\n\n" + SOURCE)
    after = [r["partialFingerprints"] for r in sarif_run(project, "a.py")["runs"][0]["results"]]
    assert before == after
    project.write("a.py", SOURCE.replace("LayerNorm(2)", "LayerNorm(1)"))
    changed = [r["partialFingerprints"] for r in sarif_run(project, "a.py")["runs"][0]["results"]]
    assert changed[0] != before[0] and changed[1] == before[1]


def test_identical_lines_get_distinct_fingerprints(project):
    project.write("a.py", "import torch.nn as nn\nn = nn.LayerNorm(2)\nn = nn.LayerNorm(2)\n")
    results = sarif_run(project, "a.py")["runs"][0]["results"]
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]


def test_gitlab_code_quality(project):
    project.write("pkg/m.py", SOURCE)
    run = project.run("--isolated", "--output-format", "gitlab", "pkg")
    report = json.loads(run.output)
    assert [(r["check_name"], r["severity"], r["location"]) for r in report] == [
        ("LN001 degenerate-layernorm", "major", {"path": "pkg/m.py", "lines": {"begin": 3, "end": 3}}),
        ("LN005 deep-post-ln", "minor", {"path": "pkg/m.py", "lines": {"begin": 4, "end": 4}}),
    ]
    assert report[0]["description"].startswith("LN001 LayerNorm over 2 features (normalized_shape = 2)")
    assert len({r["fingerprint"] for r in report}) == 2


@pytest.mark.parametrize("fmt", ["concise", "json", "sarif", "gitlab", "github"])
def test_output_file(project, fmt):
    project.write("m.py", SOURCE)
    run = project.run("--isolated", "--output-format", fmt, "-o", "report.out", "m.py")
    assert run.exit_code == 1
    assert run.output == ""
    assert "LN001" in (project.root / "report.out").read_text(encoding="utf-8")


def test_diff_base_lints_only_changed_and_untracked_files(project):
    import subprocess

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], check=True, capture_output=True)

    bad = "import torch.nn as nn\nn = nn.LayerNorm(2)\n"
    git("init", "-q")
    project.write("old.py", bad)
    project.write("edited.py", bad)
    git("add", ".")
    git("commit", "-qm", "base")
    project.write("edited.py", bad + "m = nn.LayerNorm(1)\n")
    project.write("new.py", bad)
    run = project.run("--isolated", "--output-format", "json", "--diff-base", "HEAD", ".")
    assert sorted({f["filename"] for f in run.json()}) == ["edited.py", "new.py"]
    assert len(project.run("--isolated", "--output-format", "json", ".").json()) == 4


def test_diff_base_errors_are_clear(project):
    project.write("m.py", "x = 1\n")
    outside = project.run("--isolated", "--diff-base", "HEAD", ".")
    assert outside.exit_code == 2 and "--diff-base HEAD" in outside.stderr and "git repository" in outside.stderr
    import subprocess

    subprocess.run(["git", "init", "-q"], check=True)
    bad_ref = project.run("--isolated", "--diff-base", "no-such-ref", ".")
    assert bad_ref.exit_code == 2 and "no-such-ref" in bad_ref.stderr


def test_absolute_paths_are_shown_relative_to_the_working_directory(project):
    project.write("pkg/m.py", SOURCE)
    absolute = str(project.root / "pkg")
    assert project.run("--isolated", "--output-format", "github", absolute).output.startswith(
        "::error title=lnlint (LN001),file=pkg/m.py,line=3"
    )
    sarif = json.loads(project.run("--isolated", "--output-format", "sarif", absolute).output)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/m.py"
