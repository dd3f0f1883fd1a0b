"""One probe per rule: build the finding's configuration, measure, decide a verdict."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from lnlint.confirm import calibration as cal
from lnlint.confirm import metrics
from lnlint.confirm.build import BuildPlan, build_layer, build_stack, first_layer, one_of_each, seeded_stack, width_proxy, within_budget


@dataclass
class Measurement:
    verdict: str  # confirmed | not-reproduced
    metrics: dict[str, float]
    summary: str
    proxy: dict | None = None


@dataclass(frozen=True)
class ProbeOptions:
    device: torch.device
    seed: int = cal.SEED
    max_params: int = 200_000_000
    lr: float | None = None
    train: bool = False


Probe = Callable[[BuildPlan, ProbeOptions], Measurement]
PROBES: dict[str, Probe] = {}  # rule code → the probe that confirms it


def confirms(code: str) -> Callable[[Probe], Probe]:
    """Register a probe as the one that confirms `code` (each rule has at most one)."""

    def register(probe: Probe) -> Probe:
        if code in PROBES:
            raise ValueError(f"{code} already has a probe")
        PROBES[code] = probe
        return probe

    return register


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 or x == 0 else f"{100 * x:.3f}%"


def _estimates(plan: BuildPlan, batch: int, tokens: int) -> dict[str, float]:
    """What building and running the plan costs, estimated before anything is built."""
    return {
        "estimated_parameters": float(plan.parameter_count()),
        "estimated_activation_bytes": float(plan.activation_bytes(batch, tokens)),
    }


@dataclass
class _NormRows:
    """What the width probes measure on one layer's rows."""

    metrics: dict[str, float]
    watched: dict[str, float]  # collapse statistics of the rows the rule is about
    normalised: dict[str, float]  # of a LayerNorm's own output rows
    summary: str
    non_finite: bool
    proxy: dict | None


def _layernorm_measurements(plan: BuildPlan, options: ProbeOptions) -> _NormRows:
    """Collapse statistics of the output and of the first LayerNorm's output (norm1), the
    zero-gradient share; the rows watched are norm1's for a pre-LN layer."""
    d = plan.d_model
    single, reduced = within_budget(BuildPlan(plan.kind, plan.kwargs), options.max_params, cal.BATCH, cal.TOKENS, keep_width=True)
    model = seeded_stack(single, options.seed, options.device)
    x = metrics.random_input((cal.BATCH, cal.TOKENS, *plan.feature_shape), options.seed, options.device)
    with torch.no_grad():
        y = model(x)
    output = metrics.collapse(y.reshape(-1, d))
    found = {f"output_{k}": v for k, v in output.items()}
    found["token_cosine"] = metrics.token_cosine(y.reshape(cal.BATCH, cal.TOKENS, d))
    pre_ln = plan.kind in ("TransformerEncoderLayer", "TransformerDecoderLayer") and plan.kwargs.get("norm_first")
    watched, sub = output, output
    where = "output rows"
    if not plan.single:
        with torch.no_grad():
            sublayer = first_layer(model).norm1(x)
        sub = metrics.collapse(sublayer.reshape(-1, d))
        found.update({f"sublayer_input_{k}": v for k, v in sub.items()})
        if pre_ln:
            watched, where = sub, "sublayer inputs (norm1)"
    dead, non_finite = metrics.dead_gradients(model, x, options.seed)
    found["zero_gradient_share"] = dead
    found["non_finite_gradients"] = float(non_finite)
    found.update(_estimates(single, cal.BATCH, cal.TOKENS))
    summary = (
        f"{_percent(watched['top2_mass'])} of {int(watched['rows'])} {where} on 2 points "
        f"({int(watched['distinct_rows'])} distinct); token |cos| {found['token_cosine']:.2f}; "
        f"{_percent(dead)} of parameters receive zero gradient"
    )
    if pre_ln:
        summary += f"; layer output top-2 mass {_percent(output['top2_mass'])} (the residual hides it)"
    normalised = output if plan.single else sub
    return _NormRows(found, watched, normalised, summary, non_finite, reduced)


@confirms("LN001")
def collapse_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN001: the rows collapse onto one or two points, or the gradients die."""
    rows = _layernorm_measurements(plan, options)
    collapsed = (
        rows.watched["top2_mass"] >= cal.TOP2_COLLAPSED
        or rows.metrics["zero_gradient_share"] >= cal.DEAD_GRADIENTS
        or rows.non_finite
    )
    return Measurement("confirmed" if collapsed else "not-reproduced", rows.metrics, rows.summary, rows.proxy)


@confirms("LN002")
def narrow_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN002: LayerNorm's rows keep d-2 degrees of freedom: centred rank <= d-1, equal norms
    (RMSNorm's, d-1: equal norms)."""
    rows = _layernorm_measurements(plan, options)
    d, normalised = plan.d_model, rows.normalised
    centred = plan.kind == "RMSNorm" or normalised["rank"] <= d - 1
    on_sphere = centred and normalised["row_norm_spread"] <= 0.01
    summary = rows.summary + (
        f"; LayerNorm rows have rank {int(normalised['rank'])} of {d}, row-norm spread {_percent(normalised['row_norm_spread'])}"
    )
    return Measurement("confirmed" if on_sphere else "not-reproduced", rows.metrics, summary, rows.proxy)


