"""Rule decisions: thresholds, severities, mitigations, placement."""

from __future__ import annotations

import pytest

HEAD = "import torch.nn as nn\n"


def post_ln_stack(depth: int, extra: str = "") -> str:
    return HEAD + extra + f"enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), {depth})\n"


@pytest.mark.parametrize(
    "depth,severity", [(11, None), (12, "warning"), (17, "warning"), (18, "error"), (50, "error")]
)
def test_deep_post_ln_severity_by_depth(project, depth, severity):
    findings = project.findings(post_ln_stack(depth))
    assert [f["severity"] for f in findings] == ([severity] if severity else [])


MITIGATIONS = {
    "hf scheduler": "from transformers import get_linear_schedule_with_warmup\ns = get_linear_schedule_with_warmup(opt, 4000, 10**5)\n",
    "warmup keyword": "trainer = Trainer(warmup_steps=4000)\n",
    "warmup assignment": "num_warmup_steps = 1000\n",
    "warmup dict key": "cfg = {'warmup_ratio': 0.1}\n",
    "LinearLR default": "from torch.optim.lr_scheduler import LinearLR\ns = LinearLR(opt, total_iters=100)\n",
    "OneCycleLR": "import torch\ns = torch.optim.lr_scheduler.OneCycleLR(opt, 1e-3, total_steps=1000)\n",
    "inverse_sqrt string": "args = Namespace(lr_scheduler='inverse_sqrt')\n",
}


@pytest.mark.parametrize("extra", MITIGATIONS.values(), ids=MITIGATIONS.keys())
def test_warmup_silences_the_warning_and_downgrades_depth_errors(project, extra):
    assert project.findings(post_ln_stack(12, extra)) == []
    assert project.findings(post_ln_stack(24, extra)) == []
    (finding,) = project.findings(post_ln_stack(50, extra))
    assert finding["severity"] == "error" and "even with warmup" in finding["message"]


NOT_WARMUP = {
    "zero warmup": "trainer = Trainer(warmup_steps=0)\n",
    "LinearLR that decays": "from torch.optim.lr_scheduler import LinearLR\ns = LinearLR(opt, start_factor=1.0, end_factor=0.1)\n",
    "word in a comment": "# TODO: warmup_steps\n",
}


@pytest.mark.parametrize("extra", NOT_WARMUP.values(), ids=NOT_WARMUP.keys())
def test_things_that_are_not_warmup(project, extra):
    assert [f["severity"] for f in project.findings(post_ln_stack(12, extra))] == ["warning"]


RESCALING = {
    "admin_torch": "import admin_torch\nresidual = admin_torch.as_module(24)\n",
    "from admin_torch import": "from admin_torch import as_parameter\nas_parameter(m, 'omega', 24)\n",
    "deepnorm flag": "model = build(deepnorm=True)\n",
    "residual scaling": "def res(x, f, alpha):\n    return x * alpha + f(x)\n",
}


@pytest.mark.parametrize("extra", RESCALING.values(), ids=RESCALING.keys())
def test_admin_or_deepnorm_silences_every_depth(project, extra):
    for depth in (12, 24, 60):
        assert project.findings(post_ln_stack(depth, extra)) == [], depth


def test_admin_imported_but_unused_is_not_a_mitigation(project):
    assert [f["severity"] for f in project.findings(post_ln_stack(12, "import admin_torch\n"))] == ["warning"]


def test_deepnorm_false_is_not_a_mitigation(project):
    assert len(project.findings(post_ln_stack(12, "model = build(deepnorm=False)\n"))) == 1


def test_pre_ln_and_unknown_placement_are_not_deep_post_ln(project):
    pre = HEAD + "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 48, norm=nn.LayerNorm(512), enable_nested_tensor=False)\n"
    unknown = HEAD + "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=flag), 48)\n"
    assert project.findings(pre) == []
    assert project.findings(unknown) == []


def test_thresholds_come_from_configuration(project):
    project.write("pyproject.toml", "[tool.lnlint]\npost-ln-depth = 6\nmin-width = 16\nmin-head-dim = 4\n")
    project.write("model.py", post_ln_stack(6) + "n = nn.LayerNorm(12)\nx = nn.TransformerEncoderLayer(64, 32)\n")
    run = project.run("--output-format", "json", "model.py")
    assert sorted(run.codes()) == ["LN002", "LN004", "LN005"]


