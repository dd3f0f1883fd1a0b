"""The command line: formats, exit codes, selection, configuration, suppression, discovery."""

from __future__ import annotations

import json

import pytest

BAD = "import torch.nn as nn\nn = nn.LayerNorm(2)\n"
GOOD = "import torch.nn as nn\nn = nn.LayerNorm(64)\n"

GOLDEN_SOURCE = """\
import torch.nn as nn

D = 2
layer = nn.TransformerEncoderLayer(D, 1)
deep = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 8), 12)
"""
LN001_MESSAGE = (
    "LayerNorm over 2 features (d_model = 2 from constant D at line 3) maps every token to one of two "
    "points, ±(1, -1) before γ and β "
    "(one bit per token). This post-LN layer's output is that LayerNorm's output; norm_first=True does "
    "not fix it, the sublayers would see the same points. Widen it: transformer widths are typically 64 to 4096."
)
LN005_MESSAGE = (
    "Post-LN TransformerEncoderLayer stack of 12 layers (depth = 12) with no learning-rate warmup, Admin or DeepNorm "
    "found: post-LN amplifies parameter updates O(N) with depth and needs warmup to train (Xiong et al., "
    "2020). Add warmup, or use norm_first=True with a final norm, or Admin (admin_torch) / DeepNorm "
    "residual scaling."
)


def test_golden_concise(project):
    project.write("model.py", GOLDEN_SOURCE)
    run = project.run("--isolated", "model.py")
    assert run.exit_code == 1
    assert run.output == (
        f"model.py:4:9: LN001 [error] {LN001_MESSAGE}\n"
        f"model.py:5:8: LN005 [warning] {LN005_MESSAGE}\n"
        "Found 2 findings (1 error, 1 warning) in 1 file checked.\n"
    )


def test_golden_full(project):
    project.write("model.py", GOLDEN_SOURCE)
    run = project.run("--isolated", "--output-format", "full", "model.py")
    assert run.output == (
        f"model.py:4:9: LN001 [error] {LN001_MESSAGE}\n"
        "  |\n"
        "4 | layer = nn.TransformerEncoderLayer(D, 1)\n"
        "  |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  = d_model = 2 (constant D at line 3)\n"
        "  = norm_first = False (torch default)\n"
        "\n"
        f"model.py:5:8: LN005 [warning] {LN005_MESSAGE}\n"
        "  |\n"
        "5 | deep = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 8), 12)\n"
        "  |        " + "^" * 60 + "\n"
        "  = depth = 12 (literal)\n"
        "  = norm_first = False (torch default)\n"
        "\n"
        "Found 2 findings (1 error, 1 warning) in 1 file checked.\n"
    )


def test_golden_json(project):
    project.write("model.py", GOLDEN_SOURCE)
    run = project.run("--isolated", "--output-format", "json", "model.py")
    assert json.loads(run.output) == [
        {
            "code": "LN001",
            "name": "degenerate-layernorm",
            "severity": "error",
            "message": LN001_MESSAGE,
            "filename": "model.py",
            "location": {"row": 4, "column": 9},
            "end_location": {"row": 4, "column": 41},
            "url": None,
            "values": {
                "d_model": {"value": 2, "origin": "constant D at line 3"},
                "norm_first": {"value": False, "origin": "torch default"},
            },
            "cell": None,
        },
        {
            "code": "LN005",
            "name": "deep-post-ln",
            "severity": "warning",
            "message": LN005_MESSAGE,
            "filename": "model.py",
            "location": {"row": 5, "column": 8},
            "end_location": {"row": 5, "column": 68},
            "url": None,
            "values": {
                "depth": {"value": 12, "origin": "literal"},
                "norm_first": {"value": False, "origin": "torch default"},
            },
            "cell": None,
        },
    ]


def test_exit_codes(project):
    project.write("bad.py", BAD)
    project.write("good.py", GOOD)
    assert project.run("--isolated", "good.py").exit_code == 0
    assert project.run("--isolated", "bad.py").exit_code == 1
    assert project.run("--isolated", "--exit-zero", "bad.py").exit_code == 0
    assert project.run("--isolated", "missing.py").exit_code == 2
    assert project.run("--isolated", "--output-format", "xml", "bad.py").exit_code == 2
    assert project.run("--isolated", "--select", "XY1", "bad.py").exit_code == 2


def test_clean_run_says_so_and_quiet_says_nothing(project):
    project.write("good.py", GOOD)
    assert project.run("--isolated", "good.py").output == "All checks passed! (1 file checked)\n"
    assert project.run("--isolated", "--quiet", "good.py").output == ""


def test_default_path_is_the_current_folder(project):
    project.write("pkg/bad.py", BAD)
    run = project.run("--isolated", "--output-format", "json")
    assert [f["filename"] for f in run.json()] == ["pkg/bad.py"]


def test_check_subcommand_is_the_default(project):
    project.write("bad.py", BAD)
    assert project.run("check", "--isolated", "bad.py").output == project.run("--isolated", "bad.py").output


