"""Text sources for subtitles: bundled corpora, users' text files, users' subtitle files.

- bundled corpus: `datagen/assets/corpus/<code>.txt`, one subtitle line per line
  (see SOURCES.md there for how each was made and its licence);
- a user text file: UTF-8, one subtitle per line (`\\N` or ` | ` inside a line = line break);
- a user subtitle file (.srt, .ass, .ssa, .vtt, parsed with pysubs2): events with their
  real timings, used as a timeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from datagen.paths import corpus_dir

SUBTITLE_EXTS = (".srt", ".ass", ".ssa", ".vtt", ".sub")


def bundled_corpora() -> list[str]:
    d = corpus_dir()
    return sorted(p.stem for p in d.glob("*.txt")) if d.is_dir() else []


def corpus_path(code: str) -> Path:
    return corpus_dir() / f"{code}.txt"


def check_text_file(path: str | Path) -> str | None:
    """Problem with a user text file, or None when it is usable."""
    p = Path(path)
    if not p.exists():
        return f"file not found: {p}"
    if not p.is_file():
        return f"not a file: {p}"
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as e:
        return f"cannot read {p} ({e.strerror})"
    except UnicodeDecodeError as e:
        return f"{p} is not UTF-8 text (invalid byte at offset {e.start})"
    if not any(line.strip() for line in text.splitlines()):
        return f"{p} holds no text lines"
    return None


@lru_cache(maxsize=64)
def load_lines(path: str) -> tuple[str, ...]:
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = []
    for raw in text.splitlines():
        s = raw.strip()
        if s and not s.startswith("#"):
            lines.append(s.replace("\\N", "\n").replace(" | ", "\n"))
    return tuple(lines)


@dataclass(frozen=True)
class TimedEvent:
    start: float  # seconds
    end: float
    text: str


def check_subtitle_file(path: str | Path) -> str | None:
    problem = check_text_file(path)
    if problem:
        return problem
    try:
        events = load_subtitle_events(str(path))
    except ValueError as e:
        return str(e)
    if not events:
        return f"{path} holds no subtitle events with text"
    return None


@lru_cache(maxsize=32)
def load_subtitle_events(path: str) -> tuple[TimedEvent, ...]:
    import pysubs2

    try:
        subs = pysubs2.load(path, encoding="utf-8")
    except (pysubs2.exceptions.Pysubs2Error, ValueError, KeyError, IndexError) as e:
        raise ValueError(f"{path} is not a valid subtitle file ({type(e).__name__}: {e})") from None
    out = []
    for ev in subs:
        if getattr(ev, "is_comment", False):
            continue
        text = ev.plaintext.strip()
        if not text or ev.end <= ev.start:
            continue
        out.append(TimedEvent(ev.start / 1000.0, ev.end / 1000.0, text))
    out.sort(key=lambda e: (e.start, e.end))
    return tuple(out)
