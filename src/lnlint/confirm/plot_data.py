"""The data series behind the pictures of `--plots` and `lnlint probe --plot`, measured with
torch (`lnlint.plots` draws them). Deterministic: the same seed gives the same series."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Callable

import torch

from lnlint.confirm import calibration as cal
from lnlint.confirm import metrics
from lnlint.confirm.build import BuildPlan, build_admin_stack, build_stack, first_layer, one_of_each, seeded_stack, width_proxy
from lnlint.confirm.probes import PROBES, ProbeOptions, construction_error
from lnlint.spec import attention_names

HEALTHY_WIDTH = 64
MAX_DEPTH_POINTS = 24


@dataclass
class Series:
    label: str
    x: list[float]
    y: list[float]


@dataclass
class PlotData:
    """What one picture shows: `kind` is width (scatter), depth or final-norm (curves), bars
    (one bar per design), or outcomes (one bar per value tried, at `tick_labels`)."""

    kind: str
    title: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    panels: list[list[Series]] = field(default_factory=list)  # plots side by side
    panel_x_labels: list[str] = field(default_factory=list)  # per panel, when they differ
    panel_y_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tick_labels: list[str] = field(default_factory=list)  # outcomes: the value at each x


def _project_2d(rows: torch.Tensor) -> tuple[list[float], list[float]]:
    """The rows' first two principal components (the raw features when there are at most 3)."""
    rows = rows.detach().double().cpu()
    if rows.shape[1] == 1:
        return rows[:, 0].tolist(), [0.0] * rows.shape[0]
    if rows.shape[1] <= 3:
        return rows[:, 0].tolist(), rows[:, 1].tolist()
    centred = rows - rows.mean(dim=0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    projected = centred @ v[:2].T
    return projected[:, 0].tolist(), projected[:, 1].tolist()


def _healthy(plan: BuildPlan) -> BuildPlan:
    """The same design at d_model 64 with the same head ratio (a norm: 64 features)."""
    if plan.kind in ("LayerNorm", "RMSNorm"):
        return BuildPlan(plan.kind, {**plan.kwargs, "normalized_shape": HEALTHY_WIDTH})
    heads = int(plan.kwargs.get("nhead", 1) or 1)
    head_dim = max(1, plan.d_model // heads)
    nhead = max(1, HEALTHY_WIDTH // max(head_dim, 8))
    kwargs = {**plan.kwargs, "d_model": HEALTHY_WIDTH, "nhead": nhead, "dim_feedforward": 4 * HEALTHY_WIDTH}
    return BuildPlan(plan.kind, kwargs, plan.depth, plan.final_norm)


@torch.no_grad()
def _rows(plan: BuildPlan, options: ProbeOptions) -> torch.Tensor:
    """What the collapse probes watch: a norm's output, a post-LN layer's output, or the
    first LayerNorm's output (what the sublayers see) in a pre-LN layer."""
    model = seeded_stack(one_of_each(plan), options.seed, options.device)
    x = metrics.random_input((cal.BATCH, cal.TOKENS, *plan.feature_shape), options.seed, options.device)
    if plan.single:
        rows = model(x)
    elif plan.kwargs.get("norm_first"):
        rows = first_layer(model).norm1(x)
    else:
        rows = model(x)
    return rows.reshape(-1, plan.d_model)


def width_data(plan: BuildPlan, options: ProbeOptions, title: str) -> PlotData:
    """LN001/LN002: the layer's rows projected to 2-D, beside the same layer at width 64."""
    data = PlotData("width", title, "first component", "second component")
    for label, shape in ((f"width {plan.d_model} (this design)", plan), (f"width {HEALTHY_WIDTH} (healthy)", _healthy(plan))):
        xs, ys = _project_2d(_rows(shape, options))
        data.panels.append([Series(label, xs, ys)])
    return data


def _depths(depth: int) -> list[int]:
    if depth <= MAX_DEPTH_POINTS:
        return list(range(1, depth + 1))
    step = depth / (MAX_DEPTH_POINTS - 1)
    return sorted({1, depth, *(round(1 + i * step) for i in range(MAX_DEPTH_POINTS - 1))})


def depth_data(plan: BuildPlan, options: ProbeOptions, title: str) -> PlotData:
    """LN005: token cosine at initialisation and Liu's amplification against depth, for the
    post-LN stack, the same stack pre-LN with a final norm, and (encoder stacks, where
    admin_torch is installed) post-LN with Admin's rescaling; the legend says when that
    curve is left out."""
    data = PlotData("depth", title, "depth (layers)", "")
    shape = width_proxy(plan)
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, shape.d_model), options.seed, options.device)
    post = BuildPlan(shape.kind, {**shape.kwargs, "norm_first": False}, shape.depth, shape.final_norm)
    pre = BuildPlan(shape.kind, {**shape.kwargs, "norm_first": True}, shape.depth, True)
    designs: list[tuple[str, Callable[[int], torch.nn.Module]]] = [
        ("post-LN (this design)", lambda depth: build_stack(post, depth)),
        ("pre-LN + final norm", lambda depth: build_stack(pre, depth)),
    ]
    admin = _admin_left_out(shape)
    if admin is None:
        designs.append(("post-LN + Admin (admin_torch)", lambda depth: build_admin_stack(shape, depth)))
    cosine_panel, amplification_panel = [], []
    for label, make in designs:
        depths, cosines, amplifications = _depths(plan.depth), [], []
        for depth in depths:
            torch.manual_seed(options.seed)
            model = make(depth).to(options.device).eval()
            with torch.no_grad():
                cosines.append(metrics.token_cosine(model(x)))
            torch.manual_seed(options.seed)
            single = make(1).to(options.device).eval()
            with torch.no_grad():
                amplifications.append(metrics.amplification(model, single, depth, x, options.seed)["amplification"])
        cosine_panel.append(Series(label, [float(d) for d in depths], cosines))
        amplification_panel.append(Series(label, [float(d) for d in depths], amplifications))
    if admin is not None:
        cosine_panel.append(Series(f"Admin: not drawn ({admin})", [], []))
    data.panels = [cosine_panel, amplification_panel]
    data.panel_y_labels = ["mean |cosine| between tokens at initialisation", "Liu's amplification (c_N / c_1)² / N"]
    if options.train:  # --confirm=train: the loss curves with and without warmup
        lr = options.lr or 3e-3
        curves = []
        for warmup in (0, 50):
            losses = metrics.train_reversal(lambda: build_stack(post), shape.d_model, lr, warmup, options.seed, options.device)
            curves.append(Series(f"post-LN, {warmup} warmup steps", [float(step) for step in range(1, len(losses) + 1)], losses))
        data.panels.append(curves)
        data.panel_x_labels = [data.x_label, data.x_label, "training step"]
        data.panel_y_labels.append(f"sequence-reversal loss (Adam, lr {lr:g})")
    return data


def _admin_left_out(shape: BuildPlan) -> str | None:
    """Why the Admin curve is not drawn for this stack (None: it is)."""
    if shape.kind != "TransformerEncoderLayer":
        return "drawn for encoder stacks only"
    if importlib.util.find_spec("admin_torch") is None:
        return "admin_torch is not installed"
    return None


def final_norm_data(plan: BuildPlan, options: ProbeOptions, title: str) -> PlotData:
    """LN006: output RMS / input RMS against depth, with and without a final norm."""
    data = PlotData("final-norm", title, "depth (layers)", "output RMS / input RMS")
    shape = width_proxy(BuildPlan(plan.kind, plan.kwargs, plan.depth, False))
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, shape.d_model), options.seed, options.device)
    for label, final in (("no final norm (this design)", False), ("with a final norm", True)):
        depths, growth = _depths(plan.depth), []
        for depth in depths:
            torch.manual_seed(options.seed)
            model = build_stack(BuildPlan(shape.kind, shape.kwargs, depth, final), depth).to(options.device).eval()
            growth.append(metrics.rms_growth(model, x))
        data.series.append(Series(label, [float(d) for d in depths], growth))
    return data


