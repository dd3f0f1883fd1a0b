"""Fixes and noqa comments never damage a file: what they write re-parses to the same code or
data apart from the intended change, keeps the file's bytes outside the edit (line ends,
BOM, encoding), and a file that changed since lnlint checked it is left alone."""

from __future__ import annotations

import codecs
from dataclasses import replace
import json
from pathlib import Path

import pytest
import yaml

from lnlint.cache import content_hash
from lnlint.fixes import add_noqa, fix_files, fix_for
from lnlint.lint import lint_paths
from lnlint.settings import load_settings

ENDINGS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


def checked(project, name: str):
    """The findings of one file of the project as `lnlint --isolated --fix` sees them
    (with their specs, which fixes need), and the settings they came with."""
    settings = replace(load_settings(None, True, project.root), select=("LN", "LN007"))  # LN007: the safe fix
    return lint_paths([Path(name)], settings, None, with_specs=True).findings, settings


def offered_fixes(findings, settings):
    return [fix for fix in (fix_for(finding, settings.thresholds) for finding in findings) if fix is not None]


# --- 1. every edit re-parses to what was intended -------------------------------------------

QUOTED_TARGET = (
    "encoder:\n"
    '  _target_: "torch.nn.\\\n'
    '    TransformerEncoderLayer"\n'
    "  d_model: 2\n"
    "  nhead: 2\n"
    "decoder:\n"
    "  _target_: torch.nn.TransformerDecoderLayer\n"
    "  d_model: 2\n"
    "  nhead: 2\n"
)


def test_add_noqa_leaves_a_line_whose_quoted_yaml_value_continues_below_alone(project):
    path = project.write("conf.yaml", QUOTED_TARGET)
    assert project.lint("conf.yaml") != []
    run = project.run("--isolated", "--add-noqa", "conf.yaml")
    assert run.exit_code == 0
    assert "lnlint: not changed: conf.yaml:2: a comment there would change the config's data" in run.stderr
    text = path.read_text()
    # the comment on line 2 would have become part of the encoder's _target_
    assert text == QUOTED_TARGET.replace("torch.nn.TransformerDecoderLayer\n", "torch.nn.TransformerDecoderLayer  # noqa: LN001, LN004\n")
    assert yaml.safe_load(text) == yaml.safe_load(QUOTED_TARGET)


HYPERPYYAML = "d: 2\nencoder: !new:torch.nn.TransformerEncoderLayer\n  d_model: !ref <d>\n  nhead: 2\n"


def test_add_noqa_comments_a_config_with_tags_the_safe_loader_does_not_know(project):
    path = project.write("hparams.yaml", HYPERPYYAML)
    run = project.run("--isolated", "--add-noqa", "hparams.yaml")
    assert (run.exit_code, run.stderr) == (0, "Added 2 noqa directives.\n")
    assert path.read_text() == HYPERPYYAML.replace("TransformerEncoderLayer\n", "TransformerEncoderLayer  # noqa: LN001, LN004\n")


@pytest.mark.parametrize(
    "line",
    [
        'layer = nn.TransformerEncoderLayer(2, 2, activation="""\nrelu""".strip())',
        'layer = nn.TransformerEncoderLayer(2, 2); note = "# noqa: LN002"',
    ],
    ids=["line ends inside a string", "noqa text inside a string"],
)
def test_add_noqa_never_writes_into_a_python_string(project, line):
    source = f"import torch.nn as nn\n{line}\nother = nn.TransformerEncoderLayer(2, 2)\n"
    path = project.write("model.py", source)
    run = project.run("--isolated", "--add-noqa", "model.py")
    assert run.exit_code == 0
    assert "lnlint: not changed: model.py:2: a comment there would break the code or land in a string" in run.stderr
    assert path.read_text() == source.replace("other = nn.TransformerEncoderLayer(2, 2)\n", "other = nn.TransformerEncoderLayer(2, 2)  # noqa: LN001, LN004\n")


def test_add_noqa_leaves_json_alone(project):
    source = '{"_target_": "torch.nn.TransformerEncoderLayer", "d_model": 2, "nhead": 2}\n'
    path = project.write("layer.json", source)
    run = project.run("--isolated", "--add-noqa", "layer.json")
    assert "lnlint: not changed: layer.json: JSON has no comments (use per-file-ignores)" in run.stderr
    assert path.read_text() == source


