"""`datagen stats`: one pass over shards, summarised as `stats.json` (+ plots, index.html).

Read per sample: the json (layer types, texts, fonts, opacity, motion, background) and
the mask frames (coverage per frame and per clip, and a heat map of where masks fall,
averaged over all frames on a grid HEAT_WIDTH cells wide). Clean and corrupted frames
are never decoded, so a pass costs about one PNG decode per frame. Every plot is drawn
from `stats.json` alone (`datagen.qa.plots`), so the numbers and the pictures agree.
"""
from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from datagen.errors import UserError
from datagen.qa.describe import background_type, describe_layers, text_length, text_script
from datagen.qa.gallery import STATS_JSON, write_index
from datagen.qa.select import Skipped, expected_samples, iter_selected, shard_urls
from datagen.reader import FIELD_RE

HEAT_WIDTH = 64  # heat-map cells across; rows follow the clip's aspect ratio
HIST_BINS = 40
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def summarize(values, bins: int = HIST_BINS, lo: float | None = None, hi: float | None = None,
              integer: bool = False) -> dict:
    """count, mean, min, quantiles, max and a histogram of a list of numbers."""
    a = np.asarray(values, np.float64)
    if a.size == 0:
        return {"count": 0}
    lo = float(a.min()) if lo is None else lo
    hi = float(a.max()) if hi is None else hi
    if integer:
        edges = np.arange(np.floor(lo), np.ceil(hi) + 2) - 0.5
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + 1e-9, bins + 1)
    counts, edges = np.histogram(np.clip(a, edges[0], edges[-1]), bins=edges)
    out = {"count": int(a.size), "mean": float(a.mean()), "min": float(a.min())}
    out.update({f"p{int(q * 100)}": float(np.quantile(a, q)) for q in QUANTILES})
    out["max"] = float(a.max())
    out["hist"] = {"edges": [round(float(e), 6) for e in edges], "counts": counts.tolist()}
    return out


