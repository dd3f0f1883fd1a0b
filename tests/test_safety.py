"""Input that must not make lnlint write files, run programs, hang or exhaust memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _git(*args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], check=True, capture_output=True
    )


@pytest.fixture
def repository(project):
    _git("init", "-q")
    project.write("m.py", "import torch.nn as nn\nnn.LayerNorm(2)\n")
    _git("add", ".")
    _git("commit", "-qm", "base")
    return project


@pytest.mark.parametrize(
    "ref",
    [
        "--output={target}",
        "--output {target}",
        "-o{target}",
        "--ext-diff",
        "-",
        "",
        "HEAD^{{tree}}",
        "HEAD:m.py",
        "--end-of-options",
    ],
)
def test_diff_base_never_reaches_git_as_an_option(repository, tmp_path_factory, ref):
    target = tmp_path_factory.mktemp("outside") / "written"
    run = repository.run("--isolated", f"--diff-base={ref.format(target=target)}", ".")
    assert run.exit_code == 2, run.output
    assert "--diff-base" in run.stderr and "not a commit" in run.stderr
    assert not target.exists()


def test_diff_base_accepts_refs_and_commit_ids(repository):
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    repository.write("new.py", "import torch.nn as nn\nnn.LayerNorm(1)\n")
    for ref in ("HEAD", head, head[:10], "main" if _has_branch("main") else "HEAD"):
        run = repository.run("--isolated", "--output-format", "json", f"--diff-base={ref}", ".")
        assert run.exit_code == 1, run.stderr
        assert [f["filename"] for f in run.json()] == ["new.py"]


def _has_branch(name: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", name], capture_output=True).returncode == 0


def test_repository_fsmonitor_setting_is_not_run(repository, tmp_path_factory):
    """A checkout's own .git/config must not run a program when lnlint asks git about it."""
    marker = tmp_path_factory.mktemp("outside") / "ran"
    hook = repository.root / "monitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    _git("config", "core.fsmonitor", str(hook))
    repository.write("new.py", "x = 1\n")
    for args in (["."], ["--diff-base", "HEAD", "."]):
        repository.run("--isolated", *args)
    assert not marker.exists()


def _fifo(project, name: str):
    path = project.root / name
    os.mkfifo(path)
    return path