PRE_LN_LAYER = "nn.TransformerEncoderLayer(512, 8, norm_first=True)"
NO_LN007 = ("--ignore", "LN007")  # pre-LN encoders also get LN007 (info), tested on its own


def test_pre_ln_stack_without_final_norm(project):
    findings = project.findings(HEAD + f"enc = nn.TransformerEncoder({PRE_LN_LAYER}, 6)\n", *NO_LN007)
    assert [f["code"] for f in findings] == ["LN006"]
    assert "enable_nested_tensor=False" in findings[0]["message"]


FINAL_NORMS = {
    "norm keyword": f"enc = nn.TransformerEncoder({PRE_LN_LAYER}, 6, norm=nn.LayerNorm(512))",
    "norm positional": f"enc = nn.TransformerEncoder({PRE_LN_LAYER}, 6, nn.LayerNorm(512))",
    "norm by name": f"ln = nn.LayerNorm(512)\nenc = nn.TransformerEncoder({PRE_LN_LAYER}, 6, norm=ln)",
    "wrapping call in forward": (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        f"        self.enc = nn.TransformerEncoder({PRE_LN_LAYER}, 6)\n"
        "        self.ln_f = nn.LayerNorm(512)\n"
        "    def forward(self, x):\n"
        "        return self.ln_f(self.enc(x))"
    ),
    "later statement, ModuleList": (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        f"        self.blocks = nn.ModuleList([{PRE_LN_LAYER} for _ in range(6)])\n"
        "        self.out = nn.LayerNorm(512)\n"
        "    def forward(self, x):\n"
        "        for block in self.blocks:\n"
        "            x = block(x)\n"
        "        return self.out(x)"
    ),
}


@pytest.mark.parametrize("body", FINAL_NORMS.values(), ids=FINAL_NORMS.keys())
def test_final_norm_forms(project, body):
    assert project.findings(HEAD + body + "\n", *NO_LN007) == []


def test_norm_applied_before_the_stack_does_not_count(project):
    body = (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        f"        self.enc = nn.TransformerEncoder({PRE_LN_LAYER}, 6)\n"
        "        self.norm = nn.LayerNorm(512)\n"
        "    def forward(self, x):\n"
        "        x = self.norm(x)\n"
        "        return self.enc(x)\n"
    )
    assert [f["code"] for f in project.findings(HEAD + body, *NO_LN007)] == ["LN006"]


def test_final_norm_too_narrow_names_its_role(project):
    findings = project.findings(
        HEAD + "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, norm_first=True), 2, norm=nn.LayerNorm(2))\n", *NO_LN007
    )
    assert [f["code"] for f in findings] == ["LN001"]
    assert "final norm of the TransformerEncoder at line 2" in findings[0]["message"]


@pytest.mark.parametrize(
    "call,code",
    [
        ("nn.TransformerEncoderLayer(100, 8)", "LN003"),
        ("nn.TransformerDecoderLayer(512, 0)", "LN003"),
        ("nn.Transformer(d_model=500, nhead=8)", "LN003"),
        ("nn.TransformerEncoderLayer(64, 64)", "LN004"),
        ("nn.TransformerEncoderLayer(64, 32)", None),
        ("nn.LayerNorm((2, 4))", None),
        ("nn.LayerNorm((1, 2))", "LN001"),
        ("nn.LayerNorm([4])", "LN002"),
    ],
)
def test_head_and_width_rules(project, call, code):
    assert project.codes(HEAD + f"x = {call}\n") == ([code] if code else [])


@pytest.mark.parametrize(
    "layer,fragments",
    [
        ("nn.TransformerEncoderLayer(2, 1)", ["two points", "post-LN layer's output", "norm_first=True does not fix"]),
        ("nn.TransformerEncoderLayer(2, 1, norm_first=True)", ["two points", "pre-LN layer", "norm_first=True does not fix"]),
        ("nn.Transformer(2, 1)", ["two points", "whatever norm_first says"]),
        ("nn.TransformerDecoderLayer(1, 1)", ["the constant β", "post-LN layer's output"]),
    ],
)
def test_ln001_message_says_where_the_collapse_is(project, layer, fragments):
    (finding,) = [f for f in project.findings(HEAD + f"x = {layer}\n") if f["code"] == "LN001"]
    for fragment in fragments:
        assert fragment in finding["message"]


