"""Pictures of the measurements: the data behind each, and the PNGs (torch and matplotlib)."""

from __future__ import annotations

import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from matplotlib.image import imread  # noqa: E402

from lnlint.confirm.build import BuildPlan  # noqa: E402
from lnlint.confirm.plot_data import depth_data, final_norm_data, heads_data, width_data  # noqa: E402
from lnlint.confirm.probes import ProbeOptions  # noqa: E402
from lnlint.plots import draw  # noqa: E402

CPU = ProbeOptions(torch.device("cpu"))


def layer(d, h, norm_first=False, n=1):
    return BuildPlan("TransformerEncoderLayer", {"d_model": d, "nhead": h, "dim_feedforward": 4 * d, "norm_first": norm_first}, n)


def distinct(series):
    return len({(round(x, 3), round(y, 3)) for x, y in zip(series.x, series.y)})


def test_width_picture_shows_two_points_beside_a_cloud_and_is_deterministic():
    data = width_data(layer(2, 2), CPU, "t")
    (collapsed,), (healthy,) = data.panels
    assert distinct(collapsed) <= 2 and len(collapsed.x) == 512
    assert distinct(healthy) > 400
    again = width_data(layer(2, 2), CPU, "t")
    assert again.panels[1][0].x == healthy.x


def test_depth_picture_post_ln_cosine_rises_with_depth_above_pre_ln():
    data = depth_data(layer(32, 4, n=16), CPU, "t")
    cosine, amplification = data.panels
    post, pre = cosine[:2]
    assert post.x == [float(d) for d in range(1, 17)]
    assert post.y[-1] > post.y[0] + 0.2 and post.y[-1] > pre.y[-1]
    assert amplification[0].y[0] == pytest.approx(1.0) and max(amplification[0].y) > max(amplification[1].y)


def test_final_norm_and_heads_pictures():
    growth = final_norm_data(layer(32, 4, norm_first=True, n=12), CPU, "t")
    without, with_norm = growth.series
    assert without.y[-1] > without.y[0] and abs(with_norm.y[-1] - 1.0) < 0.1
    design, comparison = heads_data(layer(16, 16), CPU, "t").series
    assert (design.x, comparison.x) == ([1.0], [8.0]) and design.y[0] <= 2.0 < comparison.y[0]
    narrow = heads_data(layer(4, 4), CPU, "t").series
    assert [s.x for s in narrow] == [[1.0], [4.0]]  # no head_dim 8 in a width of 4


def test_the_png_is_written_at_1200_by_800(tmp_path):
    path = draw(width_data(layer(2, 2), CPU, "LN001 degenerate-layernorm: model.py:3"), tmp_path / "w.png")
    assert imread(path).shape[:2] == (800, 1200)


def test_probe_and_confirm_write_pictures(project):
    run = project.run("probe", "--d-model", "2", "--nhead", "2", "--plot", "probe.png")
    assert run.exit_code == 0 and "picture: probe.png" in run.output
    assert imread(project.root / "probe.png").shape[:2] == (800, 1200)
    refused = project.run("probe", "--d-model", "6", "--nhead", "4", "--plot", "refused.png")
    assert "construction: confirmed" in refused.output and "picture: refused.png" in refused.output
    assert imread(project.root / "refused.png").shape[:2] == (800, 1200)
    project.write("model.py", "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=1)\n")
    text = project.run("--isolated", "--confirm", "--plots", "pictures", "model.py")
    assert "Pictures:\n  pictures/model.py_3_LN001.png\n" in text.output
    assert (project.root / "pictures" / "model.py_3_LN001.png").is_file()
    (finding,) = project.run("--isolated", "--confirm", "--plots", "pictures", "--output-format", "json", "model.py").json()
    assert finding["confirmation"]["plot"] == "pictures/model.py_3_LN001.png"
    assert project.run("--isolated", "--plots", "pictures", "model.py").exit_code == 2  # --plots needs --confirm


