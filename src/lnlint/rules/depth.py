"""LN005 deep-post-ln and LN006 pre-ln-without-final-norm: how a stack places its norms.

Post-LN output change under a parameter perturbation grows O(N) with depth (Liu et al.
2020); without warmup, Admin or DeepNorm deep post-LN stacks stick or diverge
(background.md §2). A pre-LN stack without a final norm returns an unnormalised residual
stream whose scale grows with depth (§3).
"""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.report import Report
from lnlint.rules.values import as_int, cite, post_ln
from lnlint.spec import LayerSpec, Mitigations, Resolved, Spec, StackSpec, Value, describe


def _stacks(spec: Spec) -> Iterator[tuple[str, LayerSpec, Resolved, str | None]]:
    """(description, layer, depth, part of an nn.Transformer) for each stack a spec builds."""
    if isinstance(spec, StackSpec) and isinstance(spec.layer, LayerSpec):
        yield f"{spec.layer.kind} stack", spec.layer, spec.depth, None
    elif isinstance(spec, LayerSpec) and spec.kind == "Transformer":
        for part in ("encoder", "decoder"):
            custom = spec.arg(f"custom_{part}")
            if isinstance(custom, Value) and custom.value is None:
                yield f"nn.Transformer {part}", spec, spec.arg(f"num_{part}_layers"), part


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


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Report]:
    for what, layer, depth_value, part in _stacks(spec):
        depth = as_int(depth_value)
        placement = post_ln(layer)
        if placement is None:
            continue
        values = {"depth": depth_value, "norm_first": layer.arg("norm_first")}
        if part is not None:
            values["part"] = Value(part, "nn.Transformer")
        if placement:
            # How deep decides whether and how badly post-LN fails: no depth, no finding.
            verdict = _deep_post_ln(what, depth, depth_value, spec.context.mitigations, thresholds) if depth is not None else None
            if verdict is not None:
                severity, message = verdict
                yield Report("LN005", message, values, severity)
        elif isinstance(spec, StackSpec) and (depth is None or depth >= 1):
            # A stack has at least one layer, so an unknown depth still lacks its final norm.
            yield from _missing_final_norm(spec, depth, values)


def _missing_final_norm(spec: StackSpec, depth: int | None, values: dict[str, Resolved]) -> Iterator[Report]:
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
    layers = f"{depth} layers ({cite('depth', spec.depth)})" if depth is not None else f"an unknown number of layers ({describe('depth', spec.depth)})"
    yield Report(
        "LN006",
        f"Pre-LN {spec.layer.kind} stack of {layers} has no final "  # type: ignore[union-attr]
        f"norm: its output is the "
        f"unnormalised residual stream, whose scale grows with depth (Xiong et al., 2020 end "
        f"pre-LN with a LayerNorm). To fix, {fix}.",
        {**values, "final_norm": spec.final_norm},
    )