def edit_after_the_first_lint(monkeypatch, path: Path, text: str) -> None:
    """The user saves `text` into `path` once lnlint has checked it, before it writes."""
    import lnlint.lint

    lint_paths = lnlint.lint.lint_paths
    edited: list[Path] = []

    def lint_then_edit(*args, **kwargs):
        result = lint_paths(*args, **kwargs)
        if not edited:
            path.write_text(text)
            edited.append(path)
        return result

    monkeypatch.setattr(lnlint.lint, "lint_paths", lint_then_edit)


@pytest.mark.parametrize(
    ("name", "checked_text", "changed_text"),
    [
        (
            "conf.yaml",
            "model:\n  d_model: 12\n  nhead: 8\n  num_layers: 2\n",
            # the number lnlint would rewrite is now inside a quoted value, at the same place
            'model:\n  d_model: 12\n  name: "8 heads did not\n    divide 12"\n  nhead: 4\n  num_layers: 2\n',
        ),
        ("conf.json", '{"d_model": 12,\n "nhead": 8, "num_layers": 2}\n', '{"d_model": 12,\n "notes":"8 heads", "nhead": 4, "num_layers": 2}\n'),
    ],
    ids=["yaml", "json"],
)
def test_a_config_fix_that_would_change_other_data_is_not_made(project, monkeypatch, name, checked_text, changed_text):
    path = project.write(name, checked_text)
    findings, settings = checked(project, name)
    assert [fix.finding.code for fix in offered_fixes(findings, settings)] == ["LN003"]
    edit_after_the_first_lint(monkeypatch, path, changed_text)
    run = project.run("--isolated", "--fix", "--unsafe-fixes", name)
    assert "Fixed 0 findings." in run.stderr
    assert path.read_text() == changed_text
    reasons: list[str] = []
    assert fix_files(offered_fixes(findings, settings), skipped=reasons) == []
    assert reasons == [f"{name}: the fix would change the config's data beyond the values it rewrites"]
    path.write_text(checked_text)
    (fixed,) = fix_files(offered_fixes(findings, settings))  # on the text it was found in
    if name.endswith(".json"):
        assert json.loads(fixed.after) == {"d_model": 12, "nhead": 6, "num_layers": 2}
    else:
        assert yaml.safe_load(fixed.after) == {"model": {"d_model": 12, "nhead": 6, "num_layers": 2}}


# --- 2. a file that changed since it was checked is left alone -------------------------------

LAYER = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)\n"


def test_add_noqa_leaves_a_file_that_changed_since_it_was_checked(project):
    path = project.write("model.py", LAYER)
    findings, _ = checked(project, "model.py")
    analysed = {"model.py": content_hash(path.read_bytes())}
    edited = "import torch.nn as nn\n# a line the user added\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)\n"
    path.write_text(edited)
    assert add_noqa(findings, analysed) == (0, ["model.py: changed since lnlint checked it"])
    assert path.read_text() == edited
    path.write_text(LAYER)
    assert add_noqa(findings, analysed) == (2, [])
    assert path.read_text() == LAYER.replace("nhead=2)\n", "nhead=2)  # noqa: LN001, LN004\n")


def test_fixes_leave_a_file_that_changed_since_it_was_checked(project):
    source = "import torch.nn as nn\nencoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6)\n"
    path = project.write("model.py", source)
    findings, settings = checked(project, "model.py")
    analysed = {"model.py": content_hash(path.read_bytes())}
    path.write_text(source.replace("import torch.nn as nn\n", "import torch.nn as nn  # edited\n"))
    reasons: list[str] = []
    assert fix_files(offered_fixes(findings, settings), reasons, analysed) == []
    assert reasons == ["model.py: changed since lnlint checked it"]


# --- 3. line ends, BOM and encoding stay byte-exact outside the edit -------------------------

def encoder(ending: str, arguments: str = "") -> str:
    return f"import torch.nn as nn{ending}{ending}encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6{arguments}){ending}"


