"""Standard input: `lnlint -` and `--stdin-filename`, read as the file at that path."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO, pick

BAD = b"import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=1)\n"


def test_a_dash_reads_standard_input_and_reports_it_as_a_dash():
    done = subprocess.run(
        [sys.executable, "-m", "lnlint", "--isolated", "--output-format", "json", "-"],
        input=BAD, capture_output=True, cwd=REPO, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert [(f["filename"], f["code"], f["location"]["row"]) for f in json.loads(done.stdout)] == [("-", "LN001", 3)]


def test_stdin_filename_names_the_findings_with_or_without_a_dash(project):
    for args in (("--stdin-filename", "src/model.py", "-"), ("--stdin-filename", "src/model.py")):
        run = project.run("--isolated", "--output-format", "json", *args, stdin=BAD)
        assert pick(run.json(), "filename", "code") == [("src/model.py", "LN001")]
        assert run.exit_code == 1


def test_the_settings_and_per_file_ignores_of_the_named_path_apply(project):
    project.write("pyproject.toml", '[tool.lnlint]\nper-file-ignores = { "legacy/*" = ["LN001"] }\nexclude = ["vendored"]\n')
    assert project.run("--output-format", "json", "--stdin-filename", "legacy/old.py", stdin=BAD).json() == []
    assert pick(project.run("--output-format", "json", "--stdin-filename", "new/model.py", stdin=BAD).json(), "code") == ["LN001"]
    excluded = project.run("--output-format", "json", "--force-exclude", "--stdin-filename", "vendored/m.py", stdin=BAD)
    assert (excluded.exit_code, excluded.json()) == (0, [])


def test_values_flow_from_standard_input_into_the_project(project):
    project.write("pkg/__init__.py", "")
    project.write("pkg/net.py", "import torch.nn as nn\n\n\ndef build(width):\n    return nn.LayerNorm(width)\n")
    run = project.run("--isolated", "--output-format", "json", "--stdin-filename", "train.py", stdin=b"from pkg.net import build\n\nbuild(2)\n")
    assert pick(run.json(), "filename", "code", "row") == [("train.py", "LN001", 3)]


def test_configs_and_bad_input_from_standard_input(project):
    config = project.run("--isolated", "--output-format", "json", "--stdin-filename", "conf/m.yaml", stdin=b"d_model: 2\nnhead: 1\nnum_layers: 2\n")
    assert pick(config.json(), "filename", "code") == [("conf/m.yaml", "LN001")]
    broken = project.run("--isolated", "--output-format", "json", "-", stdin=b"import torch.nn as nn\nnn.LayerNorm(2\n")
    assert pick(broken.json(), "filename", "code") == [("-", "LN900")]
    undecodable = project.run("--isolated", "--output-format", "json", "-", stdin=b"import torch.nn as nn\n\xff\xfe\x00")
    assert pick(undecodable.json(), "code") == ["LN900"]


def test_a_dash_among_other_paths_is_a_usage_error(project):
    project.write("a.py", "x = 1\n")
    run = project.run("-", "a.py", stdin=BAD)
    assert run.exit_code == 2
    assert "standard input" in run.stderr
