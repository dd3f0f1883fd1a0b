"""LN005 deep-post-ln and LN006 pre-ln-without-final-norm: how a stack places its norms.

Post-LN output change under a parameter perturbation grows O(N) with depth (Liu et al.
2020); without warmup, Admin or DeepNorm deep post-LN stacks stick or diverge
(background.md §2). A pre-LN stack without a final norm returns an unnormalised residual
stream whose scale grows with depth (§3).
"""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.violation import Violation
from lnlint.rules.reading import as_int, norm_width, post_ln
from lnlint.spec import TRANSFORMER_PARTS, LayerSpec, Mitigations, Resolved, Spec, StackSpec, Value, cite, describe


def _deep_post_ln(
    what: str, depth: int, depth_value: Resolved, mitigations: Mitigations, thresholds: Mapping[str, int]
) -> tuple[str, str] | None:
    """(severity, message) for a post-LN stack of `depth` layers, or None when it is fine."""
    rescaled, warmup = mitigations.any_rescaling(), mitigations.warmup
    cause = f"Post-LN {what} of {depth} layers ({cite('depth', depth_value)})"
    fix = "Use norm_first=True with a final norm, or Admin (admin_torch) / DeepNorm residual scaling"
    if depth >= thresholds["post-ln-max-depth"] and not rescaled:
        found = f" ({warmup} found)" if warmup else ""
        return "error", (
            f"{cause} without Admin or DeepNorm: post-LN stacks this deep diverge even with "
            f"warmup{found} (DeepNet, 2022). {fix}."
        )
    if depth >= thresholds["post-ln-error-depth"] and not warmup and not rescaled:
        return "error", (
            f"{cause} with no learning-rate warmup, Admin or DeepNorm found: its output change "
            f"grows O(N) with depth and stacks this deep stick at chance loss without warmup "
            f"(Liu et al., 2020). {fix}, or add warmup."
        )
    if depth >= thresholds["post-ln-depth"] and not warmup and not rescaled:
        return "warning", (
            f"{cause} with no learning-rate warmup, Admin or DeepNorm found: post-LN amplifies "
            f"parameter updates O(N) with depth and needs warmup to train (Xiong et al., 2020). "
            f"Add warmup, or {fix[0].lower()}{fix[1:]}."
        )
    return None


CODES = ("LN005", "LN006")


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not isinstance(spec, StackSpec) or not isinstance(spec.layer, LayerSpec):
        return
    placement = post_ln(spec.layer)
    if placement is None:
        return
    depth = as_int(spec.depth)
    values = {"depth": spec.depth, "norm_first": spec.layer.arg("norm_first")}
    if placement:
        if spec.context.mitigations.pretrained:
            return  # loaded from a checkpoint: not trained from scratch here (LN005's policy)
        # How deep decides whether and how badly post-LN fails: no depth, no finding.
        what = TRANSFORMER_PARTS.get(spec.kind) or f"{spec.layer.kind} stack"
        verdict = _deep_post_ln(what, depth, spec.depth, spec.context.mitigations, thresholds) if depth is not None else None
        if verdict is not None:
            severity, message = verdict
            yield Violation("LN005", message, values, severity)
    elif depth is None or depth >= 1:
        # A stack has at least one layer, so an unknown depth still lacks its final norm.
        yield from _missing_final_norm(spec, depth, values)


def _missing_final_norm(spec: StackSpec, depth: int | None, values: dict[str, Resolved]) -> Iterator[Violation]:
    if not (isinstance(spec.final_norm, Value) and spec.final_norm.value is False):
        return
    if spec.context.normalised_later:
        return
    fix = (
        "pass norm=nn.LayerNorm(d_model) (with enable_nested_tensor=False to silence torch's "
        "nested-tensor warning)"
        if spec.kind == "TransformerEncoder"
        else "pass norm=nn.LayerNorm(d_model)"
        if spec.kind == "TransformerDecoder"
        else "apply a LayerNorm to the output of the last layer"
    )
    width, _ = norm_width(spec.layer) if isinstance(spec.layer, LayerSpec) else (None, None)
    if width is not None and width <= 2:
        # A final LayerNorm of that width would itself collapse every token (LN001).
        fix = f"widen the layers first (a LayerNorm over {width} feature{'' if width == 1 else 's'}, a final one included, collapses every token: LN001), then {fix}"
    layers = f"{depth} layer{'' if depth == 1 else 's'} ({cite('depth', spec.depth)})" if depth is not None else f"an unknown number of layers ({describe('depth', spec.depth)})"
    yield Violation(
        "LN006",
        f"Pre-LN {spec.layer.kind} stack of {layers} has no final "  # type: ignore[union-attr]
        f"norm: its output is the "
        f"unnormalised residual stream, whose scale grows with depth (Xiong et al., 2020 end "
        f"pre-LN with a LayerNorm). To fix, {fix}.",
        {**values, "final_norm": spec.final_norm},
    )
