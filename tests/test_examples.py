"""The bundled examples/ folder: findings for every bad file, nothing for the good ones."""

from __future__ import annotations

from click.testing import CliRunner

from lnlint.cli import main
from tests.conftest import REPO

EXPECTED = {
    "examples/bad/two_features.py": ["LN001", "LN004"],
    "examples/bad/deep_post_ln.py": ["LN005"],
    "examples/bad/model_class.py": ["LN003", "LN006"],
    "examples/bad/hydra_encoder.yaml": ["LN001"],
}
# A small project whose sizes reach the model from a command line, a dataclass config and a
# Hydra config: each finding is reported where the value is supplied.
PROJECT = {
    "examples/project/build.py": ["LN005"],
    "examples/project/conf/model/small.yaml": ["LN002", "LN004"],
    "examples/project/train.py": ["LN001"],
}


def test_examples(monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["--isolated", "--output-format", "json", "examples"])
    assert result.exit_code == 1
    import json

    found: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout):
        found.setdefault(finding["filename"], []).append(finding["code"])
    assert found == EXPECTED | PROJECT
    assert {p.relative_to(REPO).as_posix() for p in (REPO / "examples" / "bad").iterdir()} == set(EXPECTED)


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = readme.split("then pytest.\n\n```sh\n", 1)[1].split("\n```", 1)[0]
    assert command.endswith("python -m pytest")
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
