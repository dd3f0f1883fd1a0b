"""LN007 nested-tensor-with-pre-ln: a pre-LN TransformerEncoder asks for the nested-tensor
fast path, which torch supports only for post-LN layers: it turns it off and warns."""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.reading import as_bool
from lnlint.rules.violation import Violation
from lnlint.spec import LayerSpec, Spec, StackSpec, cite

CODES = ("LN007",)


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not (isinstance(spec, StackSpec) and spec.kind == "TransformerEncoder" and isinstance(spec.layer, LayerSpec)):
        return
    nested = spec.args.get("enable_nested_tensor")
    norm_first = spec.layer.arg("norm_first")
    if nested is None or as_bool(nested) is not True or as_bool(norm_first) is not True:
        return
    yield Violation(
        "LN007",
        f"TransformerEncoder keeps {cite('enable_nested_tensor', nested)} with pre-LN layers "
        f"({cite('norm_first', norm_first)}): torch supports the nested-tensor fast path only for "
        f"post-LN layers, so it turns it off and warns \"enable_nested_tensor is True, but "
        f"self.use_nested_tensor is False because encoder_layer.norm_first was True\" at every "
        f"construction. Pass enable_nested_tensor=False; the model computes the same.",
        {"enable_nested_tensor": nested, "norm_first": norm_first},
    )
