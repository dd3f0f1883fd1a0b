"""The cache folder may be any folder a user names: lnlint writes only into one it may own,
never through a link, and `clean` removes only what its cache format names."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from lnlint import __version__
from lnlint.cache import SUBFOLDER, UNUSED_DAYS

MODEL = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(2, 2)\n"


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` (links not followed) with a file's bytes, None for a folder or link."""
    found: dict[str, bytes | None] = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repository(project):
    project.write("src/model.py", MODEL)
    project.write("README.md", "# a project\n")
    _git(project.root, "init", "-q")
    _git(project.root, "add", ".")
    _git(project.root, "commit", "-qm", "base")
    return project


def _codes(run) -> list[str]:
    return [f["code"] for f in run.json()]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_project_root_as_cache_dir_keeps_the_project_visible_and_clean_removes_only_the_cache(repository, monkeypatch, how):
    root = repository.root
    before = {k: v for k, v in _tree(root).items() if not k.startswith(".git")}
    args = ["--cache-dir", "."] if how == "option" else []
    if how == "environment":
        monkeypatch.setenv("LNLINT_CACHE_DIR", ".")
    run = repository.run("--isolated", "--output-format", "json", *args, "src")
    assert _codes(run) == ["LN001", "LN004"]
    for written in ("CACHEDIR.TAG", ".gitignore", __version__):
        assert not (root / written).exists()
    assert (root / SUBFOLDER / "CACHEDIR.TAG").is_file()
    (root / "new.py").write_text("x = 1\n")
    assert "?? new.py" in _git(root, "status", "--porcelain").splitlines()  # a new file is still seen by git

    cleaned = repository.run("clean", *args)
    assert cleaned.exit_code == 0, cleaned.stderr
    assert f"Removed {Path('.') / SUBFOLDER}" in cleaned.output
    after = {k: v for k, v in _tree(root).items() if not k.startswith(".git")}
    assert after == {**before, "new.py": b"x = 1\n"}
    assert _git(root, "status", "--porcelain").splitlines() == ["?? new.py"]  # .git is whole


def test_clean_of_a_folder_holding_git_and_no_cache_refuses_and_names_a_foreign_entry(repository):
    before = _tree(repository.root)
    run = repository.run("clean", "--cache-dir", str(repository.root))
    assert run.exit_code == 2
    assert "not an lnlint cache" in run.stderr and "'.git'" in run.stderr
    assert _tree(repository.root) == before


