"""One probe per rule: build the finding's configuration, measure, decide a verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from lnlint.confirm import calibration as cal
from lnlint.confirm import metrics
from lnlint.confirm.build import Shape, build_stack, width_proxy, within_budget


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


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 or x == 0 else f"{100 * x:.3f}%"


def _estimates(shape: Shape, batch: int, tokens: int) -> dict[str, float]:
    """What building and running the shape costs, estimated before anything is built."""
    return {
        "estimated_parameters": float(shape.parameter_count()),
        "estimated_activation_bytes": float(shape.activation_bytes(batch, tokens)),
    }


def _seeded(shape: Shape, seed: int, device: torch.device, depth: int | None = None) -> nn.Module:
    torch.manual_seed(seed)
    return build_stack(shape, depth).to(device).eval()


def _first_layer(model: nn.Module) -> nn.Module:
    if hasattr(model, "model"):  # nn.Transformer
        return model.model.encoder.layers[0]
    return model.layers[0] if hasattr(model, "layers") else model


@dataclass
class _NormRows:
    """What the width probes measure on one layer's rows."""

    metrics: dict[str, float]
    watched: dict[str, float]  # collapse statistics of the rows the rule is about
    normalised: dict[str, float]  # of a LayerNorm's own output rows
    summary: str
    non_finite: bool
    proxy: dict | None


def _layernorm_measurements(shape: Shape, options: ProbeOptions) -> _NormRows:
    """Collapse statistics of the output and of the first LayerNorm's output (norm1), the
    zero-gradient share; the rows watched are norm1's for a pre-LN layer."""
    d = shape.d_model
    single, reduced = within_budget(Shape(shape.kind, shape.kwargs), options.max_params, cal.BATCH, cal.TOKENS, keep_width=True)
    model = _seeded(single, options.seed, options.device)
    x = metrics.random_input((cal.BATCH, cal.TOKENS, *shape.feature_shape), options.seed, options.device)
    with torch.no_grad():
        y = model(x)
    output = metrics.collapse(y.reshape(-1, d))
    found = {f"output_{k}": v for k, v in output.items()}
    found["token_cosine"] = metrics.token_cosine(y.reshape(cal.BATCH, cal.TOKENS, d))
    pre_ln = shape.kind in ("TransformerEncoderLayer", "TransformerDecoderLayer") and shape.kwargs.get("norm_first")
    watched, sub = output, output
    where = "output rows"
    if shape.kind != "LayerNorm":
        with torch.no_grad():
            sublayer = _first_layer(model).norm1(x)
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
    normalised = output if shape.kind == "LayerNorm" else sub
    return _NormRows(found, watched, normalised, summary, non_finite, reduced)