def _run_bounded(args: list[str], cwd) -> subprocess.CompletedProcess:
    """lnlint as a real process, killed if it hangs (an in-process hang would hang the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "lnlint", *args], cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_named_fifo_is_reported_not_read(project):
    _fifo(project, "m.py")
    _fifo(project, "c.yaml")
    project.write("bad.py", "import torch.nn as nn\nnn.LayerNorm(2)\n")
    done = _run_bounded(["--isolated", "m.py", "c.yaml", "bad.py"], project.root)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "m.py:1:1: LN900 [error] not a regular file (a FIFO); not read" in lines
    assert "c.yaml:1:1: LN900 [error] not a regular file (a FIFO); not read" in lines
    assert any(line.startswith("bad.py:2:1: LN001") for line in lines)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_walks_and_config_files_never_block_on_a_fifo(project):
    (project.root / "pkg").mkdir()
    _fifo(project, "pkg/m.py")
    _fifo(project, "settings.toml")
    walked = _run_bounded(["--isolated", "."], project.root)
    assert walked.returncode == 0 and "0 files checked" in walked.stdout
    config = _run_bounded(["--config", "settings.toml", "."], project.root)
    assert config.returncode == 2 and "not a regular file (a FIFO)" in config.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_behind_a_source_name_is_not_read(project):
    (project.root / "zero.py").symlink_to("/dev/zero")
    done = _run_bounded(["--isolated", "zero.py"], project.root)
    assert done.returncode == 1
    assert done.stdout.startswith("zero.py:1:1: LN900 [error] a symbolic link to /dev/zero, outside the folders linted; not read")


# --- links out of the project: never read, never printed --------------------------------------------
SECRET = "LNLINT_TEST_SECRET=hunter2"


@pytest.fixture
def secret_outside(tmp_path_factory):
    """A file outside the project that a link in it names (as `/proc/self/environ` would be)."""
    secret = tmp_path_factory.mktemp("outside") / "environ"
    secret.write_text(f"import torch.nn as nn\n{SECRET}\nnn.LayerNorm(2)\n")
    return secret


@pytest.mark.parametrize("output_format", ["concise", "full", "json", "github", "sarif", "gitlab"])
def test_a_link_out_of_the_project_is_not_read_by_the_walk_or_a_reporter(project, secret_outside, output_format):
    (project.root / "env.py").symlink_to(secret_outside)
    project.write("inside.py", "import torch.nn as nn\nnn.LayerNorm(2)\n")
    walked = project.run("--isolated", "-v", "--output-format", output_format, ".")
    assert SECRET not in walked.output + walked.stderr
    assert "env.py: skipped, a symbolic link to" in walked.stderr and "outside the folders linted" in walked.stderr
    assert "inside.py" in walked.output
    named = project.run("--isolated", "--output-format", output_format, "env.py")  # as pre-commit names files
    assert named.exit_code == 1 and SECRET not in named.output + named.stderr
    assert "outside the folders linted" in named.output


@pytest.mark.parametrize("link", ["self", "../loop/self"])
def test_link_loops_and_dangling_links_are_skipped_with_a_reason(project, link):
    (project.root / "loop").mkdir()
    (project.root / "loop" / "self").symlink_to(link)
    (project.root / "loop" / "m.py").symlink_to("m.py")
    (project.root / "gone.py").symlink_to("nowhere.py")
    project.write("bad.py", "import torch.nn as nn\nnn.LayerNorm(2)\n")
    run = project.run("--isolated", "-v", ".")
    assert run.exit_code == 1 and run.output.startswith("bad.py:2:1: LN001")
    assert "gone.py: skipped, a dangling symbolic link" in run.stderr
    assert "loop/m.py: skipped, a symbolic link that cannot be followed" in run.stderr


@pytest.mark.parametrize("name", ["modèle.py", "new\nline.py", "tab\there.py", 'quote".py'])
def test_diff_base_lints_changed_files_whatever_their_names(repository, name):
    path = repository.write(name, "import torch.nn as nn\nnn.LayerNorm(2)\n")
    untracked = repository.run("--isolated", "--output-format", "json", "--diff-base", "HEAD", ".")
    assert [f["filename"] for f in untracked.json()] == [name]
    _git("add", ".")
    _git("commit", "-qm", "add")
    path.write_text("import torch.nn as nn\nnn.LayerNorm(1)\n")
    changed = repository.run("--isolated", "--output-format", "json", "--diff-base", "HEAD", ".")
    assert [f["filename"] for f in changed.json()] == [name]


def test_a_pyproject_that_is_not_utf8_is_an_error_not_ignored(project):
    project.write("pyproject.toml", b"[tool.lnlint]\n# caf\xe9\nignore = [\"LN001\"]\n")
    project.write("model.py", "import torch.nn as nn\nnn.LayerNorm(2)\n")
    run = project.run(".")
    assert run.exit_code == 2 and "pyproject.toml is not valid UTF-8" in run.stderr and "0xe9" in run.stderr
    project.write("pyproject.toml", b"[project]\n# caf\xe9\n")  # not lnlint's configuration: not ours to judge
    assert project.run(".").exit_code == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_source_is_named_as_such(project, encoding):
    project.write("model.py", "import torch.nn as nn\nnn.LayerNorm(2)\n".encode(encoding))
    (finding,) = project.lint("model.py")
    assert (finding["code"], finding["message"]) == ("LN900", "UTF-16 is not supported; save it as UTF-8")
    project.write("model.py", b"import torch.nn as nn\n\0\nnn.LayerNorm(2)\n")
    assert project.lint("model.py")[0]["message"] == "binary file: it contains NUL bytes"


@pytest.mark.parametrize("output_format", ["sarif", "gitlab", "json", "full"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(project, output_format):
    folder = os.fsencode(project.root)
    with open(folder + b"/bad\xff.py", "wb") as file:
        file.write(b"import torch.nn as nn\nnn.LayerNorm(2)\n")
    run = project.run("--isolated", "--output-format", output_format, ".")
    assert run.exit_code == 1
    if output_format == "sarif":
        (result,) = json.loads(run.output)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.py"
    elif output_format in ("gitlab", "json"):
        (finding,) = json.loads(run.output)
        assert (finding.get("location", {}).get("path") or finding["filename"]) == "bad\udcff.py"
    else:
        assert run.output.startswith("bad\\xff.py:2:1: LN001")
