"""Render .ass/.ssa subtitle files with libass, recovering exact per-pixel alpha and colour.

The ffmpeg binary of the imageio-ffmpeg wheel has libass (`ass` filter). We render the
clip window of a file twice in one ffmpeg run, over black and over white (RGB, so the
blend is per channel), and solve for the overlay: over black the frame is a·c, over
white a·c + (1 - a)·255, so 1 - a = (white - black) / 255 and c = black / a. The
overlay is then composited by our own integer compositor with an exact mask, and
matches ffmpeg's own burn-in of the file within ±2 levels per channel.

Fonts: libass finds fonts through fontconfig; each process writes its own fonts.conf
listing only the bundled fonts/ (plus a user folder), so rendering never depends on
the machine's system fonts. Clip frame t shows time (start_frame + t) / fps, on the
file's own frame grid, computed exactly as ffmpeg does.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from fractions import Fraction
from functools import lru_cache
from multiprocessing.util import Finalize
from pathlib import Path

import numpy as np

from datagen.paths import fonts_dir

_WORK: dict[str, Path] = {}
SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=1)
def ass_problem() -> str | None:
    """Why .ass files cannot be rendered here, or None when they can."""
    try:
        exe = ffmpeg_exe()
    except (RuntimeError, OSError) as e:
        return f"no ffmpeg binary ({e}); install imageio-ffmpeg"
    try:
        out = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return f"cannot run ffmpeg ({e})"
    if not re.search(r"^\s*\S*\s+ass\s", out, re.M):
        return f"ffmpeg at {exe} has no libass ('ass' filter)"
    return None


def _workdir() -> Path:
    """A private folder for this process: staged .ass copies, fonts.conf, fontconfig cache."""
    if "dir" not in _WORK:
        base = tempfile.gettempdir()
        if not SAFE_PATH.match(base):
            base = "/tmp"
        d = Path(tempfile.mkdtemp(prefix="datagen_ass_", dir=base))
        # removed at exit, in worker processes too (they skip atexit; multiprocessing runs these)
        Finalize(None, shutil.rmtree, args=(str(d), True), exitpriority=0)
        _WORK["dir"] = d
    return _WORK["dir"]


@lru_cache(maxsize=8)
def fontconfig_env(font_dirs: tuple[str, ...]) -> dict:
    """Environment for ffmpeg whose fontconfig sees only `font_dirs` (searched recursively)."""
    import os

    work = _workdir()
    key = hashlib.sha256("\n".join(font_dirs).encode()).hexdigest()[:12]
    conf = work / f"fonts-{key}.conf"
    dirs = "".join(f"  <dir>{_xml(str(Path(d).resolve()))}</dir>\n" for d in font_dirs)
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f"{dirs}  <cachedir>{_xml(str(work / 'fc-cache'))}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stage(path: str) -> str:
    """A copy of the subtitle file under a name that needs no escaping in a filter graph."""
    data = Path(path).read_bytes()
    dest = _workdir() / f"track-{hashlib.sha256(data).hexdigest()[:20]}{Path(path).suffix.lower()}"
    if not dest.exists():
        dest.write_bytes(data)
    return str(dest)


def frame_rate(fps: float) -> Fraction:
    """The clip's frame rate as ffmpeg reads it (23.976 -> 2997/125)."""
    return Fraction(repr(float(fps))).limit_denominator(1_000_000)


def frame_ms(frame: int, fps: float) -> int:
    """libass's time (ms) of a frame with pts `frame` at `fps`, computed as ffmpeg does it."""
    r = frame_rate(fps)
    return int(frame * (r.denominator / r.numerator) * 1000)


def default_font_dirs(extra: str | None = None) -> tuple[str, ...]:
    dirs = [str(fonts_dir())]
    if extra:
        dirs.append(str(extra))
    return tuple(dirs)


def render_overlay(path: str, width: int, height: int, fps: float, start_frame: int, frames: int,
                   font_dirs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(T, H, W, 3) colour and (T, H, W) alpha of the file's subtitles on frames
    start_frame .. start_frame + frames - 1 of its timeline."""
    r = frame_rate(fps)
    chain = f"format=rgb24,setpts=PTS+{int(start_frame)},ass=filename={_stage(path)}"
    src = f"s={width}x{height}:r={r.numerator}/{r.denominator}"
    graph = (f"color=c=black:{src},{chain}[b];color=c=white:{src},{chain}[w];"
             f"[b][w]vstack=inputs=2[out]")
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-filter_complex", graph,
           "-map", "[out]", "-frames:v", str(frames), "-fps_mode", "passthrough",  # no frames made up for 0 .. start
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, env=fontconfig_env(font_dirs), timeout=600)
    except subprocess.SubprocessError as e:
        raise RuntimeError(f"ffmpeg/libass failed on {path}: {e}") from None
    need = frames * 2 * height * width * 3
    if proc.returncode != 0 or len(proc.stdout) != need:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"ffmpeg/libass failed on {path}: {err[-1] if err else 'no output'}")
    both = np.frombuffer(proc.stdout, np.uint8).reshape(frames, 2 * height, width, 3)
    return solve_overlay(both[:, :height], both[:, height:])


def solve_overlay(over_black: np.ndarray, over_white: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight colour and alpha of an overlay from renders over black and over white.

    Over black a pixel is a·c, over white a·c + (1 - a)·255; c is rounded so that our
    compositor reproduces the render over black exactly."""
    b = over_black.astype(np.int32)
    w = over_white.astype(np.int32)
    # libass blends shadow, border and fill one after another with truncation, so the three
    # channels disagree on 1 - a by a level or two; their rounded mean keeps every channel
    # within ±2 of ffmpeg's burn-in over any background (the max or min alone reach 3)
    inv = np.clip(w - b, 0, 255).sum(axis=-1)
    alpha = 255 - (2 * inv + 3) // 6
    safe = np.maximum(alpha, 1)[..., None]
    rgb = np.where(alpha[..., None] > 0, np.clip((b * 255 + safe // 2) // safe, 0, 255), 0)
    return rgb.astype(np.uint8), alpha.astype(np.uint8)