def test_a_home_like_folder_gets_a_cache_subfolder_and_keeps_every_file(project, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    (home / ".bashrc").write_text("export PS1='$ '\n")
    (home / "Documents").mkdir()
    (home / "Documents" / "thesis.tex").write_text("\\begin{document}\n")
    before = _tree(home)
    project.write("model.py", MODEL)
    assert _codes(project.run("--isolated", "--output-format", "json", "--cache-dir", str(home), ".")) == ["LN001", "LN004"]
    assert (home / SUBFOLDER / __version__).is_dir() and not (home / "CACHEDIR.TAG").exists()
    assert project.run("clean", "--cache-dir", str(home)).exit_code == 0
    assert _tree(home) == before


def test_a_folder_damaged_by_an_older_lnlint_is_never_removed(project):
    """An older lnlint wrote its tag, `.gitignore` and version folder into the project itself."""
    project.write("model.py", MODEL)
    project.write("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by lnlint.\n")
    project.write(".gitignore", "# Automatically created by lnlint.\n*\n")
    project.write(f"{__version__}/0123456789abcdef01234567.json", "{}")
    before = _tree(project.root)
    run = project.run("clean", "--cache-dir", ".")
    assert run.exit_code == 2 and "'model.py'" in run.stderr
    assert _tree(project.root) == before


def test_a_cache_folder_that_is_a_symlink_is_not_used_and_not_cleaned(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    project.write("model.py", MODEL)
    (project.root / ".lnlint_cache").symlink_to(elsewhere, target_is_directory=True)
    run = project.run("--isolated", "--output-format", "json", ".")
    assert _codes(run) == ["LN001", "LN004"]
    assert "cache not used" in run.stderr and "symbolic link" in run.stderr
    assert list(elsewhere.iterdir()) == []
    (elsewhere / "keep.txt").write_text("mine")
    cleaned = project.run("clean")
    assert cleaned.exit_code == 2 and "symbolic link" in cleaned.stderr and "Removed" not in cleaned.output
    assert (elsewhere / "keep.txt").read_text() == "mine" and (project.root / ".lnlint_cache").is_symlink()


def test_a_tagged_cache_whose_version_folder_is_a_link_is_foreign(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    project.write("model.py", MODEL)
    cache = project.root / ".lnlint_cache"
    project.run("--isolated", ".")
    (cache / __version__).rename(elsewhere / "moved")
    (cache / __version__).symlink_to(elsewhere / "moved", target_is_directory=True)
    before = _tree(elsewhere)
    run = project.run("--isolated", "--output-format", "json", ".")
    assert _codes(run) == ["LN001", "LN004"]  # into `.lnlint_cache/lnlint-cache`, not through the link
    assert _tree(elsewhere) == before
    cleaned = project.run("clean")
    assert cleaned.exit_code == 0 and (cache / __version__).is_symlink() and _tree(elsewhere) == before
    assert not (cache / SUBFOLDER).exists()


def test_clean_refuses_a_cache_holding_a_foreign_file_and_removes_nothing(project):
    project.write("model.py", MODEL)
    project.run("--isolated", ".")
    project.write(f".lnlint_cache/{__version__}/notes.txt", "mine")
    before = _tree(project.root)
    run = project.run("clean")
    assert run.exit_code == 2 and f"{__version__}/notes.txt" in run.stderr
    assert _tree(project.root) == before


def test_another_tools_tagged_folder_is_not_taken_for_lnlints(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    (other / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n# created by ruff.\n")
    (other / "0.5.0").mkdir()
    (other / "0.5.0" / "0123456789abcdef01234567.json").write_text("ruff's")
    before = _tree(other)
    project.write("model.py", MODEL)
    project.run("--isolated", "--cache-dir", str(other), ".")
    assert (other / SUBFOLDER).is_dir()
    assert project.run("clean", "--cache-dir", str(other)).exit_code == 0
    assert _tree(other) == before


def test_a_cache_path_that_is_a_file_is_refused_and_left_alone(project):
    project.write("model.py", MODEL)
    project.write("notes", "mine")
    run = project.run("--isolated", "--cache-dir", "notes", ".")
    assert run.exit_code == 2 and "is a file" in run.stderr
    assert project.run("clean", "--cache-dir", "notes").exit_code == 2
    project.write(".lnlint_cache", "mine too")  # the default place, taken by a file
    run = project.run("--isolated", ".")
    assert run.exit_code == 1 and "cache not used" in run.stderr and "not a folder" in run.stderr
    assert (project.root / "notes").read_text() == "mine" and (project.root / ".lnlint_cache").read_text() == "mine too"


def test_clean_without_a_cache_says_so(project):
    run = project.run("clean")
    assert run.exit_code == 0 and "No cache" in run.output


def _age_days(path: Path, days: float) -> None:
    moment = path.stat().st_mtime - days * 86400
    os.utime(path, (moment, moment))


def test_the_cache_drops_other_versions_and_settings_unused_for_a_month(project):
    project.write("model.py", MODEL)
    project.run("--isolated", ".")
    cache = project.root / ".lnlint_cache"
    (current,) = (cache / __version__).glob("*.json")
    old_version = cache / "0.0.1"
    old_version.mkdir()
    (old_version / "0123456789abcdef01234567.json").write_text("{}")
    stale = cache / __version__ / "aaaaaaaaaaaaaaaaaaaaaaaa.json"
    recent = cache / __version__ / "bbbbbbbbbbbbbbbbbbbbbbbb.json"
    stale.write_text("{}")
    recent.write_text("{}")
    _age_days(stale, UNUSED_DAYS + 1)
    _age_days(recent, UNUSED_DAYS - 1)
    project.run("--isolated", "--select", "LN001", ".")  # other settings: another file is written
    assert not old_version.exists() and not stale.exists()
    assert recent.exists() and current.exists()


def test_a_settings_file_read_by_warm_runs_is_kept(project):
    project.write("model.py", MODEL)
    project.run("--isolated", ".")
    (current,) = (project.root / ".lnlint_cache" / __version__).glob("*.json")
    _age_days(current, UNUSED_DAYS + 1)
    project.run("--isolated", ".")  # warm: reads it, writes nothing
    project.run("--isolated", "--select", "LN001", ".")  # a write, which prunes
    assert current.exists()


# --- entries of the wrong type: dropped and analysed again, never a traceback -----------------------
_WRONG = [[], {}, "x", 7, -1, None, True, 1.5, [1, 2], {"a": 1}, [[]], ["x"] * 7]


def _leaves(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _at(node, path):
    for key in path:
        node = node[key]
    return node


def _replaced(node, path, value):
    if not path:
        return value
    copy = list(node) if isinstance(node, list) else dict(node)
    copy[path[0]] = _replaced(node[path[0]], path[1:], value)
    return copy


def test_entries_of_the_wrong_type_give_the_findings_of_a_run_without_cache(project):
    """Random well-formed JSON of another type in places of real entries (a value of the
    right type but another content, such as a column moved, is indistinguishable from a
    true entry and is not this test's concern)."""
    project.write("pkg/__init__.py", "")
    project.write("pkg/sizes.py", "WIDTH = 2\n")
    project.write("pkg/model.py", "import torch.nn as nn\nfrom pkg.sizes import WIDTH\nnorm = nn.LayerNorm(WIDTH)\nx = nn.TransformerEncoderLayer(6, 4)\n")
    for path in project.root.rglob("*.py"):
        _age_days(path, 1)
    expected = project.run("--isolated", "--no-cache", "--output-format", "json", ".").output
    assert project.run("--isolated", "--output-format", "json", ".").output == expected
    (path,) = (project.root / ".lnlint_cache" / __version__).glob("*.json")
    document = json.loads(path.read_text())
    # A null may stand for a number (a notebook cell): its places accept both.
    places = [p for p in _leaves(document["files"]) if p and _at(document["files"], p) is not None]
    chosen = random.Random(29)
    for attempt in range(60):
        place = chosen.choice(places)
        old = _at(document["files"], place)
        wrong = chosen.choice([value for value in _WRONG if type(value) is not type(old)])
        damaged = {**document, "files": _replaced(document["files"], place, wrong)}
        path.write_text(json.dumps(damaged))
        run = project.run("--isolated", "--output-format", "json", ".")
        assert (run.exit_code, run.output) == (1, expected), (place, run.stderr)
