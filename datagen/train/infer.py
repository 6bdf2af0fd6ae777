"""`datagen infer`: remove overlays from a real video of any length and resolution.

Frames are streamed from ffmpeg (the imageio-ffmpeg binary), shrunk to the model's
size and processed in sliding temporal windows of `window` frames that overlap by
`overlap` frames; where windows overlap, outputs and masks are averaged. Each frame's
mask (predicted, or read from --mask-dir) is thresholded at full resolution, limited
to a band of the frame if asked (--band bottom: subtitles), dilated, and only those
pixels are replaced by the upscaled model output: every pixel outside the mask is the
decoded input, untouched. The result is encoded with libx264 (or losslessly with
libx264rgb, --lossless) and the input's audio is copied into it (re-encoded to AAC
only when the container refuses the original codec).

Memory is bounded by a window plus its stride of frames, whatever the video length.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from datagen.errors import UserError
from datagen.train.data import rgb_to_model
from datagen.train.distributed import autocast, pick_device
from datagen.train.models.remover import Remover, open_checkpoint

BANDS = ("full", "bottom", "top")
MASK_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass
class InferResult:
    out: str
    frames: int
    width: int
    height: int
    seconds: float
    coverage: float
    audio: str

    def summary(self) -> str:
        return (f"{self.frames} frames {self.width}x{self.height} in {self.seconds:.1f} s "
                f"({self.frames / max(self.seconds, 1e-9):.1f} fps), mean mask coverage "
                f"{100 * self.coverage:.2f}%, audio {self.audio} -> {self.out}")


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def read_video(path: str):
    """(meta, iterator of (H, W, 3) uint8 RGB frames)."""
    import imageio_ffmpeg

    if not Path(path).is_file():
        raise UserError("video not found", path=path)
    gen = imageio_ffmpeg.read_frames(path)
    try:
        meta = next(gen)
    except (RuntimeError, OSError, StopIteration) as e:
        raise UserError(f"cannot read as a video ({str(e).strip().splitlines()[-1] if str(e) else e})",
                        path=path) from None
    w, h = meta["size"]

    def frames():
        for buf in gen:
            yield np.frombuffer(buf, np.uint8).reshape(h, w, 3)

    return meta, frames()


class VideoWriter:
    """Raw RGB frames into ffmpeg: H.264 (CRF) or lossless RGB H.264."""

    def __init__(self, path: str, width: int, height: int, fps: float, lossless: bool, crf: int):
        if lossless:
            codec = ["-c:v", "libx264rgb", "-qp", "0", "-preset", "veryfast", "-pix_fmt", "rgb24"]
        else:
            pix = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
            codec = ["-c:v", "libx264", "-crf", str(crf), "-preset", "medium", "-pix_fmt", pix]
        cmd = [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", f"{fps:.6f}", "-i", "-", *codec, "-an", path]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        self.proc.stdin.write(np.ascontiguousarray(frame).tobytes())

    def close(self) -> None:
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait() != 0:
            raise UserError(f"ffmpeg failed to encode the output: {err.strip()[-300:]}")


def mux_audio(video_only: str, source: str, out: str) -> str:
    """Copy the source's audio (if any) next to the new video stream; returns what happened."""
    ff = ffmpeg_exe()
    base = [ff, "-y", "-loglevel", "error", "-i", video_only, "-i", source, "-map", "0:v:0", "-map", "1:a?",
            "-c:v", "copy"]
    for audio, label in ((["-c:a", "copy"], "copied"), (["-c:a", "aac"], "re-encoded to AAC")):
        r = subprocess.run(base + audio + [out], capture_output=True)
        if r.returncode == 0:
            return label
    raise UserError(f"ffmpeg could not add the audio: {r.stderr.decode(errors='replace').strip()[-300:]}")


def has_audio(path: str) -> bool:
    r = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", path], capture_output=True)
    return "Audio:" in r.stderr.decode(errors="replace")


