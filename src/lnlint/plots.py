"""Pictures of a measurement (matplotlib, the `plot` extra): two dots against a cloud, a
curve that rises with depth. `confirm.plot_data` measures the series; this module only
draws them, 1200 × 800 px by default, in the Okabe-Ito colours (safe for colour-blind
readers)."""

from __future__ import annotations

from pathlib import Path

from lnlint.confirm.plot_data import PlotData, Series

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
INSTALL = "pip install 'lnlint[plot]'"


class PlotUnavailable(Exception):
    """matplotlib is not installed; the CLI exits 2 with INSTALL."""


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable(f"plots need matplotlib: {INSTALL}") from None
    matplotlib.use("Agg")  # files only: no display is needed or opened
    import matplotlib.pyplot as plt

    return plt


def require_matplotlib() -> None:
    """PlotUnavailable now, before any measurement, when matplotlib is missing."""
    _pyplot()


def draw(data: PlotData, path: Path, size: tuple[int, int] = (1200, 800)) -> Path:
    """Write the picture of `data` as a PNG at `path`."""
    plt = _pyplot()
    panels = data.panels or [data.series]
    figure, axes = plt.subplots(1, len(panels), figsize=(size[0] / 100, size[1] / 100), dpi=100, squeeze=False)
    for index, (ax, panel) in enumerate(zip(axes[0], panels)):
        for number, series in enumerate(panel):
            _draw_series(ax, data, series, OKABE_ITO[(number + (index if data.kind == "width" else 0)) % len(OKABE_ITO)])
        ax.set_xlabel(data.panel_x_labels[index] if index < len(data.panel_x_labels) else data.x_label)
        ax.set_ylabel(data.panel_y_labels[index] if index < len(data.panel_y_labels) else data.y_label)
        if data.kind == "width":
            ax.set_title(panel[0].label, fontsize=11)
            ax.set_aspect("equal", adjustable="datalim")
        if data.kind == "outcomes":
            ax.set_xticks(range(len(data.tick_labels)), data.tick_labels)
            if not data.y_label:  # the bars say only what happened
                ax.set_yticks([])
            ax.set_ylim(0, 1.3 * max(y for series in panel for y in series.y))  # room for the legend
        if data.kind != "outcomes":
            ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    figure.suptitle(data.title + (f"\n{'; '.join(data.notes)}" if data.notes else ""), fontsize=12)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    plt.close(figure)
    return path


def _draw_series(ax, data: PlotData, series: Series, colour: str) -> None:
    if data.kind == "width":
        distinct = len({(round(x, 3), round(y, 3)) for x, y in zip(series.x, series.y)})
        ax.scatter(series.x, series.y, s=12, alpha=0.6, color=colour, label=f"{len(series.x)} tokens, {distinct} distinct points")
    elif data.kind == "outcomes":
        if series.x:
            bars = ax.bar(series.x, series.y, color=colour, label=series.label, width=0.7)
            if data.y_label:
                ax.bar_label(bars, [f"{y:.3g}" for y in series.y], fontsize=9)
    elif data.kind == "bars":
        ax.bar([series.label.partition(": ")[2] or series.label], series.y, color=colour, label=series.label)
    elif not series.x:  # a curve left out: its legend entry says why
        ax.plot([], [], " ", label=series.label)
    else:
        ax.plot(series.x, series.y, marker="o" if len(series.x) <= 50 else None, markersize=4, color=colour, label=series.label)
