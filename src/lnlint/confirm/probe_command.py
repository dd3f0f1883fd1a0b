"""`lnlint probe`: run the probes on a configuration given on the command line."""

from __future__ import annotations

from lnlint.confirm import ConfirmSettings, import_torch, select_device

_DEFAULTS = ConfirmSettings()


def run_probe(
    layer: str, d_model: int, nhead: int, dim_feedforward: int, norm_first: bool, num_layers: int,
    final_norm: bool, lr: float | None, train: bool, device: str, seed: int,
) -> str:
    from lnlint.confirm.build import BuildPlan
    from lnlint.confirm.probes import (
        ProbeOptions,
        collapse_probe,
        construction_probe,
        depth_probe,
        final_norm_probe,
        heads_probe,
    )

    torch = import_torch()
    where = select_device(device)
    if layer == "layernorm":
        plan = BuildPlan("LayerNorm", {"normalized_shape": d_model})
    else:
        kind = {"encoder": "TransformerEncoderLayer", "decoder": "TransformerDecoderLayer", "transformer": "Transformer"}[layer]
        kwargs = {"d_model": d_model, "nhead": nhead, "dim_feedforward": dim_feedforward, "norm_first": norm_first}
        if kind == "Transformer":
            kwargs.update(num_encoder_layers=num_layers, num_decoder_layers=num_layers)
        plan = BuildPlan(kind, kwargs, num_layers, final_norm or kind == "Transformer")
    options = ProbeOptions(where, seed, _DEFAULTS.max_params, lr, train)
    lines = [f"probe on {where} (torch {torch.__version__}, seed {seed})"]
    built = construction_probe(plan, options)
    lines.append(f"construction: {built.verdict}: {built.summary}")
    if built.verdict == "confirmed":
        return "\n".join(lines) + "\n"
    probes = [("collapse", collapse_probe)]
    if layer != "layernorm":
        probes.append(("heads", heads_probe))
    if num_layers > 1 and layer in ("encoder", "decoder"):
        probes.append(("depth", depth_probe))
        if norm_first and not final_norm:
            probes.append(("final norm", final_norm_probe))
    for name, run in probes:
        measured = run(plan, options)
        lines.append(f"{name}: {measured.verdict}: {measured.summary}")
        lines.extend(f"  {key} = {value:.4g}" for key, value in measured.metrics.items())
    return "\n".join(lines) + "\n"
