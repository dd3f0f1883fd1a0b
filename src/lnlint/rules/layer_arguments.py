"""LN008 dropout-out-of-range, LN009 unknown-activation, LN010 layernorm-eps and LN011
empty-feedforward: constructor arguments of a Transformer layer (or LayerNorm) that break it
before training starts."""

from __future__ import annotations

import math
from typing import Iterator, Mapping

from lnlint.rules.violation import Violation
from lnlint.spec import NORM_KINDS, LayerSpec, Resolved, Spec, Value, cite

CODES = ("LN008", "LN009", "LN010", "LN011")
_LAYER_KINDS = ("TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer")
_ACTIVATIONS = ("relu", "gelu")  # the names torch's layers accept; a callable is always fine


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not isinstance(spec, LayerSpec):
        return
    if spec.kind in NORM_KINDS:
        yield from _eps(spec.arg("eps"), "eps")
        return
    if spec.kind not in _LAYER_KINDS:
        return
    yield from _dropout(spec.arg("dropout"))
    yield from _activation(spec.arg("activation"))
    yield from _eps(spec.arg("layer_norm_eps"), "layer_norm_eps")
    yield from _feedforward(spec.arg("dim_feedforward"))


def _number(resolved: Resolved) -> float | None:
    if isinstance(resolved, Value) and isinstance(resolved.value, (int, float)) and not isinstance(resolved.value, bool):
        try:
            return float(resolved.value)
        except OverflowError:  # an integer beyond float's range compares as the infinity of its sign
            return math.copysign(math.inf, resolved.value)
    return None


def _dropout(resolved: Resolved) -> Iterator[Violation]:
    p = _number(resolved)
    if p is None:
        return
    values = {"dropout": resolved}
    if p < 0 or p > 1:
        yield Violation(
            "LN008",
            f"{cite('dropout', resolved)} is not a probability: torch raises ValueError \"dropout probability "
            f"has to be between 0 and 1, but got {resolved.value}\" when it builds the layer. Use a rate in "  # type: ignore[union-attr]
            f"[0, 1); transformers typically use 0.0 to 0.3.",
            values,
        )
    elif p == 1:
        yield Violation(
            "LN008",
            f"{cite('dropout', resolved)} drops every activation of the attention and feed-forward "
            f"sublayers in training: each sublayer adds zero to the residual stream, so the layer "
            f"learns nothing while training (and acts differently in eval). Use a rate below 1; "
            f"transformers typically use 0.0 to 0.3.",
            values,
        )


def _activation(resolved: Resolved) -> Iterator[Violation]:
    if not (isinstance(resolved, Value) and isinstance(resolved.value, str)) or resolved.value in _ACTIVATIONS:
        return
    yield Violation(
        "LN009",
        f"{cite('activation', resolved)} is not a name torch's Transformer layers accept: torch raises "
        f"RuntimeError \"activation should be relu/gelu, not {resolved.value}\" when it builds the layer. "
        f"Use \"relu\" or \"gelu\", or pass a callable (e.g. torch.nn.functional.silu).",
        {"activation": resolved},
    )


def _eps(resolved: Resolved, name: str) -> Iterator[Violation]:
    eps = _number(resolved)
    if eps is None:
        return
    values = {name: resolved}
    if math.isnan(eps):
        yield Violation(
            "LN010",
            f"{cite(name, resolved)}: the norm divides by sqrt(variance + eps) (RMSNorm: mean square + eps), "
            f"which is NaN for every token, so every output is NaN and the NaN spreads through the model. "
            f"Use a small positive eps: torch's default is 1e-5.",
            values,
            severity="error",
        )
    elif eps <= 0:
        yield Violation(
            "LN010",
            f"{cite(name, resolved)}: the norm divides by sqrt(variance + eps) (RMSNorm: mean square + eps), "
            f"so a token whose features are all equal (all zero for RMSNorm), as padding often is, becomes 0/0 = NaN"
            f"{' or the root of a negative number' if eps < 0 else ''}, and the NaN spreads through "
            f"the model. Use a small positive eps: torch's default is 1e-5.",
            values,
            severity="error",
        )
    elif eps >= 0.1:
        yield Violation(
            "LN010",
            f"{cite(name, resolved)} is as large as the variance of unit-scale features: LayerNorm no "
            f"longer normalises them (a token of standard deviation 0.3 comes out at "
            f"{0.3 / (0.09 + eps) ** 0.5:.2f} instead of 1), so its output scale follows its input's. "
            f"Use a small eps: torch's default is 1e-5, 1e-6 to 1e-12 are common.",
            values,
        )


def _feedforward(resolved: Resolved) -> Iterator[Violation]:
    width = _number(resolved)
    if width is None or width > 0:
        return
    consequence = (
        f"torch raises RuntimeError \"Trying to create tensor with negative dimension {resolved.value}\""  # type: ignore[union-attr]
        if width < 0
        else "the feed-forward sublayer has no hidden units, so it adds the same vector (linear2's bias) to every token"
    )
    yield Violation(
        "LN011",
        f"{cite('dim_feedforward', resolved)}: {consequence}. Use a positive width, typically 4 × d_model.",
        {"dim_feedforward": resolved},
    )