UNKNOWN_DEPTH_STACKS = {
    "constructor parameter": (
        "class Encoder(nn.Module):\n"
        "    def __init__(self, num_layers):\n"
        "        super().__init__()\n"
        f"        self.enc = nn.TransformerEncoder({PRE_LN_LAYER}, num_layers)\n"
    ),
    "keyword parameter": (
        "def build(d_model, nhead, num_layers):\n"
        "    layer = nn.TransformerEncoderLayer(d_model, nhead, norm_first=True)\n"
        "    return nn.TransformerEncoder(layer, num_layers=num_layers)\n"
    ),
    "module list": (
        "def blocks(n):\n"
        f"    return nn.ModuleList([{PRE_LN_LAYER} for _ in range(n)])\n"
    ),
}


@pytest.mark.parametrize("body", UNKNOWN_DEPTH_STACKS.values(), ids=list(UNKNOWN_DEPTH_STACKS))
def test_pre_ln_stack_of_unknown_depth_still_lacks_its_final_norm(project, body):
    (finding,) = project.findings(HEAD + body, *NO_LN007)
    assert finding["code"] == "LN006"
    assert "stack of an unknown number of layers (depth unknown (" in finding["message"]


def test_unknown_depth_is_silent_where_depth_decides(project):
    post_ln = HEAD + "def build(n):\n    return nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), n)\n"
    assert project.findings(post_ln) == []
    with_norm = HEAD + f"def build(n):\n    return nn.TransformerEncoder({PRE_LN_LAYER}, n, norm=nn.LayerNorm(512))\n"
    assert project.findings(with_norm, *NO_LN007) == []


def test_extra_warmup_keys_apply_to_python_and_configs_alike(project):
    project.write("pyproject.toml", '[tool.lnlint]\nextra-warmup-keys = ["my_ramp_steps"]\n')
    project.write("model.py", post_ln_stack(24, "my_ramp_steps = 4000\n"))
    project.write("config.yaml", "net:\n  d_model: 512\n  num_heads: 8\n  num_layers: 24\n  norm_first: false\nmy_ramp_steps: 4000\n")
    with_setting = project.run("--output-format", "json", ".").json()
    assert [(f["filename"], f["code"], f["severity"]) for f in with_setting] == []
    (project.root / "pyproject.toml").unlink()
    without = project.run("--output-format", "json", ".").json()
    assert [(f["filename"], f["code"], f["severity"]) for f in without] == [
        ("config.yaml", "LN005", "error"), ("model.py", "LN005", "error")
    ]


NESTED_TENSOR = {
    "default": ("enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6, norm=nn.LayerNorm(512))", ["LN007"]),
    "explicit True": ("enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6, nn.LayerNorm(512), True)", ["LN007"]),
    "turned off": ("enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6, nn.LayerNorm(512), enable_nested_tensor=False)", []),
    "post-LN": ("enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), 6)", []),
    "decoder": ("dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(512, 8, norm_first=True), 6, norm=nn.LayerNorm(512))", []),
    "unknown placement": ("enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=flag), 6, norm=nn.LayerNorm(512))", []),
}


@pytest.mark.parametrize("body,codes", NESTED_TENSOR.values(), ids=list(NESTED_TENSOR))
def test_nested_tensor_with_pre_ln(project, body, codes):
    findings = project.findings(HEAD + body + "\n", "--select", "LN,LN007")  # LN007 is off by default
    assert [f["code"] for f in findings] == codes
    for finding in findings:
        assert finding["severity"] == "info"
        assert "Pass enable_nested_tensor=False" in finding["message"]


def test_a_one_layer_stack_is_named_in_the_singular(project):
    project.write("model.py", (
        "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(64, 4, norm_first=True)\n"
        "encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)\n"
    ))
    (finding,) = project.lint("model.py")
    assert "stack of 1 layer (depth = 1)" in finding["message"]


