"""Small test media for the footage tests (made here with the ffmpeg binary and OpenCV), plus
checks that the media are what the other footage tests assume."""
from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np

from datagen.footage.ffmpeg import ffmpeg_exe

SIZE = "160x90"
# per container: (file name, encoder arguments, frame rate)
FORMATS = {
    "mp4": ("clip.mp4", ["-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p"], "25"),
    "mkv": ("clip.mkv", ["-c:v", "libx264", "-g", "15", "-bf", "3", "-pix_fmt", "yuv420p"], "30000/1001"),
    "mov": ("clip.mov", ["-c:v", "libx264", "-g", "12", "-pix_fmt", "yuv420p"], "24"),
    "webm": ("clip.webm", ["-c:v", "libvpx-vp9", "-g", "12", "-deadline", "realtime", "-cpu-used", "8",
                           "-b:v", "400k"], "24"),
    "avi": ("clip.avi", ["-c:v", "mpeg4", "-g", "12", "-q:v", "4"], "25"),
    "ts": ("clip.ts", ["-c:v", "libx264", "-g", "12", "-pix_fmt", "yuv420p"], "25"),
}


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True,
                   timeout=120)


def make_video(path: Path, seconds: float = 3.0, rate: str = "25", codec: list[str] | None = None,
               source: str = "testsrc2", size: str = SIZE, audio_offset: float = 0.0) -> Path:
    """A moving test pattern with a frame counter; with `audio_offset` the video starts later
    than a (longer) audio track, so its first frame is not at time 0."""
    codec = codec or ["-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p"]
    path.parent.mkdir(parents=True, exist_ok=True)
    video = ["-f", "lavfi", "-i", f"{source}=s={size}:r={rate}:d={seconds}"]
    if audio_offset:
        args = ["-f", "lavfi", "-i", f"sine=d={seconds + audio_offset + 0.2}", "-itsoffset", str(audio_offset),
                *video, "-map", "1:v", "-map", "0:a", *codec, "-c:a", "aac"]
    else:
        args = [*video, *codec]
    ffmpeg(*args, str(path))
    return path


def make_cut_video(path: Path, first_frames: int = 25, rate: int = 25) -> Path:
    """testsrc2 for `first_frames` frames, then a hard cut to a different moving scene."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={SIZE}:r={rate}:d={first_frames / rate}",
           "-f", "lavfi", "-i", f"mandelbrot=s={SIZE}:rate={rate},trim=duration=2",
           "-filter_complex", "[0:v]format=yuv420p[a];[1:v]format=yuv420p,setsar=1[b];[a][b]concat=n=2:v=1[v]",
           "-map", "[v]", "-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p", str(path))
    return path


def make_frame_folder(folder: Path, n: int = 20, size=(128, 72), start: int = 0, step: int = 1,
                      fmt: str = "{:05d}.jpg") -> Path:
    """A numbered image sequence: a moving disc over a gradient, the frame number drawn in."""
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    base = np.zeros((h, w, 3), np.uint8)
    base[..., 0] = np.linspace(30, 220, w, dtype=np.uint8)[None]
    base[..., 1] = np.linspace(200, 40, h, dtype=np.uint8)[:, None]
    base[..., 2] = 90
    for i in range(n):
        img = base.copy()
        cv2.circle(img, (int(10 + i * (w - 20) / max(n - 1, 1)), h // 2), max(4, h // 5), (255, 255, 255), -1)
        cv2.putText(img, str(i), (w // 3, h - 8), cv2.FONT_HERSHEY_SIMPLEX, h / 90, (0, 0, 0), 2)
        cv2.imwrite(str(folder / fmt.format(start + i * step)), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return folder


def make_still(path: Path, size=(400, 300)) -> Path:
    """A bright photo-like image (no pure black pixels: black in a frame means border)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([60 + xx * 180 // w, 60 + yy * 180 // h, 80 + ((xx // 25 + yy // 25) % 2) * 120], -1)
    img = img.astype(np.uint8)
    for j in range(6):
        cv2.circle(img, (w * (2 * j + 1) // 12, h // 2), max(3, min(w, h) // 12), (250, 250, 250), -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return path


def make_broken_videos(folder: Path) -> dict[str, Path]:
    """One file per way a video can be broken, plus the reason the index should give."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_video(folder / "good.mp4", seconds=2)
    zero = folder / "zero.mp4"
    zero.write_bytes(b"")
    junk = folder / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 40_000, dtype=np.uint8).tobytes())
    cut_moov = folder / "no_index.mp4"  # moov atom at the end, cut off
    cut_moov.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    fast = make_video(folder / "fast.mkv", seconds=4, codec=["-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p"])
    cut_tail = folder / "cut_tail.mkv"  # header promises 4 s, half the data is there
    cut_tail.write_bytes(fast.read_bytes()[: fast.stat().st_size // 2])
    fast.unlink()
    short = make_video(folder / "short.mp4", seconds=0.2)  # 5 frames
    return {"good": good, "empty_file": zero, "undecodable": junk, "undecodable_moov": cut_moov,
            "truncated": cut_tail, "too_short": short}


def decode_all(path: Path, vf: str = "", size=(160, 90)) -> np.ndarray:
    """Every frame of a video from the start, independently of datagen's window decoder."""
    w, h = size
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1", "-i", str(path),
           "-map", "0:v:0", "-fps_mode", "passthrough"]
    if vf:
        cmd += ["-vf", vf]
    cmd += ["-sws_flags", "accurate_rnd+bitexact+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, h, w, 3)


def make_media(root: Path) -> Path:
    """A folder `videos/` with a clip per container (see FORMATS) and one whose first video
    frame comes 0.32 s after the start (an earlier audio track)."""
    videos = root / "videos"
    videos.mkdir(parents=True, exist_ok=True)
    for name, codec, rate in FORMATS.values():
        make_video(videos / name, rate=rate, codec=codec)
    make_video(videos / "late_start.mov", audio_offset=0.3)
    return root


def test_the_test_pattern_moves_and_counts_frames(tmp_path):
    full = decode_all(make_video(tmp_path / "v.mp4", seconds=1))
    assert full.shape == (25, 90, 160, 3)
    assert not np.array_equal(full[0], full[1])


def test_cut_video_has_a_cut(tmp_path):
    frames = decode_all(make_cut_video(tmp_path / "cut.mp4"))
    d = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))
    assert int(np.argmax(d)) == 24 and d[24] > 3 * np.median(d)
