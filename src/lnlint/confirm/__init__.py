"""`--confirm`: build each finding's configuration with torch and attach a measured verdict.

The only package that imports torch, and only when a confirmation is asked for."""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Iterable

from lnlint.findings import Finding

TORCH_MISSING = "torch is not installed; pip install 'lnlint[confirm]'"


class ConfirmError(Exception):
    """A usage problem with --confirm (no torch, an unavailable device); exit 2."""


@dataclass(frozen=True)
class ConfirmSettings:
    device: str = "auto"
    seed: int = 0
    max_params: int = 200_000_000
    timeout: float = 30.0
    train: bool = False
    lr: float | None = None
    plots: str | None = None  # a folder: one PNG per confirmed finding whose rule has a picture


def import_torch():
    import warnings

    try:
        with warnings.catch_warnings():  # CPU wheels without numpy warn at import; not our concern
            warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
            import torch
    except ImportError:
        raise ConfirmError(TORCH_MISSING) from None
    return torch


def select_device(name: str):
    """auto: cuda, then mps, then cpu. A named device that is not there is an error."""
    torch = import_torch()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ConfirmError(f"--device {name}: {error}") from None
    if device.type == "cuda" and (not torch.cuda.is_available() or (device.index or 0) >= torch.cuda.device_count()):
        raise ConfirmError(f"--device {name}: no such CUDA device is available")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfirmError(f"--device {name}: MPS is not available")
    return device


def confirm_one(finding: Finding, settings: ConfirmSettings, device) -> dict[str, object]:
    """Measure one finding (in the probe process; see `worker`)."""
    from lnlint.confirm.build import NotBuildable, plan_for
    from lnlint.confirm.probes import PROBES, ProbeOptions

    torch = import_torch()
    start = time.perf_counter()
    result = empty_confirmation(str(device), torch.__version__, settings.seed)
    try:
        if finding.spec is None:
            raise NotBuildable("the finding has no configuration")
        plan = plan_for(finding.spec)
        options = ProbeOptions(device, settings.seed, settings.max_params, settings.lr, settings.train)
        try:
            measured = PROBES[finding.code](plan, options)
        except torch.cuda.OutOfMemoryError:
            if device.type != "cuda":
                raise
            torch.cuda.empty_cache()
            device = torch.device("cpu")
            result["device"] = "cpu (after running out of CUDA memory)"
            options = ProbeOptions(device, settings.seed, settings.max_params, settings.lr, settings.train)
            measured = PROBES[finding.code](plan, options)
        result.update(verdict=measured.verdict, metrics=measured.metrics, summary=measured.summary, proxy=measured.proxy)
        if settings.plots is not None and measured.verdict == "confirmed":
            result["plot"] = _plot(finding, plan, options, settings.plots)
        if measured.proxy:
            reduced = ", ".join(f"{name}={value}" for name, value in measured.proxy.items())
            result["summary"] = f"{measured.summary} (on a proxy within --confirm-max-params: {reduced})"
    except NotBuildable as why:
        result["summary"] = f"not built: {why}"
    except Exception as error:  # a probe that breaks must not end the run
        result.update(verdict="error", summary=f"error: {type(error).__name__}: {error}")
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def _plot(finding: Finding, plan, options, folder: str) -> str | None:
    """The picture of a confirmed finding, written to `folder` (None: its rule has none)."""
    from lnlint.confirm.plot_data import PLOTTED
    from lnlint.plots import draw

    measure = PLOTTED.get(finding.code)
    if measure is None:
        return None
    where = f"{finding.location.path}:{finding.location.line}"
    data = measure(plan, options, f"{finding.code} {finding.name}: {where}")
    name = f"{finding.location.path.replace('/', '_').replace(chr(92), '_')}_{finding.location.line}_{finding.code}.png"
    return str(draw(data, Path(folder) / name))


def empty_confirmation(device: str, torch_version: str, seed: int) -> dict[str, object]:
    return {
        "verdict": "skipped", "device": device, "torch_version": torch_version,
        "seed": seed, "seconds": 0.0, "metrics": {}, "proxy": None, "summary": "",
    }


def confirm_findings(findings: Iterable[Finding], settings: ConfirmSettings, progress=None) -> None:
    """Attach a confirmation to every finding a probe exists for. Probes run in a child
    process that is stopped when one outlives `settings.timeout`; the next finding gets a
    fresh one. ConfirmError when torch or the device is missing."""
    from lnlint.confirm.worker import ProbeWorker

    worker: ProbeWorker | None = ProbeWorker(settings)  # first: without torch this is the error to give
    codes = worker.codes  # type: ignore[union-attr]
    todo = [f for f in findings if f.code in codes]
    try:
        for finding in progress(todo) if progress is not None else todo:
            if worker is None:
                worker = ProbeWorker(settings)
            finding.confirmation = worker.confirm(finding)
            if not worker.alive:
                worker = None
    finally:
        if worker is not None:
            worker.close()
