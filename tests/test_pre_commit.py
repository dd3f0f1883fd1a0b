"""The hook as pre-commit runs it: `pre-commit try-repo` against this repository.

Slow (pre-commit builds the hook's environment with pip), and it runs in CI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

BAD = "import torch.nn as nn\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=1)\n"
BAD_CONFIG = "model:\n  layer:\n    _target_: torch.nn.TransformerEncoderLayer\n    d_model: 2\n    nhead: 1\n"
GOOD = "import torch.nn as nn\nlayer = nn.TransformerEncoderLayer(d_model=64, nhead=4)\n"


def test_hook_fails_on_bad_python_and_yaml_and_passes_on_the_good(tmp_path):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of lnlint")
    pytest.importorskip("pre_commit")
    user = tmp_path / "user"
    user.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=user, env=env, capture_output=True, text=True, timeout=900)

    run("git", "init", "-q")
    (user / "good.py").write_text(GOOD)
    (user / "bad.py").write_text(BAD)
    (user / "config.yaml").write_text("plot:\n  d_model: 2\n")
    run("git", "add", "good.py", "config.yaml")
    passed = run(sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lnlint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    run("git", "add", "bad.py")
    failed = run(sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lnlint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "bad.py:2:9: LN001 [error] LayerNorm over 2 features (d_model = 2)" in failed.stdout
    assert "good.py" not in failed.stdout.split("Failed", 1)[1]

    run("git", "rm", "-q", "--cached", "bad.py")
    (user / "encoder.yaml").write_text(BAD_CONFIG)
    run("git", "add", "encoder.yaml")
    config = run(sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lnlint")
    assert config.returncode == 1, config.stdout + config.stderr
    assert "encoder.yaml:3:5: LN001 [error] LayerNorm over 2 features (d_model = 2 from key d_model at line 4)" in config.stdout
    assert "bad.py" not in config.stdout

    run("git", "rm", "-q", "--cached", "encoder.yaml")
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": BAD.splitlines(keepends=True)}
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# notes\n"]}, cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (user / "explore.ipynb").write_text(json.dumps(notebook, indent=1))
    run("git", "add", "explore.ipynb")
    staged_notebook = run(sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lnlint")
    assert staged_notebook.returncode == 1, staged_notebook.stdout + staged_notebook.stderr
    assert "explore.ipynb:cell 2:2:9: LN001 [error]" in staged_notebook.stdout