def _stream_of(field: str) -> str:
    m = FIELD_RE.match(field)
    return m.group(1) if m else field.rsplit(".", 1)[-1]


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class StatsCollector:
    """Accumulates statistics sample by sample (constant memory apart from per-frame coverage)."""

    def __init__(self):
        self.samples = 0
        self.frames = 0
        self.clip_sizes: Counter = Counter()
        self.stream_bytes: Counter = Counter()
        self.frame_cov: list[np.ndarray] = []
        self.clip_cov: list[float] = []
        self.layers_per_sample: Counter = Counter()
        self.type_samples: Counter = Counter()
        self.type_layers: Counter = Counter()
        self.labels: Counter = Counter()
        self.families: Counter = Counter()
        self.font_files: Counter = Counter()
        self.text_lengths: dict[str, list[int]] = defaultdict(list)  # per layer type
        self.scripts: dict[str, Counter] = defaultdict(Counter)
        self.opacity: dict[str, list[float]] = defaultdict(list)
        self.motion: dict[str, Counter] = defaultdict(Counter)
        self.variants: dict[str, Counter] = defaultdict(Counter)
        self.backgrounds: Counter = Counter()
        self.skipped_inputs: Counter = Counter()
        self.heat: np.ndarray | None = None  # sum over frames of the masked fraction per cell
        self.heat_frames = 0

    def add(self, files: dict[str, bytes], meta: dict) -> None:
        """One sample: its raw files and parsed json. Raises ValueError for an undecodable mask."""
        masks = [files[f] for f in sorted(files) if _stream_of(f) == "mask" and FIELD_RE.match(f)]
        if not masks:
            raise ValueError("no mask frames")
        cov = np.empty(len(masks), np.float64)
        for t, data in enumerate(masks):
            m = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
            if m is None:
                raise ValueError(f"mask frame {t} does not decode")
            on = m > 0
            cov[t] = on.mean()
            self._add_heat(on)
        self.samples += 1
        self.frames += len(masks)
        self.clip_sizes[f"{m.shape[1]}x{m.shape[0]}x{len(masks)}"] += 1
        for f, data in files.items():
            self.stream_bytes[_stream_of(f)] += len(data)
        self.frame_cov.append(cov)
        self.clip_cov.append(float(cov.mean()))
        self._add_meta(meta)

    def _add_heat(self, on: np.ndarray) -> None:
        if self.heat is None:
            h, w = on.shape
            self.heat = np.zeros((max(1, round(HEAT_WIDTH * h / w)), HEAT_WIDTH), np.float64)
        rows, cols = self.heat.shape
        self.heat += cv2.resize(on.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA)
        self.heat_frames += 1

    def _add_meta(self, meta: dict) -> None:
        infos = describe_layers(meta)
        self.layers_per_sample[len(infos)] += 1
        for t in {i.type for i in infos} or {"none"}:
            self.type_samples[t] += 1
        for info in infos:
            self.type_layers[info.type] += 1
            if info.label:
                self.labels[f"{info.type}:{info.label}"] += 1
            self.families.update(info.families)
            self.font_files.update(os.path.basename(f) for f in info.fonts)
            for item in info.texts:
                self.text_lengths[info.type].append(text_length(item.text))
                self.scripts[info.type][text_script(item.text)] += 1
            self.opacity[info.type].extend(info.opacities)
            self.motion[info.type].update(info.motions or ["none"])
            self.variants[info.type].update(info.variants)
        self.backgrounds[background_type(meta)] += 1
        skipped = meta.get("skipped_inputs")
        if isinstance(skipped, dict):
            self.skipped_inputs.update({k: int(v) for k, v in skipped.items() if isinstance(v, int)})

    def _text_stats(self) -> dict:
        """Texts drawn, overall and per layer type (subtitle lines and logo words differ a lot);
        length histograms share integer bins so they can be drawn on one axis."""
        lengths = [n for v in self.text_lengths.values() for n in v]
        top = max(lengths, default=0)
        return {
            "count": len(lengths),
            "scripts": dict(sum(self.scripts.values(), Counter()).most_common()),
            "by_type": {t: {"count": len(v), "length": summarize(v, lo=0, hi=top, integer=True),
                            "scripts": dict(self.scripts[t].most_common())}
                        for t, v in sorted(self.text_lengths.items()) if v},
        }

    def result(self) -> dict:
        per_frame = np.concatenate(self.frame_cov) if self.frame_cov else np.zeros(0)
        total_bytes = sum(self.stream_bytes.values())
        heat = self.heat / max(self.heat_frames, 1) if self.heat is not None else np.zeros((0, 0))
        empty = int((per_frame == 0).sum())
        stats = {
            "samples": self.samples,
            "frames": self.frames,
            "clip_sizes": dict(self.clip_sizes.most_common()),
            "bytes": {"total": total_bytes, "per_sample_mean": total_bytes / max(self.samples, 1),
                      "per_stream": dict(self.stream_bytes.most_common())},
            "mask_coverage": {
                "per_frame": summarize(per_frame, lo=0.0),
                "per_clip": summarize(self.clip_cov, lo=0.0),
                "frames_without_mask": empty,
            },
            "layers": {
                "per_sample": {str(k): v for k, v in sorted(self.layers_per_sample.items())},
                "samples_with_type": dict(self.type_samples.most_common()),
                "layers_of_type": dict(self.type_layers.most_common()),
                "labels": dict(self.labels.most_common()),
            },
            "fonts": {"families": dict(self.families.most_common()), "files": dict(self.font_files.most_common())},
            "text": self._text_stats(),
            "opacity": {t: summarize(v, bins=20, lo=0.0, hi=1.0) for t, v in sorted(self.opacity.items()) if v},
            "motion": {t: dict(c.most_common()) for t, c in sorted(self.motion.items())},
            "variants": {t: dict(c.most_common()) for t, c in sorted(self.variants.items()) if c},
            "background": dict(self.backgrounds.most_common()),
            "skipped_inputs": dict(sorted(self.skipped_inputs.items())),
            "mask_heatmap": {"rows": int(heat.shape[0]), "cols": int(heat.shape[1]),
                             "values": np.round(heat, 5).tolist()},
        }
        cov = stats["mask_coverage"]
        stats["headline"] = {
            "samples": self.samples,
            "frames": self.frames,
            "clip sizes (WxHxT)": ", ".join(f"{k} ({v})" for k, v in self.clip_sizes.most_common()),
            "sample bytes": _mb(total_bytes),
            "bytes per sample": _mb(int(total_bytes / max(self.samples, 1))),
            "mask coverage per clip, mean / median / max": (
                f"{100 * cov['per_clip'].get('mean', 0):.2f}% / {100 * cov['per_clip'].get('p50', 0):.2f}% / "
                f"{100 * cov['per_clip'].get('max', 0):.2f}%"),
            "frames without mask": f"{empty} ({100 * empty / max(self.frames, 1):.1f}%)",
            "layer types (samples)": ", ".join(f"{k} {v}" for k, v in self.type_samples.most_common()),
            "fonts used": f"{len(self.families) or len(self.font_files)} families",
            "texts (scripts)": ", ".join(f"{k} {v}" for k, v in sum(self.scripts.values(), Counter()).most_common())
            or "none",
            "backgrounds": ", ".join(f"{k} {v}" for k, v in self.backgrounds.most_common()),
            "skipped inputs": ", ".join(f"{k} {v}" for k, v in sorted(self.skipped_inputs.items())) or "none",
        }
        return stats


def make_stats(specs: list[str], out: str, plots: bool = True, progress: bool = True):
    """One pass over the shards; writes OUT/stats.json (+ OUT/plots/*.png) and OUT/index.html.

    Returns (index path, stats, skipped). Plots need matplotlib (the `qa` extra).
    """
    urls = shard_urls(specs)
    if plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UserError("plots need matplotlib: pip install -e '.[qa]' (or pass --no-plots)") from None
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output directory ({e.strerror})", path=str(out_dir)) from None
    skipped = Skipped()
    collector = StatsCollector()
    bar = tqdm(total=expected_samples(specs), unit="sample", desc="stats", disable=not progress, dynamic_ncols=True)
    try:
        for _url, key, files, meta in iter_selected(urls, [], skipped):
            try:
                collector.add(files, meta)
            except ValueError as e:
                skipped.add(key, str(e))
            bar.update(1)
    finally:
        bar.close()
    if collector.samples == 0:
        detail = f" ({skipped.summary()})" if skipped.items else ""
        raise UserError(f"no readable sample in {' '.join(specs)}{detail}")
    stats = {"source": [str(s) for s in specs], **collector.result(),
             "unreadable": [list(s) for s in skipped.items], "plots": []}
    if plots:
        from datagen.qa.plots import write_plots

        stats["plots"] = write_plots(stats, out_dir)
    (out_dir / STATS_JSON).write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return write_index(out_dir), stats, skipped