class MaskDir:
    """Per-frame masks from a folder: the i-th image (sorted by name) belongs to frame i."""

    def __init__(self, folder: str):
        p = Path(folder)
        if not p.is_dir():
            raise UserError("--mask-dir: folder not found", path=folder)
        self.files = sorted(f for f in p.iterdir() if f.suffix.lower() in MASK_EXTS)
        if not self.files:
            raise UserError("--mask-dir: no mask images (.png, .jpg, ...)", path=folder)

    def get(self, i: int, width: int, height: int) -> np.ndarray:
        if i >= len(self.files):
            raise UserError(f"--mask-dir has {len(self.files)} masks, the video has more frames")
        m = cv2.imread(str(self.files[i]), cv2.IMREAD_GRAYSCALE)
        if m is None:
            raise UserError("not a readable image", path=str(self.files[i]))
        if m.shape != (height, width):
            m = cv2.resize(m, (width, height), interpolation=cv2.INTER_NEAREST)
        return m > 127


def band_mask(height: int, width: int, band: str, fraction: float) -> np.ndarray:
    m = np.ones((height, width), bool)
    rows = int(round(height * fraction))
    if band == "bottom":
        m[: height - rows] = False
    elif band == "top":
        m[rows:] = False
    return m


class _Windows:
    """Sliding-window accumulation of model outputs at model resolution."""

    def __init__(self, net: Remover, dev: torch.device, amp):
        self.net, self.dev, self.autocast = net, dev, amp
        self.out: dict[int, np.ndarray] = {}
        self.mask: dict[int, np.ndarray] = {}
        self.count: dict[int, int] = {}

    def run(self, idx: list[int], small: dict[int, np.ndarray], given: dict[int, np.ndarray] | None,
            band_small: np.ndarray, first_open: int) -> None:
        frames = rgb_to_model(torch.from_numpy(np.stack([small[i] for i in idx]))[None], self.dev)
        band = torch.from_numpy(band_small.astype(np.float32)).to(self.dev)
        with torch.no_grad(), self.autocast():
            if given is not None:
                m = torch.from_numpy(np.stack([given[i] for i in idx]).astype(np.float32))[None, :, None].to(self.dev)
            else:
                m = torch.sigmoid(self.net.perception(frames).float())
            m = m * band
            out = self.net.inpainter(frames, m)["output"].float()
        out = out[0].permute(0, 2, 3, 1).cpu().numpy()
        m = m[0, :, 0].float().cpu().numpy()
        for j, i in enumerate(idx):
            if i < first_open:
                continue  # already written
            if i not in self.count:
                self.out[i], self.mask[i], self.count[i] = np.zeros_like(out[j]), np.zeros_like(m[j]), 0
            self.out[i] += out[j]
            self.mask[i] += m[j]
            self.count[i] += 1

    def pop(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        c = self.count.pop(i)
        out = self.out.pop(i) / c
        return ((out + 1) * 127.5).round().clip(0, 255).astype(np.uint8), self.mask.pop(i) / c


def infer(video: str, checkpoint_path: str, out: str, *, mask_dir: str | None = None, band: str = "full",
          band_fraction: float = 0.3, dilate: int = 4, window: int | None = None, overlap: int | None = None,
          threshold: float | None = None, lossless: bool = False, crf: int = 18, device: str = "auto",
          progress: bool = True, model: str | None = None) -> InferResult:
    """model: refuse a checkpoint whose inpainter is not this one (`--model`)."""
    from tqdm import tqdm

    _, cfg, net = open_checkpoint(checkpoint_path, model)
    if not isinstance(net, Remover):
        raise UserError("is a stage-1 (perception) checkpoint; infer needs a stage-2 (inpaint) one",
                        path=checkpoint_path)
    masks = MaskDir(mask_dir) if mask_dir else None
    if masks is None and net.perception is None:
        raise UserError("this checkpoint was trained with --gt-mask and has no perception net: give --mask-dir")
    if band not in BANDS:
        raise UserError(f"--band must be one of {', '.join(BANDS)}, got {band!r}")
    if not 0 < band_fraction <= 1:
        raise UserError(f"--band-height must be in (0, 1], got {band_fraction}")
    T = window or cfg.data.frames
    O = T // 2 if overlap is None else overlap
    if T < 1 or not 0 <= O < T:
        raise UserError(f"need --window >= 1 and 0 <= --overlap < window, got window {T}, overlap {O}")
    if dilate < 0:
        raise UserError(f"--dilate must be >= 0, got {dilate}")
    thr = cfg.run.mask_threshold if threshold is None else threshold
    stride = T - O
    dev = pick_device(device)
    net.to(dev)
    meta, frames = read_video(video)
    W, H = meta["size"]
    mw, mh = cfg.data.width, cfg.data.height
    band_full = band_mask(H, W, band, band_fraction)
    band_small = band_mask(mh, mw, band, band_fraction)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1)) if dilate else None
    outp = Path(out)
    outp.parent.mkdir(parents=True, exist_ok=True)
    tmp_video = str(outp.with_name(f".{outp.stem}.video{'.mkv' if lossless else outp.suffix or '.mp4'}"))
    writer = VideoWriter(tmp_video, W, H, float(meta["fps"]), lossless, crf)
    acc = _Windows(net, dev, autocast(dev, cfg.run.bf16))
    full: dict[int, np.ndarray] = {}
    small: dict[int, np.ndarray] = {}
    given_full: dict[int, np.ndarray] = {}
    given_small: dict[int, np.ndarray] = {}
    written, next_start, covered, coverage = 0, 0, 0, 0.0
    t0 = time.perf_counter()

    def finish(i: int) -> None:
        nonlocal coverage
        restored, soft = acc.pop(i)
        frame = full.pop(i)
        if masks is not None:
            hole = given_full.pop(i) & band_full
        else:
            hole = (cv2.resize(soft, (W, H), interpolation=cv2.INTER_LINEAR) > thr) & band_full
        if kernel is not None and hole.any():
            hole = cv2.dilate(hole.astype(np.uint8), kernel).astype(bool)
        result = frame.copy()
        if hole.any():
            up = cv2.resize(restored, (W, H), interpolation=cv2.INTER_CUBIC)
            result[hole] = up[hole]
        coverage += float(hole.mean())
        writer.write(result)

    def run(idx: list[int]) -> None:
        acc.run(idx, small, given_small if masks is not None else None, band_small, written)

    total = int(round(meta["duration"] * meta["fps"])) if meta.get("duration") and meta.get("fps") else None
    bar = tqdm(total=total, desc="infer", unit="frame", disable=not progress)
    n = 0
    try:
        for i, frame in enumerate(frames):
            full[i] = frame
            small[i] = cv2.resize(frame, (mw, mh), interpolation=cv2.INTER_AREA)
            if masks is not None:
                given_full[i] = masks.get(i, W, H)
                given_small[i] = cv2.resize(given_full[i].astype(np.uint8), (mw, mh),
                                            interpolation=cv2.INTER_AREA) > 0
            small.pop(i - T, None)  # only the last T small frames can still be needed
            given_small.pop(i - T, None)
            n = i + 1
            if n - next_start == T:
                run(list(range(next_start, n)))
                covered = n
                while written < next_start + stride:
                    finish(written)
                    written += 1
                next_start += stride
            bar.update(1)
        if n == 0:
            raise UserError("the video has no frames", path=video)
        if covered < n:
            run(list(range(max(0, n - T), n)))
        while written < n:
            finish(written)
            written += 1
        writer.close()
        audio = mux_audio(tmp_video, video, str(outp))  # also puts the video in the asked container
        if not has_audio(video):
            audio = "none"
    finally:
        bar.close()
        if writer.proc.poll() is None:
            writer.proc.kill()
        if os.path.exists(tmp_video):
            os.remove(tmp_video)
    return InferResult(str(outp), n, W, H, time.perf_counter() - t0, coverage / n, audio)