# --- sizes and eps torch refuses or turns to NaN ----------------------------------------------
# Each: the construction, the rule, and the input that shows torch's error when the
# construction itself builds (None: torch raises while building it).
REFUSED_BY_TORCH = {
    "d_model and nhead 0": ("nn.TransformerEncoderLayer(d_model=0, nhead=0)", "LN003", None),
    "negative d_model": ("nn.TransformerEncoderLayer(d_model=-8, nhead=2)", "LN003", None),
    "nhead 0": ("nn.TransformerEncoderLayer(d_model=8, nhead=0)", "LN003", None),
    "negative embed_dim": ("nn.MultiheadAttention(-4, 1)", "LN003", None),
    "negative decoder d_model": ("nn.TransformerDecoderLayer(-8, 2)", "LN003", None),
    "negative LayerNorm width": ("nn.LayerNorm(-4)", "LN001", None),
    "negative dimension without weight": ("nn.LayerNorm((4, -1), elementwise_affine=False)", "LN001", (2, 4, 1)),
    "RMSNorm over 0 features": ("nn.RMSNorm(0)", "LN001", (2, 8)),
    "LayerNorm over 0 features": ("nn.LayerNorm((4, 0))", "LN001", (2, 4, 3)),
    "GroupNorm of 0 groups": ("nn.GroupNorm(0, 4)", "LN012", None),
    "GroupNorm of negative groups that divide": ("nn.GroupNorm(-2, 4)", "LN012", (2, 4)),
    "GroupNorm of negative groups that do not divide": ("nn.GroupNorm(-3, 4)", "LN012", None),
    "GroupNorm not divisible": ("nn.GroupNorm(3, 4)", "LN012", None),
}


def _torch_error(construction: str, applied_to: tuple[int, ...] | None) -> str:
    torch = pytest.importorskip("torch")
    try:
        module = eval(construction, {"nn": torch.nn})  # the snippet linted, built by torch itself
        if applied_to is not None:
            module(torch.randn(*applied_to))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError(f"torch accepted {construction}")


@pytest.mark.parametrize("construction,code,applied_to", REFUSED_BY_TORCH.values(), ids=list(REFUSED_BY_TORCH))
def test_sizes_torch_refuses_are_reported_with_the_error_torch_raises(project, construction, code, applied_to):
    (finding,) = project.findings(HEAD + f"m = {construction}\n")
    assert (finding["code"], finding["severity"]) == (code, "error")
    quoted = finding["message"].split("`")[1]  # the first quotation is what this construction raises
    assert _torch_error(construction, applied_to).startswith(quoted.removesuffix(" ..."))


def test_a_negative_width_with_a_weight_left_to_the_default_names_both_errors(project):
    (finding,) = project.findings(HEAD + "import torch.nn.functional as F\ny = F.layer_norm(x, (-3,))\n")
    quotations = finding["message"].split("`")[1::2]
    assert len(quotations) == 2  # F.layer_norm has no weight to create: the second one is its error
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as raised:
        torch.nn.functional.layer_norm(torch.randn(2, 3), (-3,))
    assert f"RuntimeError: {raised.value}".startswith(quotations[1].removesuffix(" ..."))


@pytest.mark.parametrize("eps", ['float("nan")', "float('NaN')", "NAN"])
def test_a_nan_eps_is_an_error(project, eps):
    (finding,) = project.findings(HEAD + f"NAN = float('nan')\nnorm = nn.LayerNorm(512, eps={eps})\n")
    assert (finding["code"], finding["severity"]) == ("LN010", "error")
    assert "every output is NaN" in finding["message"]
    torch = pytest.importorskip("torch")
    assert torch.isnan(torch.nn.LayerNorm(512, eps=float("nan"))(torch.randn(4, 512))).all()


def test_float_of_something_else_is_not_a_number_lnlint_invents(project):
    source = HEAD + "def float(x):\n    return 1e-5\nnorm = nn.LayerNorm(512, eps=float('nan'))\nother = nn.LayerNorm(512, eps=float(text))\n"
    assert project.findings(source) == []


# --- LN005 judges training set-ups, not trained weights ------------------------------------------------
DEEP_POST_LN = "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), 24)\n"


