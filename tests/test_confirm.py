"""--confirm and `lnlint probe`, on CPU with real torch (skipped without torch)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from lnlint.confirm import calibration as cal  # noqa: E402
from lnlint.confirm import metrics  # noqa: E402
from lnlint.confirm.build import BuildPlan, build_stack  # noqa: E402
from lnlint.confirm.probes import (  # noqa: E402
    ProbeOptions,
    activation_probe,
    collapse_probe,
    construction_probe,
    depth_probe,
    dropout_probe,
    eps_probe,
    feedforward_probe,
    final_norm_probe,
    groups_probe,
    heads_probe,
    narrow_probe,
)

CPU = ProbeOptions(torch.device("cpu"))


def layer(d, h, norm_first=False, n=1, final=False, ff=None):
    return BuildPlan("TransformerEncoderLayer", {"d_model": d, "nhead": h, "dim_feedforward": ff or 4 * d, "norm_first": norm_first}, n, final)


def run(shape_probe, shape):
    return shape_probe(shape, CPU)


def confirmed(project, source, *args):
    project.write("model.py", source)
    return project.lint("--confirm", *args, "model.py")


# --- each probe: a healthy configuration passes, a broken one fails ---------------------------
def test_collapse_probe_seed_configuration_and_healthy_width():
    broken = run(collapse_probe, layer(2, 2))
    assert broken.verdict == "confirmed"
    assert broken.metrics["output_top2_mass"] >= 0.99
    assert broken.metrics["zero_gradient_share"] > 0.1
    healthy = run(collapse_probe, layer(64, 4))
    assert healthy.verdict == "not-reproduced"
    assert healthy.metrics["output_top2_mass"] < 0.05


def test_collapse_probe_pre_ln_reports_the_sublayer_input():
    measured = run(collapse_probe, layer(2, 1, norm_first=True))
    assert measured.verdict == "confirmed"
    assert measured.metrics["sublayer_input_top2_mass"] >= cal.TOP2_COLLAPSED
    assert measured.metrics["output_top2_mass"] < measured.metrics["sublayer_input_top2_mass"]
    assert "sublayer inputs (norm1)" in measured.summary


def test_narrow_layernorm_geometry():
    measured = run(narrow_probe, BuildPlan("LayerNorm", {"normalized_shape": 4}))
    assert measured.verdict == "confirmed"
    assert measured.metrics["output_rank"] <= 3
    assert measured.metrics["output_row_norm_spread"] < 0.01
    assert run(collapse_probe, BuildPlan("LayerNorm", {"normalized_shape": 4})).verdict == "not-reproduced"
    # With eps far above the variance LayerNorm stops normalising: the rows leave the sphere.
    loose = run(narrow_probe, BuildPlan("LayerNorm", {"normalized_shape": 4, "eps": 10.0}))
    assert loose.verdict == "not-reproduced"


def test_construction_probe():
    broken = run(construction_probe, layer(6, 4))
    assert broken.verdict == "confirmed"
    assert "AssertionError: embed_dim must be divisible by num_heads" in broken.summary
    assert run(construction_probe, layer(8, 4)).verdict == "not-reproduced"


def with_args(plan: BuildPlan, **kwargs) -> BuildPlan:
    return BuildPlan(plan.kind, {**plan.kwargs, **kwargs}, plan.depth, plan.final_norm)


def test_dropout_probe():
    everything = run(dropout_probe, with_args(layer(32, 4), dropout=1.0))
    assert everything.verdict == "confirmed" and everything.metrics["zero_share"] == 1.0
    refused = run(dropout_probe, with_args(layer(32, 4), dropout=1.5))
    assert refused.verdict == "confirmed" and "ValueError: dropout probability has to be between 0 and 1" in refused.summary
    healthy = run(dropout_probe, with_args(layer(32, 4), dropout=0.5))
    assert healthy.verdict == "not-reproduced" and 0.3 < healthy.metrics["zero_share"] < 0.7


def test_activation_probe():
    broken = run(activation_probe, with_args(layer(32, 4), activation="swish"))
    assert broken.verdict == "confirmed" and "activation should be relu/gelu, not swish" in broken.summary
    assert run(activation_probe, with_args(layer(32, 4), activation="gelu")).verdict == "not-reproduced"


def test_eps_probe_on_a_layernorm_and_on_a_layer():
    zero = run(eps_probe, BuildPlan("LayerNorm", {"normalized_shape": 16, "eps": 0.0}))
    assert zero.verdict == "confirmed" and zero.metrics["nan_share_of_constant_tokens"] == 1.0
    large = run(eps_probe, with_args(layer(32, 4), layer_norm_eps=0.5))
    assert large.verdict == "confirmed" and large.metrics["output_std_of_std_0.3_tokens"] < 0.5
    healthy = run(eps_probe, BuildPlan("LayerNorm", {"normalized_shape": 16, "eps": 1e-5}))
    assert healthy.verdict == "not-reproduced" and healthy.metrics["nan_share_of_constant_tokens"] == 0.0


def test_feedforward_probe():
    empty = run(feedforward_probe, with_args(layer(32, 4), dim_feedforward=0))
    assert empty.verdict == "confirmed" and empty.metrics["distinct_feedforward_rows"] == 1.0
    negative = run(feedforward_probe, with_args(layer(32, 4), dim_feedforward=-4))
    assert negative.verdict == "confirmed" and "negative dimension" in negative.summary
    assert run(feedforward_probe, layer(32, 4)).verdict == "not-reproduced"


def test_the_kin_of_the_layers_rmsnorm_attention_and_groupnorm():
    one = run(collapse_probe, BuildPlan("RMSNorm", {"normalized_shape": 1}))
    assert one.verdict == "confirmed" and one.metrics["output_top2_mass"] >= 0.99
    assert run(collapse_probe, BuildPlan("RMSNorm", {"normalized_shape": 64})).verdict == "not-reproduced"
    circle = run(narrow_probe, BuildPlan("RMSNorm", {"normalized_shape": 2}))
    assert circle.verdict == "confirmed"
    heads = run(heads_probe, BuildPlan("MultiheadAttention", {"embed_dim": 16, "num_heads": 16, "kdim": 32, "vdim": 32}))
    assert heads.verdict == "confirmed" and heads.metrics["distinct_targets_per_head"] <= 2.0
    assert run(heads_probe, BuildPlan("MultiheadAttention", {"embed_dim": 64, "num_heads": 8})).verdict == "not-reproduced"
    groups = run(groups_probe, BuildPlan("GroupNorm", {"num_groups": 32, "num_channels": 100}))
    assert groups.verdict == "confirmed" and "must be divisible by num_groups" in groups.summary
    assert run(groups_probe, BuildPlan("GroupNorm", {"num_groups": 20, "num_channels": 100})).verdict == "not-reproduced"
    zero_token = run(eps_probe, BuildPlan("RMSNorm", {"normalized_shape": 16, "eps": 0.0}))
    assert zero_token.verdict == "confirmed"


def test_heads_probe():
    broken = run(heads_probe, layer(16, 16))
    assert broken.verdict == "confirmed" and broken.metrics["distinct_targets_per_head"] <= 2.0
    healthy = run(heads_probe, layer(64, 8))
    assert healthy.verdict == "not-reproduced" and healthy.metrics["distinct_targets_per_head"] > cal.DISTINCT_TARGETS


def test_depth_probe_post_ln_24_layers_against_pre_ln():
    post = run(depth_probe, layer(32, 4, n=24))
    assert post.verdict == "confirmed"
    assert post.metrics["token_cosine"] >= 0.6
    assert post.metrics["amplification"] >= 0.8
    pre = run(depth_probe, layer(32, 4, norm_first=True, n=24, final=True))
    assert pre.verdict == "not-reproduced"
    assert pre.metrics["token_cosine"] < 0.6 and pre.metrics["amplification"] < 0.8


class _AdminLayer(torch.nn.Module):
    """Post-LN with Admin's residual scaling x·ω + f(x), ω from admin_torch's formula."""

    def __init__(self, d: int, omega: float) -> None:
        super().__init__()
        self.inner = torch.nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True)
        self.omega = omega

    def forward(self, x):
        inner = self.inner
        x = inner.norm1(x * self.omega + inner._sa_block(x, None, None))
        return inner.norm2(x * self.omega + inner._ff_block(x))


def test_admin_style_stack_is_not_in_the_linear_regime():
    import math

    def make(n):
        torch.manual_seed(0)
        omega = math.sqrt((2 * n + 1) / math.log(2 * n + 1) - 1)
        return torch.nn.Sequential(*[_AdminLayer(32, omega) for _ in range(n)]).eval()

    x = metrics.random_input((4, 32, 32), 0, torch.device("cpu"))
    measured = metrics.amplification(make(24), make(1), 24, x, 0)
    assert measured["amplification"] < cal.AMPLIFICATION_LINEAR


def test_final_norm_probe():
    broken = run(final_norm_probe, layer(32, 4, norm_first=True, n=6))
    assert broken.verdict == "confirmed" and broken.metrics["rms_growth"] >= cal.RMS_GROWTH
    healthy = run(final_norm_probe, layer(32, 4, norm_first=True, n=6, final=True))
    assert healthy.verdict == "not-reproduced"


def test_first_step_probe_uses_the_learning_rate():
    def change(lr):
        return depth_probe(layer(32, 4, n=18), ProbeOptions(torch.device("cpu"), lr=lr)).metrics["first_step_change"]

    small, large = change(3e-6), change(3e-3)
    # Adam's first step moves every weight by about lr: the output change scales with it.
    assert 0 < small < 0.05 < large
    assert large / small > 100


# --- through the command line ----------------------------------------------------------------
def test_seed_configuration_through_the_cli(project):
    (ln001, ln004) = confirmed(project, "import torch.nn as nn\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2, batch_first=True)\n")
    c = ln001["confirmation"]
    assert c["verdict"] == "confirmed" and c["metrics"]["output_top2_mass"] >= 0.99
    assert c["device"] == "cpu" and c["torch_version"] == torch.__version__ and c["seed"] == 0
    assert c["seconds"] >= 0 and c["proxy"] is None
    assert ln004["confirmation"]["verdict"] == "confirmed"


def test_concise_output_has_one_line_under_each_finding(project):
    project.write("m.py", "import torch.nn as nn\nnorm = nn.LayerNorm(4)\nlayer = nn.TransformerEncoderLayer(10, 4)\n")
    lines = project.run("--isolated", "--confirm", "m.py").output.splitlines()
    assert [line.split()[1] for line in lines[0:4:2]] == ["LN002", "LN003"]
    assert lines[1].startswith("    confirmed on cpu (torch ") and "rank 3 of 4" in lines[1]
    assert lines[3].startswith("    confirmed on cpu (torch ")
    assert lines[3].endswith("torch raised AssertionError: embed_dim must be divisible by num_heads")


def test_unknown_values_and_user_classes_are_skipped(project):
    source = (
        "import functools\nimport torch.nn as nn\n"
        "make = functools.partial(nn.TransformerEncoderLayer, 2, 1)\n"
        "class Block(nn.TransformerEncoderLayer):\n"
        "    def forward(self, x):\n        return x\n"
        "b = Block(2, 1)\n"
    )
    results = confirmed(project, source)
    assert [r["confirmation"]["verdict"] for r in results] == ["skipped", "skipped"]
    assert results[0]["confirmation"]["summary"] == "not built: dim_feedforward is unknown (left to the caller of the partial)"
    assert "Block overrides forward" in results[1]["confirmation"]["summary"]


def test_proxy_above_the_parameter_budget(project):
    source = "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), 24)\n"
    (finding,) = confirmed(project, source, "--confirm-max-params", "5000000")
    assert finding["confirmation"]["proxy"] == {"d_model": 64, "dim_feedforward": 256}
    assert "(on a proxy within --confirm-max-params: d_model=64, dim_feedforward=256)" in finding["confirmation"]["summary"]


def test_timeout_stops_a_probe_that_would_run_for_minutes_and_the_run_goes_on(project):
    # 200 post-LN layers trained twice for 200 steps take minutes on a CPU.
    source = (
        "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 200)\n"
        "x = nn.TransformerEncoderLayer(6, 4)\n"
    )
    limit = 4.0
    results = confirmed(project, source, "--confirm=train", "--confirm-timeout", str(limit))
    by_code = {r["code"]: r["confirmation"] for r in results}
    stopped = by_code["LN005"]
    assert stopped["verdict"] == "error" and "timed out after 4 s; the probe was stopped" in stopped["summary"]
    assert limit <= stopped["seconds"] <= limit + max(0.1 * limit, 2.0)
    assert by_code["LN003"]["verdict"] == "confirmed"


def test_same_input_same_numbers(project):
    source = "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4), 20)\nn = nn.LayerNorm(2)\n"
    first = [r["confirmation"]["metrics"] for r in confirmed(project, source)]
    second = [r["confirmation"]["metrics"] for r in confirmed(project, source)]
    assert first == second


def test_nn_transformer_stacks_and_nested_tensor_are_built_from_the_spec(project):
    source = (
        "import torch.nn as nn\n"
        "t = nn.Transformer(d_model=64, nhead=4, num_encoder_layers=24, num_decoder_layers=2)\n"
        "e = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, norm_first=True), 2, norm=nn.LayerNorm(64))\n"
    )
    by_code = {f["code"]: f["confirmation"] for f in confirmed(project, source, "--select", "LN,LN007")}
    assert set(by_code) == {"LN005", "LN007"}
    assert by_code["LN005"]["verdict"] == "confirmed"
    assert by_code["LN005"]["metrics"]["estimated_parameters"] == sum(
        p.numel() for p in build_stack(layer(64, 4, n=24, ff=2048, final=True)).parameters()
    )
    assert by_code["LN007"]["verdict"] == "confirmed"
    assert "encoder_layer.norm_first was True" in by_code["LN007"]["summary"]


def test_sarif_carries_the_confirmation(project):
    project.write("m.py", "import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    sarif = json.loads(project.run("--isolated", "--output-format", "sarif", "--confirm", "m.py").output)
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["confirmation"]["verdict"] == "confirmed"


def test_probe_command(project):
    healthy = project.run("probe", "--d-model", "64", "--nhead", "4", "--device", "cpu")
    assert healthy.exit_code == 0
    assert "collapse: not-reproduced" in healthy.output and "heads: not-reproduced" in healthy.output
    broken = project.run("probe", "--d-model", "2", "--nhead", "2", "--num-layers", "24", "--lr", "3e-3")
    assert "collapse: confirmed: 100% of 512 output rows on 2 points" in broken.output
    assert "depth:" in broken.output and "first_step_change" in broken.output
    assert "construction: confirmed" in project.run("probe", "--d-model", "6", "--nhead", "4").output


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_requested_without_a_gpu_is_a_clear_error(project):
    project.write("m.py", "import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    result = project.run("--isolated", "--confirm", "--device", "cuda", "m.py")
    assert result.exit_code == 2
    assert "no such CUDA device is available" in result.stderr


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_confirm_on_cuda(project):
    results = confirmed(project, "import torch.nn as nn\nx = nn.TransformerEncoderLayer(2, 2)\n", "--device", "cuda")
    assert results[0]["confirmation"]["device"].startswith("cuda")
    assert results[0]["confirmation"]["verdict"] == "confirmed"


def test_without_torch_confirm_exits_2_and_lint_still_works(tmp_path):
    fake = tmp_path / "fake"
    (fake / "torch").mkdir(parents=True)
    (fake / "torch" / "__init__.py").write_text("raise ImportError('no torch here')\n")
    (tmp_path / "m.py").write_text("import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    env = {**os.environ, "PYTHONPATH": str(fake)}
    cmd = [sys.executable, "-m", "lnlint", "--isolated", str(tmp_path / "m.py")]
    confirm = subprocess.run([*cmd, "--confirm"], capture_output=True, text=True, env=env)
    assert confirm.returncode == 2
    assert confirm.stderr.strip() == "lnlint: error: torch is not installed; pip install 'lnlint[confirm]'"
    plain = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert plain.returncode == 1 and "LN001" in plain.stdout


def test_confirm_train_runs_the_training_probe(project):
    source = "import torch.nn as nn\nenc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 12)\n"
    project.write("model.py", source)
    # Timeouts have their own test; this one must not depend on how loaded the machine is.
    args = ("--isolated", "--output-format", "json", "--confirm=train", "--confirm-timeout", "600")
    (finding,) = project.run(*args, "--select", "LN005", "model.py").json()
    c = finding["confirmation"]
    assert c["verdict"] != "error", c["summary"]
    # 12 post-LN layers train without warmup (background.md §2): both runs learn the task.
    for key in ("train_loss_warmup_0", "train_loss_warmup_50"):
        assert 0 <= c["metrics"][key] < cal.STUCK_LOSS * 2.303
    assert "sequence reversal after 200 steps" in c["summary"]


@pytest.mark.parametrize(
    "shape",
    [
        layer(512, 8, n=2, ff=2048),
        layer(24, 4, n=3, ff=40, final=True),
        BuildPlan("TransformerDecoderLayer", {"d_model": 16, "nhead": 2, "dim_feedforward": 8, "bias": False}, 2),
        BuildPlan("Transformer", {"d_model": 16, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 3, "dim_feedforward": 8}),
        BuildPlan("LayerNorm", {"normalized_shape": (3, 5)}),
        BuildPlan("LayerNorm", {"normalized_shape": [4], "elementwise_affine": False}),
    ],
)
def test_parameter_count_is_exact_before_building(shape):
    built = sum(p.numel() for p in build_stack(shape).parameters())
    assert shape.parameter_count() == built


def test_cost_is_estimated_before_building():
    measured = run(depth_probe, layer(512, 8, n=2, ff=2048))
    assert measured.metrics["estimated_parameters"] == sum(p.numel() for p in build_stack(layer(512, 8, n=2, ff=2048)).parameters())
    assert measured.metrics["estimated_activation_bytes"] > 0


def test_over_budget_width_probe_uses_a_narrower_feedforward(project):
    (finding, _) = confirmed(project, "import torch.nn as nn\nx = nn.TransformerEncoderLayer(d_model=3, nhead=3, dim_feedforward=10**12)\n")
    c = finding["confirmation"]
    assert finding["code"] == "LN002" and c["verdict"] == "confirmed"
    assert c["proxy"] == {"dim_feedforward": 12}
    assert c["metrics"]["estimated_parameters"] < 1000


def test_nothing_fits_the_budget_is_skipped_with_the_estimate(project):
    source = "import torch.nn as nn\nx = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 8), num_layers=10**9)\n"
    (finding,) = confirmed(project, source)
    c = finding["confirmation"]
    assert finding["code"] == "LN005" and c["verdict"] == "skipped"
    assert c["summary"].startswith("not built: it needs about ")
    assert "no proxy of it fits --confirm-max-params=200,000,000" in c["summary"]
    assert c["seconds"] < 5


@pytest.mark.parametrize("shape_source", ["(3,)", "[2]", "(1, 2)", "[2, 2]"])
def test_layernorm_of_a_tuple_or_list_shape_is_built_and_measured(project, shape_source):
    (finding,) = confirmed(project, f"import torch.nn as nn\nn = nn.LayerNorm({shape_source})\n")
    c = finding["confirmation"]
    assert c["verdict"] == "confirmed", c["summary"]
    width = 1
    for d in eval(shape_source):
        width *= d
    assert c["metrics"]["output_rows"] == cal.BATCH * cal.TOKENS
    if width <= 2:
        assert c["metrics"]["output_top2_mass"] >= cal.TOP2_COLLAPSED
    else:
        assert "rank" in c["summary"] and f"of {width}" in c["summary"]


def test_absurd_sizes_never_allocate(tmp_path):
    """The sizes of the issue that once asked for 12 TB or ran for a minute: every finding is
    measured on a proxy or skipped with its estimate, quickly and in little memory."""
    import resource

    source = (
        "import torch.nn as nn\n"
        "deep = nn.TransformerEncoder(nn.TransformerEncoderLayer(4096, 8), num_layers=10_000)\n"
        "wide_ff = nn.TransformerEncoderLayer(d_model=3, nhead=3, dim_feedforward=10**12)\n"
        "heads = nn.Transformer(d_model=4096, nhead=4096, num_encoder_layers=100)\n"
        "endless = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 8), num_layers=10**12)\n"
        "norm = nn.LayerNorm((2, 10**0))\n"
    )
    (tmp_path / "absurd.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "lnlint", "--isolated", "--output-format", "json", "--confirm", "absurd.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    verdicts = [f["confirmation"]["verdict"] for f in json.loads(done.stdout)]
    assert verdicts and "error" not in verdicts
    # ru_maxrss is in KiB on Linux: the largest process this test session has waited for.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 2 * 2**20
