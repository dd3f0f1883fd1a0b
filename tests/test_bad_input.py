"""Bad input gets LN900 or a correct lint, never a traceback; other files are still linted."""

from __future__ import annotations

import pytest

from tests.conftest import pick

BAD = "import torch.nn as nn\nn = nn.LayerNorm(2)\n"


def run_json(project, *paths):
    return pick(project.lint(*paths), "filename", "code", "row", "column")


def test_syntax_error_is_ln900_at_the_parser_position_and_the_run_goes_on(project):
    project.write("broken.py", "import torch.nn as nn\nx = nn.LayerNorm(2\ny = 3\n")
    project.write("ok.py", BAD)
    run = project.run("--isolated", "--output-format", "json", ".")
    broken, ok = run.json()
    assert (broken["filename"], broken["code"], broken["location"]) == ("broken.py", "LN900", {"row": 2, "column": 17})
    assert broken["message"] == "syntax error: '(' was never closed"
    assert (ok["filename"], ok["code"]) == ("ok.py", "LN001")


def test_syntax_error_in_a_file_that_names_no_torch_class_is_left_to_the_interpreter(project):
    # lnlint never reads such a file past its bytes (ruff and CPython report the error).
    # A torch class named only in a comment or a string builds nothing either.
    project.write("broken.py", "def f(:\n    pass\n")
    project.write("comment_broken.py", '# builds a LayerNorm\n"""A LayerNorm."""\ndef f(:\n    pass\n')
    project.write("layer_broken.py", "from torch.nn import LayerNorm\ndef f(:\n    pass\n")
    assert run_json(project, "broken.py", "comment_broken.py", "layer_broken.py") == [("layer_broken.py", "LN900", 2, 7)]


def test_syntax_of_a_newer_python_is_reported_as_such(project):
    project.write("generic.py", "import torch.nn as nn\nclass Box[T]:\n    pass\nn = nn.LayerNorm(2)\n")
    (finding,) = project.run("--isolated", "--output-format", "json", "generic.py").json()
    assert finding["code"] == "LN900"
    assert "valid for a newer Python" in finding["message"]


def test_undecodable_bytes(project):
    project.write("latin.py", b"import torch.nn as nn\n# caf\xe9\nn = nn.LayerNorm(2)\n")
    ((name, code, row, column),) = run_json(project, "latin.py")
    assert (code, row, column) == ("LN900", 2, 6)
    assert "0xe9" in project.run("--isolated", "latin.py").output


def test_declared_encoding_is_honoured(project):
    project.write("latin.py", b"# -*- coding: latin-1 -*-\nimport torch.nn as nn\n# caf\xe9\nn = nn.LayerNorm(2)\n")
    assert run_json(project, "latin.py") == [("latin.py", "LN001", 4, 5)]


def test_binary_file_named_py(project):
    project.write("blob.py", bytes(range(256)) * 4)
    ((_, code, _, _),) = run_json(project, "blob.py")
    assert code == "LN900"
    assert "binary" in project.run("--isolated", "blob.py").output


def test_empty_file(project):
    project.write("empty.py", b"")
    assert project.run("--isolated", "empty.py").exit_code == 0


def test_byte_order_mark_keeps_columns(project):
    project.write("bom.py", b"\xef\xbb\xbfimport torch.nn as nn\nn = nn.LayerNorm(2); m = nn.LayerNorm(1)\n")
    assert run_json(project, "bom.py") == [("bom.py", "LN001", 2, 5), ("bom.py", "LN001", 2, 26)]


def test_crlf_line_endings_keep_positions(project):
    project.write("crlf.py", b"import torch.nn as nn\r\n\r\nclass M:\r\n    n = nn.LayerNorm(\r\n        2)\r\n")
    run = project.run("--isolated", "--output-format", "json", "crlf.py")
    (finding,) = run.json()
    assert finding["location"] == {"row": 4, "column": 9}
    assert finding["end_location"] == {"row": 5, "column": 11}


def test_twenty_thousand_lines(project):
    filler = "".join(f"value_{i} = {i} * 2\n" for i in range(20_000))
    project.write("big.py", "import torch.nn as nn\n" + filler + "n = nn.LayerNorm(2)\n")
    assert run_json(project, "big.py") == [("big.py", "LN001", 20_002, 5)]


def test_150_nested_parentheses_lint_correctly(project):
    nested = "(" * 150 + "2" + ")" * 150
    project.write("deep.py", f"import torch.nn as nn\nn = nn.LayerNorm({nested})\n")
    assert run_json(project, "deep.py") == [("deep.py", "LN001", 2, 5)]


@pytest.mark.parametrize("depth", [1000, 5000])
def test_pathological_nesting_is_ln900_not_a_traceback(project, depth):
    project.write("deeper.py", "import torch.nn as nn\nx = " + "[" * depth + "]" * depth + "\nn = nn.LayerNorm(2)\n")
    project.write("ok.py", BAD)
    findings = run_json(project, "deeper.py", "ok.py")
    assert findings[0][:2] == ("deeper.py", "LN900")
    assert findings[1][:2] == ("ok.py", "LN001")