def test_without_matplotlib_plot_options_name_the_extra(tmp_path):
    script = (
        "import sys\nsys.modules['matplotlib'] = None\n"
        f"sys.argv = ['lnlint', 'probe', '--d-model', '2', '--plot', {str(tmp_path / 'x.png')!r}]\n"
        "from lnlint.cli import main\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "pip install 'lnlint[plot]'" in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_with_training_the_depth_picture_adds_the_loss_curves_with_and_without_warmup():
    data = depth_data(layer(32, 4, n=4), ProbeOptions(torch.device("cpu"), train=True), "t")
    assert len(data.panels) == 3 and data.panel_x_labels[2] == "training step"
    without, with_warmup = data.panels[2]
    assert (without.label, with_warmup.label) == ("post-LN, 0 warmup steps", "post-LN, 50 warmup steps")
    assert len(without.y) == len(with_warmup.y) == 200 and without.y != with_warmup.y


def test_argument_rules_are_drawn_beside_torchs_default():
    from lnlint.confirm.plot_data import PLOTTED

    dropout = PLOTTED["LN008"](BuildPlan("TransformerEncoderLayer", {"d_model": 32, "nhead": 4, "dropout": 1.0}), CPU, "t")
    assert [s.y[0] for s in dropout.series][0] == 1.0 and 0.0 < dropout.series[1].y[0] < 0.3
    empty = PLOTTED["LN011"](BuildPlan("TransformerEncoderLayer", {"d_model": 32, "nhead": 4, "dim_feedforward": 0}), CPU, "t")
    assert [s.y[0] for s in empty.series] == [1.0, 512.0]
    nan = PLOTTED["LN010"](BuildPlan("LayerNorm", {"normalized_shape": 16, "eps": 0.0}), CPU, "t")
    assert [s.y[0] for s in nan.series] == [1.0, 0.0] and nan.y_label.startswith("share of an all-zero token")
    refused = PLOTTED["LN008"](BuildPlan("TransformerEncoderLayer", {"d_model": 32, "nhead": 4, "dropout": 1.5}), CPU, "t")
    assert refused.kind == "outcomes" and refused.tick_labels == ["1.5\n(this design)", "0.1"]
    assert [s.x for s in refused.series] == [[1.0], [0.0]]  # torch builds dropout 0.1 and raises for 1.5


def test_rules_whose_probe_is_torchs_own_check_draw_what_torch_does_with_each_value(tmp_path):
    from lnlint.confirm.plot_data import PLOTTED

    def outcome(code, plan):
        data = PLOTTED[code](plan, CPU, "t")
        builds, fails = data.series
        values = {label.split("\n")[0]: label for label in data.tick_labels}
        return data, [data.tick_labels[int(x)].split("\n")[0] for x in builds.x], [data.tick_labels[int(x)].split("\n")[0] for x in fails.x], values

    heads, builds, raises, labels = outcome("LN003", layer(6, 4))
    assert (builds, raises) == (["1", "2", "3", "6"], ["4", "5", "7", "8"]) and labels["4"] == "4\n(this design)"
    assert heads.series[0].y == [6.0, 3.0, 2.0, 1.0] and heads.series[1].y[0] == 1.5  # d_model / nhead
    groups = outcome("LN012", BuildPlan("GroupNorm", {"num_groups": 3, "num_channels": 16}))
    assert (groups[1], groups[2]) == (["1", "2", "4"], ["3", "5", "6", "7"])
    activation = outcome("LN009", BuildPlan("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "activation": "swish"}))
    assert (activation[1], activation[2]) == (["relu", "gelu"], ["swish"])
    nested = outcome("LN007", BuildPlan("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "norm_first": True}, 2))
    assert (nested[1], nested[2], nested[0].series[1].label) == (["False"], ["True"], "torch warns it turns the fast path off")
    assert imread(draw(heads, tmp_path / "heads.png")).shape[:2] == (800, 1200)


def test_the_depth_picture_adds_admin_where_admin_torch_is_installed_and_says_when_it_does_not(monkeypatch):
    import admin_torch  # noqa: F401  (the test extra installs it)

    cosine, amplification = depth_data(layer(32, 4, n=16), CPU, "t").panels
    post, pre, admin = cosine
    assert admin.label == "post-LN + Admin (admin_torch)"
    assert admin.y[-1] < min(post.y[-1], pre.y[-1]) - 0.1  # Admin keeps the tokens apart at depth 16
    assert amplification[2].y[-1] < 0.6 < amplification[0].y[-1]  # and bounds the output change
    monkeypatch.setitem(sys.modules, "admin_torch", None)
    left_out = depth_data(layer(32, 4, n=3), CPU, "t").panels[0]
    assert [s.label for s in left_out][2:] == ["Admin: not drawn (admin_torch is not installed)"] and left_out[2].x == []
    decoder = BuildPlan("TransformerDecoderLayer", {"d_model": 32, "nhead": 4, "dim_feedforward": 64}, 2)
    assert depth_data(decoder, CPU, "t").panels[0][2].label == "Admin: not drawn (drawn for encoder stacks only)"
