"""The content cache: reused only while nothing a file's findings came from has changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lnlint import __version__
from tests.conftest import REPO

MODEL = "import torch.nn as nn\nfrom pkg.sizes import WIDTH\n\nnorm = nn.LayerNorm(WIDTH)\n"
OTHER = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(2, 2)\n"


def _analysed(run) -> list[str]:
    """The files a `-v` run analysed (the others came from the cache)."""
    return sorted(line.split(": analysed")[0].removeprefix("lnlint: ") for line in run.stderr.splitlines() if ": analysed" in line)


def _age(*paths: Path) -> None:
    """Make files look written a minute ago (a file written moments ago is always hashed
    again, so that an edit within the clock's granularity cannot hide)."""
    for path in paths:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 60_000_000_000))


@pytest.fixture
def package(project):
    project.write("pkg/__init__.py", "")
    project.write("pkg/sizes.py", "WIDTH = 2\n")
    project.write("pkg/model.py", MODEL)
    project.write("pkg/other.py", OTHER)
    project.write("pkg/plain.py", "def f():\n    return 1\n")
    _age(*project.root.rglob("*.py"))
    return project


def _lint(project, *args):
    run = project.run("--isolated", "-v", "--output-format", "json", *args, ".")
    assert run.exit_code in (0, 1), run.output + run.stderr
    return run


def test_a_warm_run_gives_the_same_findings_without_analysing_anything(package):
    cold = _lint(package)
    assert _analysed(cold) == ["pkg/__init__.py", "pkg/model.py", "pkg/other.py", "pkg/plain.py", "pkg/sizes.py"]
    assert {f["filename"] for f in cold.json()} == {"pkg/model.py", "pkg/other.py"}
    warm = _lint(package)
    assert _analysed(warm) == []
    assert warm.json() == cold.json()
    assert "cache: 5 of 5 files from the cache" in warm.stderr


def test_the_cache_folder_is_never_committed(package):
    _lint(package)
    folder = package.root / ".lnlint_cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert list((folder / __version__).glob("*.json"))


def test_an_edited_file_is_analysed_again(package):
    _lint(package)
    package.write("pkg/other.py", OTHER.replace("(2, 2)", "(512, 8)"))
    run = _lint(package)
    assert _analysed(run) == ["pkg/other.py"]
    assert {f["filename"] for f in run.json()} == {"pkg/model.py"}


def test_a_changed_dependency_re_evaluates_the_files_that_used_it_and_nothing_else(package):
    before = _lint(package)
    assert [f["code"] for f in before.json() if f["filename"] == "pkg/model.py"] == ["LN001"]
    package.write("pkg/sizes.py", "WIDTH = 512\n")
    _age(package.root / "pkg/sizes.py")
    run = _lint(package)
    assert _analysed(run) == ["pkg/model.py", "pkg/sizes.py"]
    assert {f["filename"] for f in run.json()} == {"pkg/other.py"}


def test_a_class_that_becomes_a_config_class_re_evaluates_the_files_that_use_it(package):
    # Its module was not parsed while it could not make config classes: the cache must still
    # know that the finding depends on it (the edit changes no import, so the import graph
    # stays the same).
    package.write("pkg/conf.py", "import typing\n\n\nclass Cfg:\n    d_model: int = 2\n")
    package.write("pkg/use.py", "import torch.nn as nn\nfrom pkg.conf import Cfg\n\nnorm = nn.LayerNorm(Cfg().d_model)\n")
    _age(package.root / "pkg/conf.py", package.root / "pkg/use.py")
    assert [f for f in _lint(package).json() if f["filename"] == "pkg/use.py"] == []
    package.write("pkg/conf.py", "import typing\n\n\nclass Cfg(typing.NamedTuple):\n    d_model: int = 2\n")
    _age(package.root / "pkg/conf.py")
    run = _lint(package)
    assert "pkg/use.py" in _analysed(run)
    assert [f["code"] for f in run.json() if f["filename"] == "pkg/use.py"] == ["LN001"]


def test_a_new_caller_re_evaluates_the_construction_it_reaches(package):
    package.write("pkg/net.py", "import torch.nn as nn\n\n\ndef build(d_model=512):\n    return nn.LayerNorm(d_model)\n")
    _age(package.root / "pkg/net.py")
    assert [f for f in _lint(package).json() if f["filename"] == "pkg/net.py"] == []
    package.write("pkg/train.py", "from pkg.net import build\n\nbuild(2)\n")
    run = _lint(package)
    assert "pkg/net.py" in _analysed(run)
    assert [(f["filename"], f["code"]) for f in run.json() if "train" in f["filename"]] == [("pkg/train.py", "LN001")]


