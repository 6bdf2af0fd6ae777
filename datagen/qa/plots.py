"""PNG plots of `stats.json` (matplotlib, Agg backend): drawn from the stats dict alone.

Each plot is one small function `(stats, ax) -> title | None` (None: nothing to show,
e.g. no texts in a logo-only dataset); `write_plots` saves the ones that apply to
OUT/plots/NAME.png and returns their list for the gallery.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

PLOTS_DIR = "plots"
TOP_N = 20  # bars shown for long categorical lists (fonts)
COLOUR = "#3d6df2"


def _hist(ax, summary: dict, xlabel: str, scale: float = 1.0, log: bool = False) -> bool:
    h = summary.get("hist") if summary else None
    if not h or not summary.get("count"):
        return False
    edges = np.asarray(h["edges"]) * scale
    ax.bar(edges[:-1], h["counts"], width=np.diff(edges), align="edge", color=COLOUR, edgecolor="white", linewidth=0.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    if log:
        ax.set_yscale("log")
    ax.axvline(summary["mean"] * scale, color="#d33", linewidth=1, label=f"mean {summary['mean'] * scale:.3g}")
    ax.axvline(summary["p50"] * scale, color="#333", linewidth=1, linestyle="--",
               label=f"median {summary['p50'] * scale:.3g}")
    ax.legend(fontsize=8)
    return True


def _bars(ax, counts: dict, xlabel: str, horizontal: bool = False) -> bool:
    if not counts:
        return False
    items = list(counts.items())[:TOP_N]
    names, values = [str(k) for k, _ in items], [v for _, v in items]
    if horizontal:
        y = np.arange(len(names))[::-1]
        ax.barh(y, values, color=COLOUR)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlabel(xlabel)
    else:
        ax.bar(names, values, color=COLOUR)
        ax.set_ylabel(xlabel)
        ax.tick_params(axis="x", labelrotation=30 if len(names) > 4 else 0, labelsize=8)
    return True


def plot_frame_coverage(stats, ax):
    if _hist(ax, stats["mask_coverage"]["per_frame"], "masked pixels per frame (%)", scale=100, log=True):
        return "Mask coverage per frame"


def plot_clip_coverage(stats, ax):
    if _hist(ax, stats["mask_coverage"]["per_clip"], "mean masked pixels per clip (%)", scale=100):
        return "Mask coverage per clip"


def plot_layer_types(stats, ax):
    if _bars(ax, stats["layers"]["samples_with_type"], "samples"):
        return "Layer types (samples containing each)"


def plot_layers_per_sample(stats, ax):
    if _bars(ax, stats["layers"]["per_sample"], "samples"):
        ax.set_xlabel("layers drawn in the sample")
        return "Layers per sample"


def plot_fonts(stats, ax):
    fonts = stats["fonts"]["families"] or stats["fonts"]["files"]
    if _bars(ax, fonts, "layers using it", horizontal=True):
        more = len(fonts) - TOP_N
        return "Font usage" + (f" (top {TOP_N}, {more} more)" if more > 0 else "")


def _stairs_by_type(ax, summaries: dict, xlabel: str, ylabel: str) -> bool:
    """One outline histogram per layer type on a shared axis (their bins are shared)."""
    shown = [(t, s) for t, s in summaries.items() if s.get("count") and s.get("hist")]
    for i, (t, s) in enumerate(shown):
        ax.stairs(s["hist"]["counts"], s["hist"]["edges"], label=f"{t} (mean {s['mean']:.3g})",
                  fill=len(shown) == 1, color=COLOUR if len(shown) == 1 else f"C{i}", linewidth=1.5)
    if shown:
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    return bool(shown)


def plot_text_length(stats, ax):
    by_type = {t: v["length"] for t, v in stats["text"].get("by_type", {}).items()}
    if _stairs_by_type(ax, by_type, "characters per text", "texts"):
        return "Text length by layer type"


def plot_scripts(stats, ax):
    counts = {f"{t}: {s}": n for t, v in stats["text"].get("by_type", {}).items() for s, n in v["scripts"].items()}
    if _bars(ax, counts, "texts", horizontal=True):
        return "Text script by layer type"


def plot_opacity(stats, ax):
    if _stairs_by_type(ax, stats["opacity"], "opacity", "layers"):
        return "Opacity by layer type"


def plot_motion(stats, ax):
    counts = {f"{t}: {m}": n for t, c in stats["motion"].items() for m, n in c.items()}
    if _bars(ax, counts, "layers", horizontal=True):
        return "Motion types by layer type"


def plot_variants(stats, ax):
    counts = {f"{t}: {v}": n for t, c in stats.get("variants", {}).items() for v, n in c.items()}
    if _bars(ax, dict(sorted(counts.items(), key=lambda kv: -kv[1])), "layers", horizontal=True):
        return "Variants drawn (profile, kind, source, fill, blend)"


def plot_heatmap(stats, ax):
    hm = stats["mask_heatmap"]
    if not hm["rows"]:
        return None
    values = 100 * np.asarray(hm["values"], np.float64)
    im = ax.imshow(values, cmap="magma", interpolation="nearest", aspect="equal", vmin=0)
    ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="% of frames masked")
    ax.set_xticks([])
    ax.set_yticks([])
    return "Where masks fall (all frames, frame = whole image)"


PLOTS = {
    "coverage_frame": plot_frame_coverage,
    "coverage_clip": plot_clip_coverage,
    "mask_heatmap": plot_heatmap,
    "layer_types": plot_layer_types,
    "layers_per_sample": plot_layers_per_sample,
    "fonts": plot_fonts,
    "text_length": plot_text_length,
    "text_scripts": plot_scripts,
    "opacity": plot_opacity,
    "motion": plot_motion,
    "variants": plot_variants,
}


def write_plots(stats: dict, out_dir: str | Path) -> list[dict]:
    """Save every plot that has data to OUT/plots/NAME.png; [{"file", "title"}] in page order."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    folder = Path(out_dir) / PLOTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fn in PLOTS.items():
        fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
        try:
            title = fn(stats, ax)
            path = folder / f"{name}.png"
            if title:
                ax.set_title(title, fontsize=11)
                fig.tight_layout()
                fig.savefig(path, format="png", metadata={"Software": None})
                written.append({"file": f"{PLOTS_DIR}/{name}.png", "title": title})
            elif path.exists():
                path.unlink()  # left from an earlier run over other data
        finally:
            plt.close(fig)
    return written
