"""One policy for both frontends: the same stabiliser gives the same verdict in Python and YAML."""

from __future__ import annotations

import pytest

PYTHON_STACK = "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), 24)\n"
YAML_STACK = (
    "model:\n"
    "  _target_: torch.nn.TransformerEncoder\n"
    "  num_layers: 24\n"
    "  encoder_layer:\n"
    "    _target_: torch.nn.TransformerEncoderLayer\n"
    "    d_model: 512\n"
    "    nhead: 8\n"
)
SILENCED: list[tuple[str, str]] = []
ERROR = [("LN005", "error")]

CASES = {
    "nothing": ("", "", ERROR),
    "warmup key": ("warmup_steps = 4000\n", "warmup_steps: 4000\n", SILENCED),
    "warmup key of zero": ("warmup_steps = 0\n", "warmup_steps: 0\n", ERROR),
    "configured warmup key": ("my_ramp = 500\n", "my_ramp: 500\n", SILENCED),
    "scheduler name": ("lr_scheduler = 'inverse_sqrt'\n", "lr_scheduler: inverse_sqrt\n", SILENCED),
    "LinearLR by default": (
        "from torch.optim.lr_scheduler import LinearLR\ns = LinearLR(opt, total_iters=100)\n",
        "scheduler:\n  _target_: torch.optim.lr_scheduler.LinearLR\n  total_iters: 100\n",
        SILENCED,
    ),
    "LinearLR from 1": (
        "from torch.optim.lr_scheduler import LinearLR\ns = LinearLR(opt, start_factor=1.0)\n",
        "scheduler:\n  _target_: torch.optim.lr_scheduler.LinearLR\n  start_factor: 1.0\n",
        ERROR,
    ),
    "DeepNorm": ("cfg = dict(deepnorm=True)\n", "deepnorm: true\n", SILENCED),
    "DeepNorm off": ("cfg = dict(deepnorm=False)\n", "deepnorm: false\n", ERROR),
    "Admin": (
        "import admin_torch\nresidual = admin_torch.as_module(24)\n",
        "residual:\n  _target_: admin_torch.as_module\n  num_res_layers: 24\n",
        SILENCED,
    ),
    "Admin init type": ("init_type = 'adaptive'\n", "init_type: adaptive\n", SILENCED),
}


@pytest.mark.parametrize("python,yaml,expected", CASES.values(), ids=list(CASES))
def test_python_and_yaml_get_the_same_verdict(project, python, yaml, expected):
    project.write("pyproject.toml", '[tool.lnlint]\nextra-warmup-keys = ["my_ramp"]\n')
    project.write("model.py", PYTHON_STACK + python)
    project.write("model.yaml", YAML_STACK + yaml)
    run = project.run("--output-format", "json", "model.py", "model.yaml")
    verdicts = {name: [(f["code"], f["severity"]) for f in run.json() if f["filename"] == name] for name in ("model.py", "model.yaml")}
    assert verdicts == {"model.py": expected, "model.yaml": expected}
