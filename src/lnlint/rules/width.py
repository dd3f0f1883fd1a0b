"""LN001 degenerate-layernorm and LN002 narrow-layernorm: too few features to normalise.

LayerNorm's output sums to zero and has a fixed norm, so over D features it keeps D-2
degrees of freedom: D=1 is the constant β, D=2 one of two points (background.md §1).
"""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.violation import Violation
from lnlint.rules.reading import as_bool, norm_width, post_ln, shape_dims
from lnlint.spec import LayerSpec, Spec, Value, cite


def _image(width: int) -> str:
    if width == 1:
        return "the constant β (nothing of the input survives and no gradient flows through it)"
    return "one of two points, ±(1, -1) before γ and β (one bit per token)"


def _where(spec: LayerSpec, width: int) -> str:
    """Where the collapse shows: the output, or the sublayer inputs."""
    if spec.kind == "LayerNorm":
        if spec.context.role:
            return f"As the {spec.context.role}, it collapses the stack's output."
        return "Whatever follows it sees only that."
    if spec.kind == "Transformer":
        return (
            "nn.Transformer always ends its encoder and decoder with LayerNorm(d_model), so its "
            "output collapses whatever norm_first says."
        )
    placement = post_ln(spec)
    switch = spec.context.pre_ln_switch()
    if placement is True:
        return (
            f"This post-LN layer's output is that LayerNorm's output; {switch} does not fix "
            "it, the sublayers would see the same points."
        )
    if placement is False:
        return (
            "In this pre-LN layer self-attention and feed-forward see only that (the residual hides "
            f"the collapse); {switch} does not fix it."
        )
    return "Every LayerNorm in the layer collapses this way, pre-LN or post-LN."


CODES = ("LN001", "LN002")


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not isinstance(spec, LayerSpec) or spec.kind in ("GroupNorm", "MultiheadAttention"):
        return
    if spec.kind in ("LayerNorm", "RMSNorm"):
        refused = _not_a_size(spec)
        if refused is not None:
            yield refused
            return
    if spec.kind == "RMSNorm":
        yield from _rms_width(spec, thresholds)
        return
    if spec.context.norm_type != "LayerNorm":
        return
    width, source = norm_width(spec)
    if width is None or width < 1:
        return
    name = "normalized_shape" if spec.kind == "LayerNorm" else "d_model"
    values = {name: source}
    if spec.kind != "LayerNorm":
        values["norm_first"] = spec.arg("norm_first")
    features = "feature" if width == 1 else "features"
    if width <= 2:
        yield Violation(
            "LN001",
            f"LayerNorm over {width} {features} ({cite(name, source)}) maps every token to {_image(width)}. "
            f"{_where(spec, width)} Widen it: transformer widths are typically 64 to 4096.",
            values,
        )
    elif width < thresholds["min-width"]:
        yield Violation(
            "LN002",
            f"LayerNorm over {width} features ({cite(name, source)}) leaves {width - 2} of {width} degrees of "
            f"freedom per token (its outputs lie on a {width - 2}-sphere). "
            f"Use a width of at least {thresholds['min-width']}.",
            values,
        )


def _rms_width(spec: LayerSpec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    """RMSNorm divides by the root mean square without centring: its outputs lie on the
    sphere of radius sqrt(D), which keeps D-1 degrees of freedom; over 1 feature that is ±1."""
    width, source = norm_width(spec)
    if width is None or width < 1:
        return
    values = {"normalized_shape": source}
    if width == 1:
        yield Violation(
            "LN001",
            f"RMSNorm over 1 feature ({cite('normalized_shape', source)}) maps every token to ±1 before γ: "
            f"only its sign survives (one bit per token). Widen it: transformer widths are typically 64 to 4096.",
            values,
        )
    elif width < thresholds["min-width"]:
        shape = "a circle" if width == 2 else f"a {width - 1}-sphere"
        yield Violation(
            "LN002",
            f"RMSNorm over {width} features ({cite('normalized_shape', source)}) leaves {width - 1} of {width} "
            f"degrees of freedom per token (its outputs lie on {shape} of radius sqrt({width})). "
            f"Use a width of at least {thresholds['min-width']}.",
            values,
        )


def _not_a_size(spec: LayerSpec) -> Violation | None:
    """LN001 for a norm over a shape with a dimension below 1 (a transformer layer's d_model
    below 1 is LN003's: its attention refuses it first)."""
    source = spec.arg("normalized_shape")
    dims = shape_dims(source)
    if dims is None or all(d >= 1 for d in dims):
        return None
    shape = ", ".join(map(str, dims))
    applied = f"`RuntimeError: Given normalized_shape=[{shape}], expected input with shape ...`"
    negative = next((d for d in dims if d < 0), None)
    if negative is None:
        what = (
            f"over 0 features ({cite('normalized_shape', source)}): it accepts only inputs with no features there "
            f"and outputs an empty tensor; torch raises {applied} for any other input."
        )
    else:
        built = f"`RuntimeError: Trying to create tensor with negative dimension {negative}: [{shape}]` when it creates the norm's weight"
        affine = spec.arg("elementwise_affine")
        # F.layer_norm and F.rms_norm read as the class at its defaults, but create no weight
        written = as_bool(affine) if isinstance(affine, Value) and affine.origin != "torch default" else None
        if written is True:
            raised = built
        elif written is False:
            raised = f"{applied} whenever the norm is applied"
        else:
            raised = f"{built} (or, with no weight, {applied} whenever the norm is applied)"
        what = f"over {cite('normalized_shape', source)}: a dimension of {negative} is not a size, and torch raises {raised}."
    return Violation(
        "LN001",
        f"{spec.kind} {what} Use the number of features it normalises: transformer widths are typically 64 to 4096.",
        {"normalized_shape": source},
    )