def test_a_function_that_starts_building_a_layer_re_evaluates_its_callers(package):
    # The edit changes neither what net.py imports nor whether it names a torch class: only
    # which of its names can build one.
    net = "import torch.nn as nn\n\n\ndef norm(d):\n    return nn.LayerNorm(d)\n\n\ndef build(d):\n    return {}\n"
    package.write("pkg/net.py", net.format("d"))
    package.write("pkg/train.py", "from pkg.net import build\n\nbuild(2)\n")
    _age(package.root / "pkg/net.py", package.root / "pkg/train.py")
    assert [f for f in _lint(package).json() if f["filename"] == "pkg/train.py"] == []
    package.write("pkg/net.py", net.format("norm(d)"))
    _age(package.root / "pkg/net.py")
    run = _lint(package)
    assert [(f["filename"], f["code"]) for f in run.json() if "train" in f["filename"]] == [("pkg/train.py", "LN001")]


def _age_tree(project, seconds: int) -> None:
    """Every file and folder of the project written `seconds` ago (old enough for the cache
    to trust their times; a different age is a different time)."""
    for path in [project.root, *project.root.rglob("*")]:
        stamp = path.stat().st_mtime_ns - seconds * 1_000_000_000
        os.utime(path, ns=(stamp, stamp))


def _settled(project) -> dict:
    """Lint once, age the tree (the cache folder made by that run included), lint again:
    the project's file list and graph are then in the cache. Returns the cache document."""
    _lint(project)
    _age_tree(project, 60)
    _lint(project)
    document = json.loads(_cache_file(project).read_text())
    assert document["project"]["files"]["marks"] and document["project"]["graph"]["marks"]
    return document


def test_a_file_added_to_the_project_is_found_by_the_next_run(package):
    package.write("pkg/train.py", "from pkg.net import build\n\nbuild(2)\n")
    listed = _settled(package)["project"]["files"]["files"]
    assert any(name.endswith("train.py") for name in listed) and not any(name.endswith("net.py") for name in listed)
    warm = _lint(package)
    assert _analysed(warm) == [] and [f for f in warm.json() if "train" in f["filename"]] == []
    package.write("pkg/net.py", "import torch.nn as nn\n\n\ndef build(d_model=512):\n    return nn.LayerNorm(d_model)\n")
    _age_tree(package, 30)  # old enough to trust, yet the folder's time is not the listed one
    run = _lint(package)
    assert [(f["filename"], f["code"]) for f in run.json() if "train" in f["filename"]] == [("pkg/train.py", "LN001")]


@pytest.mark.parametrize(
    "damage",
    [
        lambda state: {"files": {"walked": "x", "folders": 3, "files": [1]}, "graph": {"marks": None, "fingerprint": 2}},
        lambda state: {"files": "garbage", "graph": ["garbage"]},
        lambda state: "not a mapping",
        lambda state: {**state, "files": {**state["files"], "folders": [{}, None]}},  # the walked folders as they are
        lambda state: {**state, "graph": {**state["graph"], "fingerprint": 7}},
    ],
    ids=["wrong types", "garbage", "not a mapping", "folders not text", "fingerprint not text"],
)
def test_a_damaged_project_state_is_ignored(package, damage):
    document = _settled(package)
    cold = _lint(package)
    document["project"] = damage(document["project"])
    _cache_file(package).write_text(json.dumps(document))
    assert _lint(package).json() == cold.json()


def test_changed_settings_use_another_cache(package):
    _lint(package)
    package.write("pyproject.toml", "[tool.lnlint]\nignore = ['LN001']\n")
    run = package.run("-v", "--output-format", "json", ".")
    assert len(_analysed(run)) == 5
    assert "LN001" not in [f["code"] for f in run.json()]


def _cache_file(project) -> Path:
    (path,) = (project.root / ".lnlint_cache" / __version__).glob("*.json")
    return path


