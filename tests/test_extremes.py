"""Inputs at the extremes: huge numbers, deep nesting, long chains, files not checked, designs
too large to probe. Each is a finding or a clear message, in time bounded by the source's
length, never an internal error or a hang. The inputs are built here, never committed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lnlint.frontends.configs.values import MAX_INTERPOLATION_STEPS
from lnlint.rules.divisors import known_divisors
from tests.conftest import REPO, pick

HEAD = "import torch.nn as nn\n"
SECONDS = 5  # each of these runs takes well under a second once bounded


def run_within(folder: Path, *args: str, seconds: float = SECONDS) -> subprocess.CompletedProcess[str]:
    """`lnlint --isolated --no-cache ARGS` in a child process that is stopped after `seconds`
    (the test fails on a hang instead of hanging)."""
    command = [sys.executable, "-m", "lnlint", "--isolated", "--no-cache", *args]
    environment = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=seconds, env=environment)


def lint_within(folder: Path, *paths: str) -> tuple[int, list[dict], str]:
    """(exit code, findings, stderr) of `run_within(--output-format json PATHS)`."""
    done = run_within(folder, "--output-format", "json", *paths)
    return done.returncode, json.loads(done.stdout or "[]"), done.stderr


def divisors_of_a_power_of_ten(exponent: int) -> list[int]:
    return sorted(2**a * 5**b for a in range(exponent + 1) for b in range(exponent + 1))


def three_nearest(divisors: list[int], near: int) -> str:
    return ", ".join(map(str, sorted(sorted(divisors, key=lambda d: (abs(d - near), d))[:3])))


# --- 1. numbers far larger than any model ------------------------------------------------------
WIDTH_10_12 = {
    "python": ("model.py", HEAD + "layer = nn.TransformerEncoderLayer(d_model=10**12, nhead=7)\n"),
    "yaml": ("layer.yaml", "layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: 1000000000000\n  nhead: 7\n"),
}


@pytest.mark.parametrize("name,text", WIDTH_10_12.values(), ids=list(WIDTH_10_12))
def test_the_heads_suggested_for_a_huge_width_come_in_bounded_time(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    code, findings, stderr = lint_within(tmp_path, name)
    assert (code, pick(findings, "code"), stderr) == (1, ["LN003"], "")
    expected = three_nearest(divisors_of_a_power_of_ten(12), 7)
    assert f"(e.g. {expected})" in findings[0]["message"]


def test_the_head_count_fix_for_a_huge_width_comes_in_bounded_time(tmp_path):
    # a search that tries each head count below nhead in turn would take hours here
    model = tmp_path / "model.py"
    model.write_text(HEAD + "layer = nn.TransformerEncoderLayer(d_model=10**12, nhead=1000000000001)\n")
    assert run_within(tmp_path, "--fix", "--unsafe-fixes", "model.py").returncode == 0
    assert "nhead=500000000000)" in model.read_text()  # 10**12 // 2 divides it: head_dim 2


def test_the_groups_suggested_for_a_huge_channel_count_come_in_bounded_time(tmp_path):
    (tmp_path / "norm.py").write_text(HEAD + "norm = nn.GroupNorm(7, 10**12)\n")
    code, findings, _ = lint_within(tmp_path, "norm.py")
    assert (code, pick(findings, "code")) == (1, ["LN012"])
    assert f"(e.g. {three_nearest(divisors_of_a_power_of_ten(12), 7)})" in findings[0]["message"]


def test_a_width_of_4000_digits_in_a_config_is_checked_in_bounded_time(tmp_path):
    width = int("7" * 4000)  # its digits sum to 28000: not divisible by 3
    (tmp_path / "layer.yaml").write_text(f"layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: {width}\n  nhead: 3\n")
    code, findings, _ = lint_within(tmp_path, "layer.yaml")
    assert (code, pick(findings, "code")) == (1, ["LN003"])
    suggested = [int(n) for n in findings[0]["message"].rsplit("(e.g. ", 1)[1].rstrip(").").split(", ")]
    assert suggested and all(width % n == 0 for n in suggested)


def test_a_shape_of_many_huge_dimensions_is_read_in_bounded_time(tmp_path):
    (tmp_path / "norm.py").write_text(HEAD + "W = (2**64) ** 64\nnorm = nn.LayerNorm((" + "W, " * 20_000 + "))\n")
    assert lint_within(tmp_path, "norm.py") == (0, [], "")


def test_arithmetic_that_doubles_a_number_s_length_each_line_stops_at_a_bound(tmp_path):
    lines = ["x0 = 2**64", *(f"x{i} = x{i - 1} * x{i - 1}" for i in range(1, 8))]
    (tmp_path / "model.py").write_text(HEAD + "\n".join(lines) + "\nlayer = nn.TransformerEncoderLayer(d_model=x7, nhead=7)\n")
    assert lint_within(tmp_path, "model.py") == (0, [], "")


def test_an_integer_too_long_to_print_is_not_followed(tmp_path):
    huge = "0x" + "f" * 5000  # Python reads it; its 6,000 decimal digits cannot be printed
    (tmp_path / "model.py").write_text(HEAD + f"norm = nn.LayerNorm({huge})\nlayer = nn.TransformerEncoderLayer({huge}, 7)\n")
    assert lint_within(tmp_path, "model.py") == (0, [], "")


def test_known_divisors_are_divisors_and_the_search_limit_is_honest():
    for n in range(1, 1200):
        every = {d for d in range(1, n + 1) if n % d == 0}
        for budget in (1, 3, 10, 10_000):
            known = known_divisors(n, budget)
            assert set(known.divisors) <= every
            # the documented guarantee: only divisors strictly between the limit and n / limit are missing
            assert {d for d in every if d <= known.limit or d * known.limit >= n} <= set(known.divisors)
            if known.complete:
                assert set(known.divisors) == every
            for ceiling in {1, 2, 3, n // 3, n // 2, n - 1, n, n + 5} - {0}:
                truth = max(d for d in every if d <= ceiling)
                largest = known.largest_at_most(ceiling)
                assert largest == truth if known.complete else largest in (truth, None)


def test_suggested_counts_are_never_huge_cofactors():
    prime_times_two = 2 * (2**127 - 1)  # a Mersenne prime: its only small divisors are 1 and 2
    assert known_divisors(prime_times_two).nearest(7) == [1, 2]


# --- 2. what Python's readers refuse -------------------------------------------------------------
def notebook_nested(levels: int) -> str:
    return '{"cells": ' + "[" * levels + "]" * levels + "}"


def interpolation_chain(steps: int, end: str = "2") -> str:
    """A layer whose d_model is reached through `steps` interpolations."""
    keys = "".join(f"a{i}: ${{a{i + 1}}}\n" for i in range(steps - 1))
    return f"model:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: ${{a0}}\n  nhead: 1\n{keys}a{steps - 1}: {end}\n"


UNREADABLE = {
    "100,000-deep notebook": ("deep.ipynb", notebook_nested(100_000), (1, 1), "nested too deeply to read: 100001 levels"),
    "100,000-deep JSON config": (
        "deep.json", '{"d_model": 8, "nhead": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", (1, 1),
        "nested too deeply to read: 100001 levels",
    ),
    "5,000-digit integer in a JSON config": (
        "config.json", '{"d_model": ' + "1" * 5000 + ', "nhead": 8, "num_layers": 6}', (1, 13),
        "an integer of 5000 digits is too long to read",
    ),
    "5,000-digit integer after a 5,000-digit string and a long fraction": (
        "config.json", '{"note": "' + "1" * 5000 + '", "eps": 0.' + "1" * 5000 + ',\n "d_model": ' + "1" * 5000 + ', "nhead": 8}',
        (2, 13), "an integer of 5000 digits is too long to read",
    ),
    "5,000-digit integer in YAML": (
        "layer.yaml", "layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: " + "1" * 5000 + "\n  nhead: 8\n", (3, 12),
        "an integer of 5000 digits is too long to read",
    ),
    "5,000 hexadecimal digits in YAML": (
        "layer.yaml", "layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: 0x" + "f" * 5000 + "\n  nhead: 7\n", (3, 12),
        "an integer of 5000 hexadecimal digits is too long to read",
    ),
    "5,000-digit integer in a notebook": (
        "long.ipynb", '{"cells": [], "metadata": {"seed": ' + "9" * 5000 + "}}", (1, len('{"cells": [], "metadata": {"seed": ') + 1),
        "an integer of 5000 digits is too long to read",
    ),
    "5,000-digit integer in Python": (
        "model.py", HEAD + "layer = nn.TransformerEncoderLayer(d_model=" + "1" * 5000 + ", nhead=8)\n", (2, 1),
        "an integer of 5000 digits is too long to read",
    ),
    "5,000-step interpolation chain": (
        "chain.yaml", interpolation_chain(5000), (3, 12), f"interpolation chain longer than {MAX_INTERPOLATION_STEPS} steps",
    ),
}


@pytest.mark.parametrize("name,text,position,reason", UNREADABLE.values(), ids=list(UNREADABLE))
def test_what_python_cannot_read_is_ln900_with_its_reason(tmp_path, name, text, position, reason):
    (tmp_path / name).write_text(text)
    code, findings, stderr = lint_within(tmp_path, name)
    assert (code, stderr) == (1, "")
    ((found, row, column, message),) = pick(findings, "code", "row", "column", "message")
    assert (found, (row, column)) == ("LN900", position)
    assert message.startswith(reason)
    assert "newer Python" not in message  # every Python since 3.11 refuses these digits


def test_an_interpolation_chain_of_the_longest_length_followed_still_resolves(project):
    project.write("chain.yaml", interpolation_chain(MAX_INTERPOLATION_STEPS))
    assert pick(project.lint("chain.yaml"), "code") == ["LN001"]  # d_model = 2, reached
    project.write("chain.yaml", interpolation_chain(MAX_INTERPOLATION_STEPS + 1))
    assert pick(project.lint("chain.yaml"), "code") == ["LN900"]


def test_a_chain_too_long_is_reported_once_and_the_rest_of_the_file_is_checked(project):
    text = interpolation_chain(500, end="512") + "other:\n  _target_: torch.nn.LayerNorm\n  normalized_shape: ${a0}\n"
    text += "narrow:\n  _target_: torch.nn.LayerNorm\n  normalized_shape: 2\n"
    project.write("chain.yaml", text)
    assert pick(project.lint("chain.yaml"), "code", "row") == [("LN900", 3), ("LN001", 509)]


# --- 3. a run that did not check every file does not say that all checks passed ---------------
def test_summary_counts_skipped_files_apart_from_the_checked():
    from lnlint.report.text import summary

    assert summary([], 3, skipped=1) == "All checks passed! (2 files checked, 1 skipped: see --verbose)\n"
    assert summary([], 3) == "All checks passed! (3 files checked)\n"


def test_summary_never_says_all_checks_passed_after_an_internal_error():
    from lnlint.report.text import summary

    line = summary([], 3, errors=1)
    assert "All checks passed" not in line
    assert "2 files checked" in line and "1 not checked (internal error)" in line


def test_summary_with_findings_names_the_files_not_checked(project):
    from lnlint.report.text import summary

    project.write("model.py", HEAD + "norm = nn.LayerNorm(2)\n")
    from lnlint.lint import lint_paths
    from lnlint.settings import Settings

    result = lint_paths([Path("model.py")], Settings(root=project.root))
    line = summary(result.findings, 4, skipped=2, errors=1)
    assert line == "Found 1 finding (1 error) in 1 file checked, 2 skipped: see --verbose, 1 not checked (internal error).\n"


def _too_large_config(project) -> None:
    from lnlint.frontends.configs import MAX_BYTES

    project.write("big.json", json.dumps({"d_model": 2, "nhead": 2, "pad": "x" * MAX_BYTES}))


def test_a_config_skipped_for_its_size_counts_as_skipped(project):
    from lnlint.cache import Cache, cache_location
    from lnlint.lint import lint_paths
    from lnlint.settings import Settings

    _too_large_config(project)
    project.write("ok.py", "x = 1\n")
    settings = Settings(root=project.root)
    paths = [Path("big.json"), Path("ok.py")]
    assert (lint_paths(paths, settings).files, lint_paths(paths, settings).skipped) == (2, 1)
    cache = cache_location(project.root / "cache")
    for _ in range(2):  # the second run takes both files' results from the cache
        assert lint_paths(paths, settings, Cache(cache, settings)).skipped == 1


def test_standard_input_too_large_for_a_config_counts_as_skipped(project):
    from lnlint.frontends.configs import MAX_BYTES
    from lnlint.lint import lint_standard_input
    from lnlint.settings import Settings

    data = json.dumps({"d_model": 2, "pad": "x" * MAX_BYTES}).encode()
    assert lint_standard_input(data, Path("big.json"), Settings(root=project.root)).skipped == 1


def test_the_cli_summary_counts_a_skipped_config(project):
    _too_large_config(project)
    project.write("ok.py", "x = 1\n")
    run = project.run("--isolated", "--no-cache", ".")
    assert (run.exit_code, run.output) == (0, "All checks passed! (1 file checked, 1 skipped: see --verbose)\n")


def test_the_cli_summary_after_an_internal_error_does_not_say_all_checks_passed(project, monkeypatch):
    import lnlint.lint

    def broken(path, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(lnlint.lint, "lint_file", broken)
    project.write("ok.py", "x = 1\n")
    run = project.run("--isolated", "--no-cache", "ok.py")
    assert run.exit_code == 2
    assert "All checks passed" not in run.output and "1 not checked (internal error)" in run.output


# --- 5. a design too large to probe --------------------------------------------------------------
def test_probe_of_a_design_too_large_to_build_is_a_one_line_error(project):
    pytest.importorskip("torch")
    run = project.run("probe", "--d-model", "100000000", "--num-layers", "1000")
    assert run.exit_code == 2
    assert run.stderr.startswith("lnlint: error: cannot probe this design: it needs about ")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