def heads_data(plan: BuildPlan, options: ProbeOptions, title: str) -> PlotData:
    """LN004: distinct attention targets per head, this head_dim beside head_dim 8 (or the
    widest a narrower model allows)."""
    data = PlotData("bars", title, "head_dim", "distinct attention targets per head (32 tokens)")
    x = metrics.random_input((cal.DEPTH_BATCH, 32, plan.d_model), options.seed, options.device)
    heads_name = attention_names(plan.kind)[1]
    given = int(plan.kwargs.get(heads_name, 1) or 1)
    wanted = (("this design", given), ("comparison", max(1, plan.d_model // min(8, plan.d_model))))
    for label, nhead in wanted:
        if plan.d_model % nhead:
            continue
        model = seeded_stack(one_of_each(BuildPlan(plan.kind, {**plan.kwargs, heads_name: nhead})), options.seed, options.device)
        attention = model if plan.kind == "MultiheadAttention" else first_layer(model).self_attn
        head_dim = plan.d_model // nhead
        data.series.append(Series(f"{label}: head_dim {head_dim}", [float(head_dim)], [metrics.distinct_attention_targets(attention, x)]))
    return data


def _against_default(plan: BuildPlan, options: ProbeOptions, title: str, code: str) -> PlotData:
    """LN008, LN010, LN011: the probe's measurement for this design beside torch's default
    value of the argument at fault (what torch does with each, when it refuses the design's)."""
    _, _, metric, label = _MEASURED[code]
    name, default = _argument_and_default(plan, code)
    given = plan.kwargs.get(name)
    if code == "LN010" and given is not None and float(given) <= 0:
        metric, label = "nan_share_of_constant_tokens", "share of an all-zero token's outputs that are NaN"
    data = PlotData("bars", title, name, label)
    for design, value in (("this design", plan.kwargs.get(name)), ("torch's default", default)):
        measured = PROBES[code](BuildPlan(plan.kind, {**plan.kwargs, name: value}, plan.depth, plan.final_norm), options)
        if metric not in measured.metrics:
            return outcome_data(plan, options, title, code)
        data.series.append(Series(f"{design}: {name}={value}", [float(len(data.series))], [measured.metrics[metric]]))
    return data


def _argument_and_default(plan: BuildPlan, code: str) -> tuple[str, object]:
    """LN008, LN010, LN011: the argument at fault, as the plan's class names it, and torch's
    default for it (a norm's `eps`; a feed-forward of 4 × d_model, torch's 2048 at 512)."""
    name, default, _, _ = _MEASURED[code]
    if plan.kind in ("LayerNorm", "RMSNorm", "GroupNorm"):
        name = "eps"
    return name, 4 * plan.d_model if code == "LN011" else default


# rule → (argument, torch's default, the probe's metric, what it is)
_MEASURED = {
    "LN008": ("dropout", 0.1, "zero_share", "share of the sublayers' outputs that are zero in training"),
    "LN010": ("layer_norm_eps", 1e-5, "output_std_of_std_0.3_tokens", "output std of tokens of std 0.3"),
    "LN011": ("dim_feedforward", 2048, "distinct_feedforward_rows", "distinct feed-forward outputs over 512 tokens"),
}

def outcome_data(plan: BuildPlan, options: ProbeOptions, title: str, code: str) -> PlotData:
    """LN003, LN007, LN009, LN012, and a value torch refuses for LN008/LN010/LN011: what
    torch does with each value of the argument at fault near the design's (one bar per
    value, coloured by whether torch raises, or for LN007 warns)."""
    name, candidates = _candidates(plan, code)
    given = plan.stack_kwargs.get(name, True) if code == "LN007" else plan.kwargs.get(name)
    failure = "torch warns it turns the fast path off" if code == "LN007" else "torch raises"
    fine = "torch builds it silently" if code == "LN007" else "torch builds it"
    width = {"LN003": plan.d_model, "LN012": plan.kwargs.get("num_channels")}.get(code)
    share = f"{attention_names(plan.kind)[0]} / {name}" if code == "LN003" else f"num_channels / {name}"
    data = PlotData("outcomes", title, name, f"{share} (torch needs a whole number)" if width else "")
    data.notes.append(f"each {name} built by torch with the design's other arguments")
    data.series = [Series(fine, [], []), Series(failure, [], [])]
    for position, value in enumerate(candidates):
        if code == "LN007":
            tried = BuildPlan(plan.kind, plan.kwargs, plan.depth, plan.final_norm, {**plan.stack_kwargs, name: value})
        else:
            tried = BuildPlan(plan.kind, {**plan.kwargs, name: value}, plan.depth, plan.final_norm, plan.stack_kwargs)
        failed = PROBES[code](tried, options).verdict == "confirmed" if code == "LN007" else construction_error(tried) is not None
        data.series[1 if failed else 0].x.append(float(position))
        data.series[1 if failed else 0].y.append(int(width) / value if width else 1.0)  # type: ignore[operator]
        data.tick_labels.append(f"{value}\n(this design)" if value == given else str(value))
    return data


def _candidates(plan: BuildPlan, code: str) -> tuple[str, list[object]]:
    """The argument at fault and the values to try: head or group counts around the given
    one, torch's activations beside the given name, the nested-tensor switch both ways."""
    if code == "LN007":
        return "enable_nested_tensor", [True, False]
    if code == "LN009":
        given = plan.kwargs.get("activation")
        return "activation", [given, *(name for name in ("relu", "gelu") if name != given)]
    if code in _MEASURED:
        name, default = _argument_and_default(plan, code)
        return name, [plan.kwargs.get(name), default]
    name = "num_groups" if code == "LN012" else attention_names(plan.kind)[1]
    given = int(plan.kwargs.get(name, 1) or 1)
    return name, list(range(max(1, given - 7), given + 5))


PLOTTED = {
    "LN001": width_data, "LN002": width_data, "LN004": heads_data, "LN005": depth_data, "LN006": final_norm_data,
    **{code: lambda plan, options, title, code=code: _against_default(plan, options, title, code) for code in _MEASURED},
    **{code: lambda plan, options, title, code=code: outcome_data(plan, options, title, code) for code in ("LN003", "LN007", "LN009", "LN012")},
}