def construction_error(plan: BuildPlan) -> str | None:
    """What torch raises when it builds the plan's layer (None: it builds)."""
    try:
        with torch.device("meta"):  # torch checks the arguments; nothing is allocated
            build_stack(one_of_each(plan), 1)
    except (AssertionError, ZeroDivisionError, ValueError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


@confirms("LN003")
def construction_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN003: torch's constructor itself."""
    error = construction_error(plan)
    if error is not None:
        return Measurement("confirmed", {"raised": 1.0}, f"torch raised {error}")
    return Measurement("not-reproduced", {"raised": 0.0}, "torch built the layer")


@confirms("LN012")
def groups_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN012: GroupNorm's constructor, which checks that the channels split into groups."""
    return construction_probe(plan, options)


@confirms("LN009")
def activation_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN009: torch's constructor, which resolves the activation's name."""
    return construction_probe(plan, options)


def _layer_in_training(plan: BuildPlan, options: ProbeOptions) -> tuple[nn.Module, torch.Tensor]:
    """The plan's first layer in training mode, and a batch of random tokens for it."""
    layer = first_layer(seeded_stack(one_of_each(plan), options.seed, options.device)).train()
    return layer, metrics.random_input((cal.BATCH, cal.TOKENS, plan.d_model), options.seed, options.device)


@confirms("LN008")
def dropout_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN008: torch refuses the rate, or (at 1) the sublayers add only zeros in training."""
    error = construction_error(plan)
    if error is not None:
        return Measurement("confirmed", {"raised": 1.0}, f"torch raised {error}")
    layer, x = _layer_in_training(plan, options)
    with torch.no_grad():
        outputs = [layer._sa_block(x, None, None), layer._ff_block(x)]
    zero = sum(float((out == 0).float().mean()) for out in outputs) / len(outputs)
    verdict = "confirmed" if zero == 1.0 else "not-reproduced"
    summary = f"in training {_percent(zero)} of the attention and feed-forward sublayers' outputs are zero"
    return Measurement(verdict, {"raised": 0.0, "zero_share": zero}, summary)


@confirms("LN010")
def eps_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN010: an all-zero token turns to NaN (eps <= 0: its variance and mean square are 0),
    or tokens of standard deviation 0.3 keep their scale (a large eps)."""
    model = seeded_stack(one_of_each(plan), options.seed, options.device)
    norm = model if plan.single else first_layer(model).norm1
    shape = plan.feature_shape
    constant = torch.zeros((cal.TOKENS, *shape), device=options.device)  # variance and mean square 0
    varied = 0.3 * metrics.random_input((cal.TOKENS, *shape), options.seed, options.device)
    with torch.no_grad():
        nan = float(torch.isnan(norm(constant)).float().mean())
        scale = float(norm(varied).reshape(cal.TOKENS, -1).std(dim=1, unbiased=False).mean())
    found = {"nan_share_of_constant_tokens": nan, "output_std_of_std_0.3_tokens": scale}
    if math.isnan(norm.eps) or norm.eps <= 0:
        verdict = "confirmed" if nan == 1.0 else "not-reproduced"
        return Measurement(verdict, found, f"{_percent(nan)} of an all-zero token's outputs are NaN")
    verdict = "confirmed" if scale < 0.9 else "not-reproduced"
    return Measurement(verdict, found, f"tokens of standard deviation 0.3 come out at {scale:.2f} instead of 1")


@confirms("LN011")
def feedforward_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN011: torch refuses the width, or (at 0) the feed-forward sublayer adds one vector to
    every token."""
    error = construction_error(plan)
    if error is not None:
        return Measurement("confirmed", {"raised": 1.0}, f"torch raised {error}")
    with warnings.catch_warnings():  # torch warns when it initialises zero-sized weights
        warnings.simplefilter("ignore")
        layer, x = _layer_in_training(plan, options)
    layer.eval()
    with torch.no_grad():
        rows = layer._ff_block(x).reshape(-1, plan.d_model)
    distinct = len(torch.unique(rows, dim=0))
    verdict = "confirmed" if distinct == 1 else "not-reproduced"
    summary = f"the feed-forward sublayer adds {distinct} distinct vector(s) to {rows.shape[0]} tokens"
    return Measurement(verdict, {"raised": 0.0, "distinct_feedforward_rows": float(distinct)}, summary)


@confirms("LN004")
def heads_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN004: how many distinct keys each head can single out."""
    single, reduced = within_budget(BuildPlan(plan.kind, plan.kwargs), options.max_params, cal.DEPTH_BATCH, 32, keep_width=True)
    model = seeded_stack(single, options.seed, options.device)
    x = metrics.random_input((cal.DEPTH_BATCH, 32, plan.d_model), options.seed, options.device)
    if plan.kind == "MultiheadAttention":  # kdim and vdim size other inputs, not the heads: self-attention here
        attention = seeded_stack(BuildPlan(plan.kind, {k: v for k, v in single.kwargs.items() if k not in ("kdim", "vdim")}), options.seed, options.device)
        source = x
    else:
        layer = first_layer(model)
        with torch.no_grad():
            source = layer.norm1(x) if plan.kwargs.get("norm_first") else x
        attention = layer.self_attn
    distinct = metrics.distinct_attention_targets(attention, source)
    verdict = "confirmed" if distinct <= cal.DISTINCT_TARGETS else "not-reproduced"
    return Measurement(verdict, {"distinct_targets_per_head": distinct}, f"{distinct:.1f} distinct attention targets per head on 32 tokens", reduced)


def _depth_shape(plan: BuildPlan, options: ProbeOptions) -> tuple[BuildPlan, dict | None]:
    return within_budget(plan, options.max_params, cal.DEPTH_BATCH, cal.DEPTH_TOKENS, keep_width=False)


def _make(plan: BuildPlan, options: ProbeOptions) -> Callable[[int], nn.Module]:
    return lambda depth: seeded_stack(plan, options.seed, options.device, depth)


@confirms("LN005")
def depth_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN005: token uniformity at init, Liu's amplification, first step, optional training."""
    plan, reduced = _depth_shape(plan, options)
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, plan.d_model), options.seed, options.device)
    make = _make(plan, options)
    model = make(plan.depth)
    with torch.no_grad():
        cosine = metrics.token_cosine(model(x))
    if options.lr is not None:  # before the amplification probe shifts the weights
        step = metrics.first_step_change(model, x, options.lr, options.seed)
    found = {
        "token_cosine": cosine,
        **metrics.amplification(model, make(1), plan.depth, x, options.seed),
        **_estimates(plan, cal.DEPTH_BATCH, cal.DEPTH_TOKENS),
    }
    summary = f"token |cos| at init {cosine:.2f}; amplification (c_N/c_1)^2/N {found['amplification']:.2f}"
    confirmed = cosine >= cal.COSINE_DEEP or found["amplification"] >= cal.AMPLIFICATION_LINEAR
    if options.lr is not None:
        found["first_step_change"] = step
        summary += f"; first step at lr {options.lr:g} changes the output by {step:.2f}"
        confirmed = confirmed or step >= cal.FIRST_STEP_SCRAMBLES
    if options.train:
        train_shape = width_proxy(plan)
        lr = options.lr or 3e-3
        stuck = cal.STUCK_LOSS * math.log(10)
        rescue = cal.WARMUP_RESCUES * math.log(10)
        for warmup in (0, 50):
            losses = metrics.train_reversal(
                lambda: build_stack(train_shape), train_shape.d_model, lr, warmup, options.seed, options.device
            )
            found[f"train_loss_warmup_{warmup}"] = sum(losses[-10:]) / 10  # the last 10 steps
        summary += (
            f"; sequence reversal after 200 steps: loss {found['train_loss_warmup_0']:.2f} without warmup, "
            f"{found['train_loss_warmup_50']:.2f} with 50 warmup steps (stuck above {stuck:.2f})"
        )
        without, with_warmup = found["train_loss_warmup_0"], found["train_loss_warmup_50"]
        confirmed = without > stuck or without - with_warmup > rescue
    return Measurement("confirmed" if confirmed else "not-reproduced", found, summary, reduced)


