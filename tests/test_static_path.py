"""The static path never imports torch; the signatures kept as data match torch's."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from lnlint.frontends.signatures import REQUIRED, SIGNATURES


def test_full_lint_run_does_not_import_torch(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch\nimport torch.nn as nn\nx = nn.TransformerEncoderLayer(2, 2)\n"
        "enc = nn.TransformerEncoder(x, 24)\n"
    )
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from lnlint.cli import main\n"
        f"result = CliRunner().invoke(main, ['--isolated', '--output-format', 'full', {str(tmp_path)!r}])\n"
        "assert result.exit_code == 1, result.output\n"
        "assert 'LN001' in result.output and 'LN005' in result.output\n"
        "print('torch' in sys.modules, any(m.startswith('torch.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_signatures_match_installed_torch():
    nn = pytest.importorskip("torch.nn")
    for kind, params in SIGNATURES.items():
        real = list(inspect.signature(getattr(nn, kind).__init__).parameters.values())[1:]
        assert [p.name for p in real] == [name for name, _ in params], kind
        for parameter, (name, default) in zip(real, params):
            expected = parameter.default
            if expected is inspect.Parameter.empty:
                assert default is REQUIRED, (kind, name)
            elif callable(expected):
                assert default == expected.__name__, (kind, name)
            else:
                assert default == expected, (kind, name)


def test_console_script_runs(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    out = subprocess.run(
        [sys.executable, "-m", "lnlint", "--isolated", str(tmp_path / "m.py")], capture_output=True, text=True
    )
    assert out.returncode == 1
    assert "m.py:2:5: LN001 [error]" in out.stdout


def test_the_language_server_lints_without_importing_torch(tmp_path):
    path = tmp_path / "m.py"
    script = (
        "import sys\n"
        "from lnlint import server\n"
        f"found = server.diagnostics({path.as_uri()!r}, 'import torch.nn as nn\\nn = nn.LayerNorm(2)\\n')\n"
        "assert [d.code for d in found] == ['LN001'], found\n"
        "print('torch' in sys.modules, any(m.startswith('torch.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