def collapse(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN001: the rows collapse onto one or two points, or the gradients die."""
    rows = _layernorm_measurements(shape, options)
    collapsed = (
        rows.watched["top2_mass"] >= cal.TOP2_COLLAPSED
        or rows.metrics["zero_gradient_share"] >= cal.DEAD_GRADIENTS
        or rows.non_finite
    )
    return Measurement("confirmed" if collapsed else "not-reproduced", rows.metrics, rows.summary, rows.proxy)


def narrow(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN002: LayerNorm's rows keep d-2 degrees of freedom: centred rank <= d-1, equal norms."""
    rows = _layernorm_measurements(shape, options)
    d, normalised = shape.d_model, rows.normalised
    on_sphere = normalised["rank"] <= d - 1 and normalised["row_norm_spread"] <= 0.01
    summary = rows.summary + (
        f"; LayerNorm rows have rank {int(normalised['rank'])} of {d}, row-norm spread {_percent(normalised['row_norm_spread'])}"
    )
    return Measurement("confirmed" if on_sphere else "not-reproduced", rows.metrics, summary, rows.proxy)


def construction(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN003: torch's constructor itself."""
    one_of_each = Shape(shape.kind, dict(shape.kwargs, num_encoder_layers=1, num_decoder_layers=1)) if shape.kind == "Transformer" else Shape(shape.kind, shape.kwargs)
    try:
        with torch.device("meta"):  # torch checks the arguments; nothing is allocated
            build_stack(one_of_each, 1)
    except (AssertionError, ZeroDivisionError, ValueError, RuntimeError) as error:
        text = f"{type(error).__name__}: {error}"
        return Measurement("confirmed", {"raised": 1.0}, f"torch raised {text}")
    return Measurement("not-reproduced", {"raised": 0.0}, "torch built the layer")


def heads(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN004: how many distinct keys each head can single out."""
    single, reduced = within_budget(Shape(shape.kind, shape.kwargs), options.max_params, cal.DEPTH_BATCH, 32, keep_width=True)
    model = _seeded(single, options.seed, options.device)
    layer = _first_layer(model)
    x = metrics.random_input((cal.DEPTH_BATCH, 32, shape.d_model), options.seed, options.device)
    with torch.no_grad():
        source = layer.norm1(x) if shape.kwargs.get("norm_first") else x
    distinct = metrics.distinct_attention_targets(layer.self_attn, source)
    verdict = "confirmed" if distinct <= cal.DISTINCT_TARGETS else "not-reproduced"
    return Measurement(verdict, {"distinct_targets_per_head": distinct}, f"{distinct:.1f} distinct attention targets per head on 32 tokens", reduced)


def _depth_shape(shape: Shape, options: ProbeOptions) -> tuple[Shape, dict | None]:
    return within_budget(shape, options.max_params, cal.DEPTH_BATCH, cal.DEPTH_TOKENS, keep_width=False)


def _make(shape: Shape, options: ProbeOptions) -> Callable[[int], nn.Module]:
    return lambda depth: _seeded(shape, options.seed, options.device, depth)


def depth(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN005: token uniformity at init, Liu's amplification, first step, optional training."""
    shape, reduced = _depth_shape(shape, options)
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, shape.d_model), options.seed, options.device)
    make = _make(shape, options)
    model = make(shape.depth)
    with torch.no_grad():
        cosine = metrics.token_cosine(model(x))
    if options.lr is not None:  # before the amplification probe shifts the weights
        step = metrics.first_step_change(model, x, options.lr, options.seed)
    found = {
        "token_cosine": cosine,
        **metrics.amplification(model, make(1), shape.depth, x, options.seed),
        **_estimates(shape, cal.DEPTH_BATCH, cal.DEPTH_TOKENS),
    }
    summary = f"token |cos| at init {cosine:.2f}; amplification (c_N/c_1)^2/N {found['amplification']:.2f}"
    confirmed = cosine >= cal.COSINE_DEEP or found["amplification"] >= cal.AMPLIFICATION_LINEAR
    if options.lr is not None:
        found["first_step_change"] = step
        summary += f"; first step at lr {options.lr:g} changes the output by {step:.2f}"
        confirmed = confirmed or step >= cal.FIRST_STEP_SCRAMBLES
    if options.train:
        train_shape = width_proxy(shape)
        lr = options.lr or 3e-3
        stuck = cal.STUCK_LOSS * math.log(10)
        rescue = cal.WARMUP_RESCUES * math.log(10)
        for warmup in (0, 50):
            found[f"train_loss_warmup_{warmup}"] = metrics.train_reversal(
                lambda: build_stack(train_shape), train_shape.d_model, lr, warmup, options.seed, options.device
            )
        summary += (
            f"; sequence reversal after 200 steps: loss {found['train_loss_warmup_0']:.2f} without warmup, "
            f"{found['train_loss_warmup_50']:.2f} with 50 warmup steps (stuck above {stuck:.2f})"
        )
        without, with_warmup = found["train_loss_warmup_0"], found["train_loss_warmup_50"]
        confirmed = without > stuck or without - with_warmup > rescue
    return Measurement("confirmed" if confirmed else "not-reproduced", found, summary, reduced)


def final_norm(shape: Shape, options: ProbeOptions) -> Measurement:
    """LN006: how the output scale grows through a stack with no final norm."""
    shape, reduced = _depth_shape(shape, options)
    x = metrics.random_input((cal.DEPTH_BATCH, cal.DEPTH_TOKENS, shape.d_model), options.seed, options.device)
    growth = metrics.rms_growth(_make(shape, options)(shape.depth), x)
    verdict = "confirmed" if growth >= cal.RMS_GROWTH else "not-reproduced"
    found = {"rms_growth": growth, **_estimates(shape, cal.DEPTH_BATCH, cal.DEPTH_TOKENS)}
    return Measurement(verdict, found, f"output RMS is {growth:.2f}x the input's after {shape.depth} layers", reduced)


PROBES: dict[str, Callable[[Shape, ProbeOptions], Measurement]] = {
    "LN001": collapse,
    "LN002": narrow,
    "LN003": construction,
    "LN004": heads,
    "LN005": depth,
    "LN006": final_norm,
}
