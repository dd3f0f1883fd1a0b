"""`lnlint probe`: run the probes on a configuration given on the command line."""

from __future__ import annotations

from pathlib import Path

from lnlint.confirm import ConfirmError, ConfirmSettings, import_torch, select_device

_DEFAULTS = ConfirmSettings()


def run_probe(
    layer: str, d_model: int, nhead: int, dim_feedforward: int, norm_first: bool, num_layers: int,
    final_norm: bool, lr: float | None, train: bool, device: str, seed: int, plot: Path | None = None,
) -> str:
    """The probes' report on the design; ConfirmError when torch is missing or the design is
    too large to build (exit 2, like any usage error)."""
    torch = import_torch()  # before the modules that import it: without torch, this says so
    from lnlint.confirm.build import NotBuildable

    try:
        return _run_probe(torch, layer, d_model, nhead, dim_feedforward, norm_first, num_layers, final_norm, lr, train, device, seed, plot)
    except NotBuildable as why:
        raise ConfirmError(f"cannot probe this design: {why}") from None


def _run_probe(
    torch, layer: str, d_model: int, nhead: int, dim_feedforward: int, norm_first: bool, num_layers: int,
    final_norm: bool, lr: float | None, train: bool, device: str, seed: int, plot: Path | None,
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
        if plot is not None:  # what torch does with the head counts around the one given
            from lnlint.confirm.plot_data import outcome_data
            from lnlint.plots import draw

            title = f"LN003 lnlint probe: {layer}, d_model={d_model}, nhead={nhead}"
            lines.append(f"picture: {draw(outcome_data(plan, options, title, 'LN003'), plot)}")
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
    if plot is not None:
        lines.append(f"picture: {_draw(plan, options, layer, num_layers, norm_first, final_norm, plot)}")
    return "\n".join(lines) + "\n"


def _draw(plan, options, layer: str, num_layers: int, norm_first: bool, final_norm: bool, path: Path) -> Path:
    """The picture of the probed design: depth curves for a stack, the final-norm growth for
    a pre-LN stack without one, else the rows of one layer beside a healthy width."""
    from lnlint.confirm.plot_data import depth_data, final_norm_data, width_data
    from lnlint.plots import draw

    design = f"lnlint probe: {layer}, d_model={plan.d_model}, {num_layers} layer(s), {'pre' if norm_first else 'post'}-LN"
    if num_layers > 1 and layer in ("encoder", "decoder"):
        if norm_first and not final_norm:
            return draw(final_norm_data(plan, options, f"LN006 {design}"), path)
        if not norm_first:
            return draw(depth_data(plan, options, f"LN005 {design}"), path)
    return draw(width_data(plan, options, design), path)