def test_select_and_ignore_by_code_and_prefix(project):
    project.write("m.py", "import torch.nn as nn\nx = nn.TransformerEncoderLayer(6, 4)\n")
    assert sorted(project.run("--isolated", "--output-format", "json", "m.py").codes()) == ["LN002", "LN003"]
    assert project.run("--isolated", "--output-format", "json", "--select", "LN003", "m.py").codes() == ["LN003"]
    assert project.run("--isolated", "--output-format", "json", "--ignore", "LN003", "m.py").codes() == ["LN002"]
    assert project.run("--isolated", "--output-format", "json", "--ignore", "LN00", "m.py").codes() == []
    # The more specific selector wins, as in ruff.
    assert project.run("--isolated", "--output-format", "json", "--ignore", "LN", "--select", "LN002", "m.py").codes() == ["LN002"]


def test_statistics(project):
    project.write("a.py", BAD + "m = nn.LayerNorm(1)\nk = nn.LayerNorm(4)\n")
    run = project.run("--isolated", "--statistics", "a.py")
    assert run.exit_code == 1
    assert run.output == "    2\tLN001\t[error] degenerate-layernorm\n    1\tLN002\t[warning] narrow-layernorm\n"


def _output_on(stdout: str, project, env: dict[str, str]) -> str:
    """lnlint's stdout when it is a pseudo-terminal (`tty`) or a pipe (`pipe`)."""
    import os
    import pty
    import subprocess
    import sys

    command = [sys.executable, "-m", "lnlint", "--isolated", "bad.py"]
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    if stdout == "pipe":
        return subprocess.run(command, cwd=project.root, env=full_env, capture_output=True, text=True, timeout=60).stdout
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=project.root, env=full_env, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize(
    "stdout,env,coloured",
    [("tty", {}, True), ("tty", {"NO_COLOR": "1"}, False), ("pipe", {}, False)],
)
def test_colour_only_on_a_terminal_without_no_color(project, stdout, env, coloured):
    project.write("bad.py", BAD)
    output = _output_on(stdout, project, env)
    assert "LN001" in output
    assert ("\x1b[" in output) is coloured


def test_pyproject_settings(project):
    project.write(
        "pyproject.toml",
        """
        [tool.lnlint]
        ignore = ["LN002"]
        exclude = ["generated"]
        per-file-ignores = { "tests/*" = ["LN001"] }
        """,
    )
    project.write("src/m.py", BAD + "k = nn.LayerNorm(4)\n")
    project.write("tests/test_m.py", BAD)
    project.write("generated/g.py", BAD)
    run = project.run("--output-format", "json")
    assert [(f["filename"], f["code"]) for f in run.json()] == [("src/m.py", "LN001")]
    # An excluded file named explicitly is linted unless --force-exclude.
    assert project.run("--output-format", "json", "generated/g.py").codes() == ["LN001"]
    assert project.run("--output-format", "json", "--force-exclude", "generated/g.py").codes() == []
    # --isolated ignores the configuration; --config names another file.
    assert len(project.run("--isolated", "--output-format", "json").json()) == 4
    project.write("other.toml", 'select = ["LN002"]\n')
    assert project.run("--config", "other.toml", "--output-format", "json", "src").codes() == ["LN002"]


def test_nearest_pyproject_is_found_from_a_subfolder(project, monkeypatch):
    project.write("pyproject.toml", '[tool.lnlint]\nignore = ["LN001"]\n')
    project.write("pkg/sub/m.py", BAD)
    monkeypatch.chdir(project.root / "pkg")
    assert project.run("--output-format", "json", "sub").codes() == []


@pytest.mark.parametrize(
    "table,message",
    [
        ('select = ["XX1"]', "unknown rule code or prefix 'XX1'"),
        ("min-width = 0", "min-width must be a positive integer"),
        ('min-width = "8"', "min-width must be a positive integer"),
        ("colour = true", "unknown setting 'colour'"),
        ("exclude = 3", "exclude must be a list of glob patterns"),
    ],
)
def test_bad_configuration_exits_2_with_a_message(project, table, message):
    project.write("pyproject.toml", f"[tool.lnlint]\n{table}\n")
    project.write("m.py", BAD)
    run = project.run("m.py")
    assert run.exit_code == 2
    assert message in run.stderr and "pyproject.toml" in run.stderr


def test_invalid_toml_exits_2(project):
    project.write("pyproject.toml", "[tool.lnlint\n")
    project.write("m.py", BAD)
    run = project.run("m.py")
    assert run.exit_code == 2 and "not valid TOML" in run.stderr


SUPPRESSED = {
    "bare noqa": "n = nn.LayerNorm(2)  # noqa",
    "noqa with code": "n = nn.LayerNorm(2)  # noqa: LN001",
    "noqa with prefix and others": "n = nn.LayerNorm(2)  # noqa: E501, LN00",
    "lnlint ignore": "n = nn.LayerNorm(2)  # lnlint: ignore[LN005, LN001]",
    "first line of a call": "n = nn.LayerNorm(  # noqa: LN001\n    2,\n)",
    "last line of a call": "n = nn.LayerNorm(\n    2,\n)  # lnlint: ignore[LN001]",
    "skip-file": "# lnlint: skip-file\nn = nn.LayerNorm(2)",
}