def wrapped_encoder(ending: str, added_line: str = "") -> str:
    return (
        f"import torch.nn as nn{ending}encoder = nn.TransformerEncoder({ending}"
        f"    nn.TransformerEncoderLayer(512, 8, norm_first=True),{ending}    6,{ending}{added_line}){ending}"
    )


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize(
    ("flags", "source", "fixed"),
    [
        (("--fix",), encoder, lambda e: encoder(e, ", enable_nested_tensor=False")),
        (
            ("--fix", "--unsafe-fixes"),
            lambda e: encoder(e, ", enable_nested_tensor=False"),
            lambda e: encoder(e, ", enable_nested_tensor=False, norm=nn.LayerNorm(512)"),
        ),
        (("--fix",), wrapped_encoder, lambda e: wrapped_encoder(e, f"    enable_nested_tensor=False,{e}")),
    ],
    ids=["LN007 safe", "LN006 unsafe", "LN007 on a line of its own"],
)
def test_fix_keeps_the_files_line_ends(project, ending, flags, source, fixed):
    path = project.write("model.py", source(ending).encode())
    run = project.run("--isolated", "--select", "LN,LN007", *flags, "model.py")  # LN007 is off by default
    assert "Fixed 1 finding." in run.stderr
    assert path.read_bytes() == fixed(ending).encode()


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", codecs.BOM_UTF8), ("latin-1", b"")], ids=["UTF-8 with a BOM", "a latin-1 cookie"]
)
def test_a_fix_is_written_with_the_files_bom_and_encoding(project, encoding, bom):
    source = (
        "# -*- coding: {coding} -*-\r\n# café\r\nimport torch.nn as nn\r\n"
        "encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6{extra})\r\n"
    )
    coding = "utf-8" if bom else encoding
    path = project.write("model.py", bom + source.format(coding=coding, extra="").encode(encoding))
    findings, settings = checked(project, "model.py")
    fixes = [fix for fix in offered_fixes(findings, settings) if fix.finding.code == "LN007"]
    (fixed,) = fix_files(fixes)
    assert fixed.after_bytes == bom + source.format(coding=coding, extra=", enable_nested_tensor=False").encode(encoding)


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize(
    ("name", "source", "reported"),
    [
        (
            "model.py",
            # a form feed, and a line separator in a string, end no line in Python
            'import torch.nn as nn{E}\x0c{E}name = "a\u2028b"{E}layer = nn.TransformerEncoderLayer(d_model=2, nhead=2){E}',
            "layer = nn.TransformerEncoderLayer(d_model=2, nhead=2)",
        ),
        (
            "conf.yaml",
            "encoder:{E}  _target_: torch.nn.TransformerEncoderLayer{E}  d_model: 2{E}  nhead: 2{E}",
            "  _target_: torch.nn.TransformerEncoderLayer",
        ),
    ],
    ids=["python", "yaml"],
)
def test_add_noqa_comments_the_reported_line_and_keeps_the_line_ends(project, ending, name, source, reported):
    text = source.format(E=ending)
    path = project.write(name, text.encode())
    run = project.run("--isolated", "--add-noqa", name)
    assert run.stderr == "Added 2 noqa directives.\n"
    commented = text.replace(reported + ending, reported + "  # noqa: LN001, LN004" + ending)
    assert commented != text and path.read_bytes() == commented.encode()


# --- 4. a file with a BOM gets its comments like any other ---------------------------------

@pytest.mark.parametrize("name", ["model.py", "conf.yaml"])
def test_add_noqa_comments_a_file_with_a_bom_and_keeps_it(project, name):
    text = {
        "model.py": "import torch.nn as nn\r\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)\r\n",
        "conf.yaml": "encoder:\r\n  _target_: torch.nn.TransformerEncoderLayer\r\n  d_model: 2\r\n  nhead: 2\r\n",
    }[name]
    path = project.write(name, codecs.BOM_UTF8 + text.encode())
    run = project.run("--isolated", "--add-noqa", name)
    assert (run.exit_code, run.stderr) == (0, "Added 2 noqa directives.\n")
    line = "layer = nn.TransformerEncoderLayer(d_model=2, nhead=2)" if name == "model.py" else "  _target_: torch.nn.TransformerEncoderLayer"
    assert path.read_bytes() == codecs.BOM_UTF8 + text.replace(line, line + "  # noqa: LN001, LN004").encode()
    assert project.lint(name) == []


# --- through the command line ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["--add-noqa"], ["--fix", "--unsafe-fixes"]], ids=["add-noqa", "fix"])
def test_the_cli_leaves_a_file_saved_between_check_and_write(project, monkeypatch, command):
    path = project.write("model.py", LAYER)
    edited = "# the user's new first line\n" + LAYER
    edit_after_the_first_lint(monkeypatch, path, edited)
    run = project.run("--isolated", *command, "model.py")
    assert "model.py: changed since lnlint checked it" in run.stderr
    assert path.read_text() == edited


def test_a_noqa_after_a_form_feed_is_read_on_the_line_python_numbers(project):
    # str.splitlines breaks at \f: the comment would be read one line off.
    project.write("model.py", "import torch.nn as nn\n\x0c\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)  # noqa\n")
    assert project.lint("model.py") == []