@pytest.mark.parametrize(
    "loading",
    [
        "enc.load_state_dict(torch.load('weights.pt'))\n",
        "from transformers import AutoModel\nbert = AutoModel.from_pretrained('bert-base-uncased')\n",
        "import lightning\nmodel = lightning.LightningModule.load_from_checkpoint('last.ckpt')\n",
    ],
    ids=["load_state_dict", "from_pretrained", "load_from_checkpoint"],
)
def test_a_deep_post_ln_stack_whose_weights_are_loaded_is_not_ln005(project, loading):
    assert [f["code"] for f in project.findings("import torch\n" + HEAD + DEEP_POST_LN)] == ["LN005"]
    assert project.findings("import torch\n" + HEAD + DEEP_POST_LN + loading) == []


def test_a_speechbrain_pretrainer_silences_ln005_but_not_the_width_rules(project):
    text = (
        "encoder: !new:torch.nn.TransformerEncoder\n"
        "  encoder_layer: !new:torch.nn.TransformerEncoderLayer\n    d_model: 512\n    nhead: 8\n  num_layers: 24\n"
        "norm: !new:torch.nn.LayerNorm\n  normalized_shape: 2\n"
    )
    project.write("hparams.yaml", text)
    assert sorted(f["code"] for f in project.lint("hparams.yaml")) == ["LN001", "LN005"]
    project.write("hparams.yaml", text + "pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer\n  loadables:\n    encoder: !ref <encoder>\n")
    assert [f["code"] for f in project.lint("hparams.yaml")] == ["LN001"]


# --- LN006: a later norm counts when it is applied to the stack's output ------------------------------
def _encoder_class(forward: str, extra: str = "") -> str:
    return (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        f"        self.encoder = nn.TransformerEncoder({PRE_LN_LAYER}, 6)\n"
        "        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(512, 8, norm_first=True), 6, norm=nn.LayerNorm(512))\n"
        "        self.ln_f = nn.LayerNorm(512)\n"
        "        self.drop = nn.Dropout(0.1)\n"
        f"{extra}"
        "    def forward(self, src, tgt):\n"
        f"{forward}"
    )


NORMALISED = {
    "helper-built head": (
        "        encoded = self.encoder(src)\n        return self.head(encoded[:, -1, :])\n",
        "        self.head = self._make_head()\n    def _make_head(self):\n        return nn.Sequential(nn.LayerNorm(512), nn.Linear(512, 10))\n",
    ),
    "helper-built head by name": (
        "        h = self.encoder(src).mean(dim=1)\n        return self.head(h)\n",
        "        self.head = self._make_head()\n    def _make_head(self):\n        head = nn.Sequential(nn.LayerNorm(512), nn.ReLU())\n        return head\n",
    ),
    "through dropout and reshaping": ("        x = self.encoder(src)\n        y = self.drop(x).transpose(0, 1)\n        return self.ln_f(y)\n", ""),
    "functional norm": ("        x = self.encoder(src)\n        return F.layer_norm(x[:, 0], (512,))\n", ""),
}


@pytest.mark.parametrize("forward, extra", NORMALISED.values(), ids=NORMALISED.keys())
def test_a_norm_applied_to_the_stacks_output_is_its_final_norm(project, forward, extra):
    source = HEAD + "import torch.nn.functional as F\n" + _encoder_class(forward, extra)
    assert project.findings(source, *NO_LN007) == []


def test_a_norm_applied_to_another_path_does_not_count(project):
    """The encoder's output is the decoder's memory: ln_f normalises the decoder's output only."""
    forward = "        memory = self.encoder(src)\n        x = self.decoder(tgt, memory)\n        return self.ln_f(x)\n"
    (finding,) = project.findings(HEAD + _encoder_class(forward), *NO_LN007)
    assert (finding["code"], finding["location"]["row"]) == ("LN006", 4)


def test_ln006_on_a_degenerate_width_says_to_widen_first(project):
    findings = project.findings(HEAD + "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(2, 1, norm_first=True), 6)\n", *NO_LN007)
    (ln006,) = [f for f in findings if f["code"] == "LN006"]
    assert "widen the layers first" in ln006["message"] and "LN001" in ln006["message"]
    wide = project.findings(HEAD + "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, norm_first=True), 6)\n", *NO_LN007)
    assert "widen" not in wide[0]["message"]