def test_a_cache_of_another_version_is_ignored(package):
    _lint(package)
    path = _cache_file(package)
    document = json.loads(path.read_text())
    document["version"] = "0.0.0"
    path.write_text(json.dumps(document))
    assert len(_analysed(_lint(package))) == 5


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\x00\xff garbage",
        lambda text: "[]",
        lambda text: text.replace('"findings":[', '"findings":7,"x":['),
        lambda text: text.replace('"hash":"', '"hash":5,"h":"'),
        lambda text: "{" * 100_000,
    ],
    ids=["truncated", "garbage", "not a mapping", "findings not a list", "hash not a string", "deep nesting"],
)
def test_a_damaged_cache_is_rebuilt_never_an_error(package, damage):
    cold = _lint(package)
    path = _cache_file(package)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    run = _lint(package)
    assert run.json() == cold.json()
    assert _analysed(_lint(package)) == []  # and the rebuilt cache serves the next run


def test_an_entry_with_a_wrong_shape_inside_is_analysed_again(package):
    cold = _lint(package)
    path = _cache_file(package)
    document = json.loads(path.read_text())
    for entry in document["files"].values():
        if entry.get("result", {}).get("findings"):
            entry["result"]["findings"] = [{"code": "LN001"}]  # fields missing
    path.write_text(json.dumps(document))
    run = _lint(package)
    assert run.json() == cold.json()


def test_concurrent_runs_all_succeed_and_leave_a_usable_cache(package):
    command = [sys.executable, "-m", "lnlint", "--isolated", "--output-format", "json", "."]
    runs = [subprocess.Popen(command, cwd=package.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1, 1]
    assert len({out for out, _ in outputs}) == 1 and all(err == b"" for _, err in outputs)
    assert _analysed(_lint(package)) == []


def test_no_cache_neither_reads_nor_writes(package):
    run = package.run("--isolated", "--no-cache", "-v", ".")
    assert "from the cache" not in run.stderr
    assert not (package.root / ".lnlint_cache").exists()


def test_cache_dir_option_and_environment_variable(package, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("caches")
    _lint(package, "--cache-dir", str(elsewhere / "a"))
    assert (elsewhere / "a" / "CACHEDIR.TAG").is_file()
    monkeypatch.setenv("LNLINT_CACHE_DIR", str(elsewhere / "b"))
    _lint(package)
    assert (elsewhere / "b" / "CACHEDIR.TAG").is_file()
    assert not (package.root / ".lnlint_cache").exists()


def test_clean_removes_the_cache_and_only_a_cache(package):
    _lint(package)
    run = package.run("clean")
    assert run.exit_code == 0 and not (package.root / ".lnlint_cache").exists()
    (package.root / ".lnlint_cache").mkdir()
    (package.root / ".lnlint_cache" / "mine.txt").write_text("not a cache")
    refused = package.run("clean")
    assert refused.exit_code == 2 and (package.root / ".lnlint_cache" / "mine.txt").exists()


def test_a_file_written_moments_ago_is_hashed_again(package):
    """Same size, same coarse timestamp, other content: the edit is still seen."""
    first = package.write("pkg/fresh.py", "import torch.nn as nn\nnorm = nn.LayerNorm(2)\n").stat()
    assert [f["code"] for f in _lint(package).json() if f["filename"] == "pkg/fresh.py"] == ["LN001"]
    path = package.write("pkg/fresh.py", "import torch.nn as nn\nnorm = nn.LayerNorm(8)\n")
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))  # as if within the clock's granularity
    assert path.stat().st_size == first.st_size
    assert [f["code"] for f in _lint(package).json() if f["filename"] == "pkg/fresh.py"] == []


def _without_and_with_cache(folder: Path, tmp: Path, *args: str) -> tuple[str, str, str]:
    command = [sys.executable, "-m", "lnlint", "--isolated", "--exit-zero", "--output-format", "json", *args, "."]
    plain = subprocess.run([*command, "--no-cache"], cwd=folder, capture_output=True, text=True, check=True).stdout
    cache = ["--cache-dir", str(tmp / "cache")]
    cold = subprocess.run([*command, *cache], cwd=folder, capture_output=True, text=True, check=True).stdout
    warm = subprocess.run([*command, *cache], cwd=folder, capture_output=True, text=True, check=True).stdout
    return plain, cold, warm


def test_results_equal_with_and_without_cache_on_the_test_corpus(tmp_path):
    plain, cold, warm = _without_and_with_cache(REPO / "examples", tmp_path)
    assert json.loads(plain) and plain == cold == warm


@pytest.mark.skipif(__import__("importlib").util.find_spec("torch") is None, reason="torch not installed")
def test_results_equal_with_and_without_cache_on_torch_nn(tmp_path):
    folder = Path(__import__("importlib").util.find_spec("torch").origin).parent / "nn"
    plain, cold, warm = _without_and_with_cache(folder, tmp_path)
    assert plain == cold == warm