@pytest.mark.parametrize("body", SUPPRESSED.values(), ids=SUPPRESSED.keys())
def test_suppression_comments(project, body):
    assert project.findings("import torch.nn as nn\n" + body + "\n") == []


NOT_SUPPRESSED = {
    "other code": "n = nn.LayerNorm(2)  # noqa: LN002",
    "middle line": "n = nn.LayerNorm(\n    2,  # noqa\n)",
    "comment on the line before": "# noqa\nn = nn.LayerNorm(2)",
    "skip-file inside a string": "s = '# lnlint: skip-file'\nn = nn.LayerNorm(2)",
}


@pytest.mark.parametrize("body", NOT_SUPPRESSED.values(), ids=NOT_SUPPRESSED.keys())
def test_comments_that_do_not_suppress(project, body):
    assert [f["code"] for f in project.findings("import torch.nn as nn\n" + body + "\n")] == ["LN001"]


def test_discovery_skips_tool_folders_and_non_python(project):
    for folder in (".git", ".venv", "node_modules", "__pycache__", "build", "dist", "pkg.egg-info"):
        project.write(f"{folder}/m.py", BAD)
    project.write("myenv/pyvenv.cfg", "home = /usr\n")
    project.write("myenv/lib/m.py", BAD)
    project.write("notes.txt", BAD)
    project.write("src/deep/er/m.py", BAD)
    run = project.run("--isolated", "--output-format", "json", ".")
    assert [f["filename"] for f in run.json()] == ["src/deep/er/m.py"]


def test_internal_error_in_one_file_is_reported_and_the_run_goes_on(project, monkeypatch):
    import lnlint.lint as lint

    real = lint.lint_python

    def explode(data, path, display, settings, project=None):
        if display.endswith("boom.py"):
            raise ValueError("kaboom")
        return real(data, path, display, settings, project)

    monkeypatch.setattr(lint, "lint_python", explode)
    project.write("boom.py", GOOD)
    project.write("bad.py", BAD)
    run = project.run("--isolated", ".")
    assert run.exit_code == 2
    assert "bad.py:2:5: LN001" in run.output
    assert "boom.py: internal error: ValueError: kaboom" in run.stderr


def test_large_runs_in_parallel_give_the_sequential_result(project, monkeypatch):
    import lnlint.lint as lint

    count = lint.PARALLEL_FROM + 10
    for i in range(count):
        body = BAD if i % 7 == 0 else GOOD
        project.write(f"pkg/m{i:03d}.py", body + ("x = (\n" if i == 100 else ""))
    real = lint.lint_python

    def explode(data, path, display, settings, project=None):
        if display.endswith("m050.py"):
            raise ValueError("kaboom")
        return real(data, path, display, settings, project)

    monkeypatch.setattr(lint, "lint_python", explode)
    parallel = project.run("--isolated", "--output-format", "json", "pkg")
    monkeypatch.setattr(lint, "PARALLEL_FROM", 10**9)
    sequential = project.run("--isolated", "--output-format", "json", "pkg")
    assert parallel.output == sequential.output
    assert parallel.exit_code == sequential.exit_code == 2
    assert "m050.py: internal error: ValueError: kaboom" in parallel.stderr
    codes = [f["code"] for f in parallel.json()]
    assert codes.count("LN900") == 1 and codes.count("LN001") == len(range(0, count, 7))


def test_walks_skip_what_git_ignores(project):
    import subprocess

    subprocess.run(["git", "init", "-q"], check=True)
    project.write(".gitignore", "outputs/\n*.generated.py\n")
    project.write("src/model.py", BAD)
    project.write("outputs/2024-01-01/12-00-00/.hydra/config.yaml", "d_model: 2\nnhead: 1\n")
    project.write("outputs/2024-01-01/12-00-00/copy.py", BAD)
    project.write("src/layers.generated.py", BAD)
    project.write("wandb/run-1/files/config.yaml", "d_model: 2\nnhead: 1\n")
    run = project.run("--isolated", "--output-format", "json", ".")
    assert [f["filename"] for f in run.json()] == ["src/model.py"]
    everything = project.run("--isolated", "--output-format", "json", "--no-respect-gitignore", ".")
    assert [f["filename"] for f in everything.json()] == [
        "outputs/2024-01-01/12-00-00/copy.py",
        "src/layers.generated.py",
        "src/model.py",
    ]
    # A file named on the command line is linted even when git ignores it.
    assert project.run("--isolated", "--output-format", "json", "src/layers.generated.py").codes() == ["LN001"]
    project.write("pyproject.toml", "[tool.lnlint]\nrespect-gitignore = false\n")
    assert len(project.run("--output-format", "json", ".").json()) == 3
