"""lnlint on a hostile repository (see `repository.py`), in every output format and with every
command that writes: no traceback, no hang, nothing outside the repository read or written,
no file of the user's deleted or damaged, every skipped file reported once."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.hostile.repository import SECRET, build, snapshot

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/proc/self/environ"), reason="needs FIFOs and /proc")

FORMATS = ["concise", "full", "json", "github", "sarif", "gitlab"]


def _lnlint(root: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return _lnlint_each(root, [list(args)], timeout)[0]


def _lnlint_each(root: Path, runs: list[list[str]], timeout: float = 30) -> list[subprocess.CompletedProcess]:
    """lnlint with each argument list, the runs side by side (each killed if it hangs)."""
    env = {**os.environ, SECRET: SECRET}
    env.pop("LNLINT_CACHE_DIR", None)
    started = [
        subprocess.Popen([sys.executable, "-m", "lnlint", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        for args in runs
    ]
    done = []
    try:
        for process in started:
            stdout, stderr = process.communicate(timeout=timeout)
            out, err = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
            assert "Traceback" not in out + err and "internal error" not in out + err, err[-3000:]
            assert SECRET not in out + err
            done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    finally:
        for process in started:
            process.kill()
    return done


def _untouched_outside(outside: Path, before: dict, secret_read_at: float) -> None:
    assert os.stat(outside / "secret.py").st_atime == secret_read_at  # never even read (before snapshot reads it)
    assert snapshot(outside) == before


def _aged_atime(path: Path) -> float:
    """Set the file's access time before its modification time: any read moves it (relatime)."""
    info = os.stat(path)
    os.utime(path, (info.st_mtime - 86400, info.st_mtime))
    return os.stat(path).st_atime


@pytest.fixture
def hostile(tmp_path):
    root, outside = tmp_path / "repository", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    repository = build(root, outside)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "base"], cwd=root, check=True)
    return repository


def test_every_output_format_and_every_skipped_file_once(hostile):
    before, outside = snapshot(hostile.root), snapshot(hostile.outside)
    read_at = _aged_atime(hostile.outside / "secret.py")
    runs = _lnlint_each(hostile.root, [["--isolated", "-v", "--output-format", f, "."] for f in FORMATS])
    for output_format, run in zip(FORMATS, runs):
        assert run.returncode == 1, run.stderr[-2000:]
        assert "cache not used" in run.stderr and "symbolic link" in run.stderr
        for name in hostile.skipped:
            assert run.stderr.count(f"{name}: skipped") == 1, (name, output_format)
        if output_format == "json":
            unread = {f["filename"] for f in json.loads(run.stdout) if f["code"] == "LN900"}
            assert set(hostile.unreadable) <= unread, set(hostile.unreadable) - unread
        if output_format == "concise":
            assert "All checks passed" not in run.stdout
    assert snapshot(hostile.root) == before
    _untouched_outside(hostile.outside, outside, read_at)


def test_diff_base_lints_every_new_file_whatever_its_name(hostile):
    run = _lnlint(hostile.root, "--isolated", "--output-format", "json", "--diff-base", "HEAD", ".")
    named = {f["filename"] for f in json.loads(run.stdout)}
    assert {"model.py", "-rf.py", "with space.py", "new\nline.py", "modèle.py"} <= named


def _changed(before: dict, after: dict) -> dict:
    assert set(after) == set(before), "files appeared or disappeared"
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _line_ends(data: bytes) -> set[str]:
    return {end for end, present in (("crlf", b"\r\n" in data), ("lf", b"\n" in data.replace(b"\r\n", b"")), ("cr", b"\r" in data.replace(b"\r\n", b""))) if present}


@pytest.mark.parametrize("command", [["--fix"], ["--fix", "--unsafe-fixes"], ["--add-noqa"]], ids=["fix", "unsafe-fix", "add-noqa"])
def test_writing_commands_change_only_what_they_mean_to(hostile, command):
    before, outside = snapshot(hostile.root), snapshot(hostile.outside)
    read_at = _aged_atime(hostile.outside / "secret.py")
    run = _lnlint(hostile.root, "--isolated", "--select", "LN,LN007", *command, ".")  # LN007: the safe fix
    assert run.returncode in (0, 1), run.stderr[-2000:]
    changed = _changed(before, snapshot(hostile.root))
    for name, ((kind, old), (new_kind, new)) in changed.items():
        assert kind == new_kind == "file", name  # no link, FIFO or folder replaced
        assert _line_ends(new) == _line_ends(old) and new.startswith(b"\xef\xbb\xbf") == old.startswith(b"\xef\xbb\xbf"), name
        if name.endswith(b".py"):
            ast.parse(new.decode("utf-8-sig"))
        elif name.endswith((b".yaml", b".yml")):
            parsed = yaml.safe_load(new.decode())
            if command == ["--add-noqa"]:
                assert parsed == yaml.safe_load(old.decode()), name  # a comment changes no data
    assert changed, "nothing was fixed or silenced"
    _untouched_outside(hostile.outside, outside, read_at)


def test_a_cache_in_the_repository_and_clean_leave_every_foreign_file(hostile):
    before, outside = snapshot(hostile.root), snapshot(hostile.outside)
    refused = _lnlint(hostile.root, "clean")  # `.lnlint_cache` is a link out of the repository
    assert refused.returncode == 2 and "symbolic link" in refused.stderr
    run = _lnlint(hostile.root, "--isolated", "--cache-dir", ".", ".")
    assert run.returncode == 1
    added = set(snapshot(hostile.root)) - set(before)
    assert added and all(name.startswith(b"lnlint-cache") for name in added)
    warm = _lnlint(hostile.root, "--isolated", "--cache-dir", ".", ".")
    assert warm.stdout == run.stdout
    cleaned = _lnlint(hostile.root, "clean", "--cache-dir", ".")
    assert cleaned.returncode == 0, cleaned.stderr
    assert snapshot(hostile.root) == before and snapshot(hostile.outside) == outside