@confirms("LN006")
def final_norm_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN006: how the output scale grows through a stack with no final norm."""
    plan, reduced = _depth_shape(plan, options)
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, plan.d_model), options.seed, options.device)
    growth = metrics.rms_growth(_make(plan, options)(plan.depth), x)
    verdict = "confirmed" if growth >= cal.RMS_GROWTH else "not-reproduced"
    found = {"rms_growth": growth, **_estimates(plan, cal.DEPTH_BATCH, cal.DEPTH_TOKENS)}
    return Measurement(verdict, found, f"output RMS is {growth:.2f}x the input's after {plan.depth} layers", reduced)


@confirms("LN007")
def nested_tensor_probe(plan: BuildPlan, options: ProbeOptions) -> Measurement:
    """LN007: whether torch warns that it turned the nested-tensor fast path off."""
    with warnings.catch_warnings(record=True) as caught, torch.device("meta"):
        warnings.simplefilter("always")
        layer = build_layer(BuildPlan(plan.kind, plan.kwargs))
        nn.TransformerEncoder(layer, 1, **plan.stack_kwargs)
    found = [str(w.message) for w in caught if "enable_nested_tensor" in str(w.message)]
    if found:
        return Measurement("confirmed", {"warned": 1.0}, f"torch warned: {found[0]}")
    return Measurement("not-reproduced", {"warned": 0.0}, "torch built the encoder without the nested-tensor warning")
