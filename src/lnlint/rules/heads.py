"""LN003 heads-not-divisible and LN004 tiny-head-dim: how d_model splits into heads."""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.divisors import nearest_divisors
from lnlint.rules.violation import Violation
from lnlint.rules.reading import as_int
from lnlint.spec import LayerSpec, Resolved, Spec, attention_names, cite

CODES = ("LN003", "LN004")
_ATTENTION_KINDS = ("TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer", "MultiheadAttention")


# What MultiheadAttention raises, whatever the layer is called, when either size is not positive
_NOT_POSITIVE = "`ValueError: embed_dim and num_heads must be greater than 0`"


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not isinstance(spec, LayerSpec) or spec.kind not in _ATTENTION_KINDS:
        return
    explicit = spec.args.get("head_dim")  # a config's own size per head (T5's d_kv, head_dim)
    if explicit is not None:
        yield from _explicit_head_size(explicit, spec, thresholds)
        return
    # MultiheadAttention names them embed_dim and num_heads (kdim and vdim size the keys and
    # values it is given, not the heads: embed_dim still splits into num_heads)
    width_name, heads_name = attention_names(spec.kind)
    d_model, nhead = as_int(spec.arg(width_name)), as_int(spec.arg(heads_name))
    values = {width_name: spec.arg(width_name), heads_name: spec.arg(heads_name)}
    if d_model is not None and d_model < 1:  # refused whatever the head count
        yield Violation(
            "LN003",
            f"{cite(width_name, values[width_name])} is not a positive width: torch raises {_NOT_POSITIVE} "
            f"when it builds the attention. Use a positive {width_name} that {heads_name} divides; transformer "
            f"widths are typically 64 to 4096.",
            values,
        )
        return
    if d_model is None or nhead is None:
        return
    if nhead < 1:
        yield Violation(
            "LN003",
            f"{cite(heads_name, values[heads_name])} is not a positive number of heads: torch raises {_NOT_POSITIVE} "
            f"when it builds the attention. Use a {heads_name} that divides {width_name}={d_model} "
            f"(e.g. {nearest_divisors(d_model, 1)}).",
            values,
        )
    elif d_model % nhead:
        yield Violation(
            "LN003",
            f"{width_name} is not divisible by {heads_name} ({cite(width_name, values[width_name])}; "
            f"{cite(heads_name, values[heads_name])}): torch raises "
            f"`AssertionError: embed_dim must be divisible by num_heads` when it builds the layer. "
            f"Use a {heads_name} that divides {width_name} (e.g. {nearest_divisors(d_model, nhead)}).",
            values,
        )
    elif d_model // nhead < thresholds["min-head-dim"]:
        head_dim = d_model // nhead
        typo = f"; {width_name} == {heads_name} is a common typo" if d_model == nhead else ""
        if head_dim == 1:
            effect = (
                "each head's attention logits are rank 1, so every query attends to the largest "
                "or the smallest key (2 distinct targets per head)"
            )
        else:
            effect = f"each head's attention logits have rank {head_dim}, so it can tell few keys apart"
        yield Violation(
            "LN004",
            f"head_dim = {width_name}/{heads_name} = {head_dim} ({cite(width_name, values[width_name])}; "
            f"{cite(heads_name, values[heads_name])}{typo}): {effect}. "
            f"Use fewer heads so that head_dim >= {thresholds['min-head-dim']}.",
            values,
        )


def _explicit_head_size(head_dim_value: Resolved, spec: LayerSpec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    """Attention projects to nhead x head_dim whatever d_model is: no divisibility to check,
    and the head size is the one given."""
    head_dim = as_int(head_dim_value)
    if head_dim is None or head_dim < 1 or head_dim >= thresholds["min-head-dim"]:
        return
    yield Violation(
        "LN004",
        f"{cite('head_dim', head_dim_value)}: each head's attention logits have rank {head_dim}, so "
        f"{'every query attends to the largest or the smallest key' if head_dim == 1 else 'it can tell few keys apart'}. "
        f"Use a head size of at least {thresholds['min-head-dim']}.",
        {"head_dim": head_dim_value, "nhead": spec.arg("nhead")},
    )
