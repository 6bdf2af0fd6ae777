"""The source index: one JSON entry per video file, frame folder or still image, built once.

An entry holds what choosing a window needs without touching the file again: frame count,
rate, decoded size, first-frame time, keyframes (videos); frame names and size (folders);
size (stills). A source that cannot be used gets an entry too, with `skip` (the reason,
counted in the manifest) and `detail`, so it is not probed again.

The cache lives next to the output (`OUT/footage-index.json`) or at a path the recipe names
(`index:`), and `datagen index SOURCES --out PATH` builds it ahead of time. An entry is
reused while the file's size and mtime (a folder's file count and mtime) are unchanged, so
a run over 10,000 files probes them once. The file is written sorted, one entry per line:
the same sources give the same bytes, and entries never depend on when or where they were
made (the cache never changes sample bytes).
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datagen.footage import discover
from datagen.footage.ffmpeg import ProbeFailed, probe_video

INDEX_NAME = "footage-index.json"
INDEX_FORMAT = "datagen-footage-index"
INDEX_VERSION = 1
SCAN_MAX_BYTES = 1 << 30
"""Videos up to this size are read packet by packet when probed (exact frame count, keyframes,
truncation); bigger ones get a frame count estimated from the duration, one second short."""
MIN_SIDE = 16


def default_jobs() -> int:
    return min(8, 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


# ----------------------------------------------------------------------------- one source
def signature(kind: str, path: str) -> dict:
    """What says a source is unchanged: size and mtime (a folder: its file count and mtime)."""
    st = os.stat(path)
    if kind == "frames":
        with os.scandir(path) as it:
            return {"size": sum(1 for _ in it), "mtime_ns": st.st_mtime_ns}
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _image_size(path: str) -> tuple[int, int]:
    """(width, height) as displayed (EXIF orientation applied), from the header only."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            w, h = im.size
            orientation = im.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        if isinstance(e, PermissionError):
            raise ProbeFailed("unreadable", str(e)) from None
        raise ProbeFailed("undecodable", f"{type(e).__name__}: {e}") from None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _probe_frames(path: str) -> dict:
    try:
        names = discover.list_frames(path)
    except OSError as e:
        raise ProbeFailed("unreadable", e.strerror or str(e)) from None
    if len(names) < 2:
        raise ProbeFailed("no_frames", "fewer than two numbered images")
    w, h = _image_size(os.path.join(path, names[0]))
    last = _image_size(os.path.join(path, names[-1]))
    if last != (w, h):
        raise ProbeFailed("frame_size_mismatch", f"{names[0]} is {w}x{h}, {names[-1]} is {last[0]}x{last[1]}")
    return {"width": w, "height": h, "frames": len(names), "names": names}


def probe(kind: str, path: str, timeout: float) -> dict:
    """A fresh index entry for one source (never raises for a bad source: it gets `skip`)."""
    entry: dict = {"kind": kind, "path": path}
    try:
        entry.update(signature(kind, path))
        if kind != "frames" and entry["size"] == 0:
            raise ProbeFailed("empty_file", "zero bytes")
        if not os.access(path, os.R_OK | (os.X_OK if kind == "frames" else 0)):
            raise ProbeFailed("unreadable", "permission denied")
        if kind == "video":
            try:
                info = probe_video(path, timeout, scan=entry["size"] <= SCAN_MAX_BYTES)
            except ProbeFailed as e:
                if e.reason != "probe_timeout" or entry["size"] > SCAN_MAX_BYTES:
                    raise
                info = probe_video(path, timeout, scan=False)  # the packet scan was too slow
            entry.update(info.to_dict())
        elif kind == "frames":
            entry.update(_probe_frames(path))
        else:
            w, h = _image_size(path)
            entry.update({"width": w, "height": h})
        if min(entry["width"], entry["height"]) < MIN_SIDE:
            raise ProbeFailed("too_small", f"{entry['width']}x{entry['height']}")
    except ProbeFailed as e:
        entry = {k: entry[k] for k in ("kind", "path", "size", "mtime_ns") if k in entry}
        entry.update({"skip": e.reason, "detail": e.detail[:300]})
    except OSError as e:
        entry = {"kind": kind, "path": path, "skip": "unreadable", "detail": e.strerror or str(e)}
    return entry


# ----------------------------------------------------------------------------- the cache
def _is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def index_location(user_path: str | None, out: str | None) -> str | None:
    """Where the cache lives: the recipe's `index:` path, else next to the output, else nowhere."""
    if user_path:
        return user_path
    if out:
        return out.rstrip("/") + "/" + INDEX_NAME if _is_url(out) else str(Path(out.removeprefix("file://")) / INDEX_NAME)
    return None


class FootageIndex:
    """Entries keyed by (kind, path); load, update and save deterministically."""

    def __init__(self, entries: dict[tuple[str, str], dict] | None = None):
        self.entries = entries or {}

    @classmethod
    def load(cls, location: str | None) -> FootageIndex:
        """The cached index, or an empty one when there is none or it is unreadable."""
        if not location:
            return cls()
        try:
            if _is_url(location):
                import fsspec

                with fsspec.open(location, "r", encoding="utf-8") as f:
                    data = json.load(f)
            else:
                data = json.loads(Path(location).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT or data.get("version") != INDEX_VERSION:
            return cls()
        entries = {}
        for e in data.get("entries", []):
            if isinstance(e, dict) and isinstance(e.get("kind"), str) and isinstance(e.get("path"), str):
                entries[(e["kind"], e["path"])] = e
        return cls(entries)

    def dumps(self) -> str:
        rows = [json.dumps(self.entries[k], sort_keys=True, ensure_ascii=False) for k in sorted(self.entries, key=lambda k: (k[1], k[0]))]
        head = json.dumps({"format": INDEX_FORMAT, "version": INDEX_VERSION})[:-1]
        return head + ', "entries": [\n' + ",\n".join(rows) + "\n]}\n"

    def save(self, location: str) -> None:
        text = self.dumps()
        if _is_url(location):
            import fsspec

            with fsspec.open(location, "w", encoding="utf-8") as f:
                f.write(text)
            return
        p = Path(location)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)

    def cached(self, kind: str, path: str) -> dict | None:
        """The stored entry when the source is unchanged since it was probed."""
        e = self.entries.get((kind, path))
        if e is None or "size" not in e:
            return None
        try:
            sig = signature(kind, path)
        except OSError:
            return None
        return e if (e.get("size"), e.get("mtime_ns")) == (sig["size"], sig["mtime_ns"]) else None

    def update(self, items: list[tuple[str, str]], timeout: float, jobs: int | None = None,
               progress: bool = False) -> tuple[list[dict], int]:
        """Entries for `items` (probing new or changed ones), and how many were probed."""
        got: dict[tuple[str, str], dict] = {}
        todo = []
        for kind, path in items:
            e = self.cached(kind, path)
            if e is None:
                todo.append((kind, path))
            else:
                got[(kind, path)] = e
        if todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="index footage", unit="source", disable=not progress,
                       dynamic_ncols=True, leave=False)
            with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
                for (kind, path), e in zip(todo, pool.map(lambda kp: probe(kp[0], kp[1], timeout), todo)):
                    got[(kind, path)] = self.entries[(kind, path)] = e
                    bar.update(1)
            bar.close()
        return [got[k] for k in items], len(todo)


def skip_counts(entries: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        if "skip" in e:
            out[e["skip"]] = out.get(e["skip"], 0) + 1
    return dict(sorted(out.items()))
