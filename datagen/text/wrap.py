"""Line breaking for subtitles: at spaces for spaced scripts, between characters for
CJK (never putting closing punctuation at a line start), balanced like subtitle
editors do for two-line subtitles."""
from __future__ import annotations

from typing import Callable

NO_LINE_START = set("，。！？、：；）」』》〉】〕…—,.!?:;)]}%·ー々ゝゞァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ")
NO_LINE_END = set("（「『《〈【〔([{“‘")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x3040 <= o <= 0x30FF or 0x20000 <= o <= 0x2FFFF)


def break_points(text: str) -> list[int]:
    """Indices where a line may break; a break at i splits text[:i] / text[i:] (spaces dropped)."""
    cjk = sum(_is_cjk(c) for c in text) > len(text) / 3
    points = []
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        if b == " " or a == " ":
            if b == " ":
                points.append(i)
        elif cjk and (_is_cjk(a) or _is_cjk(b)) and b not in NO_LINE_START and a not in NO_LINE_END:
            points.append(i)
    return points


def _split(text: str, i: int) -> tuple[str, str]:
    return text[:i].rstrip(), text[i:].lstrip()


def _last_fitting(text: str, points: list[int], measure, max_w: float) -> int | None:
    """The last break point whose head fits max_w (heads grow with the point: binary search)."""
    lo, hi, best = 0, len(points) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if measure(_split(text, points[mid])[0]) <= max_w:
            best, lo = points[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _balanced(text: str, points: list[int], measure, max_w: float) -> list[str] | None:
    """The two-line split that minimises the longer line (first of equals), both lines fitting.

    The head grows and the tail shrinks with the break point, so the best split sits where
    they cross: found by binary search, then the two points around the crossing compared."""
    lo, hi = 0, len(points) - 1
    while lo < hi:  # first point whose head is at least as wide as its tail
        mid = (lo + hi) // 2
        a, b = _split(text, points[mid])
        if measure(a) >= measure(b):
            hi = mid
        else:
            lo = mid + 1
    best = None
    for k in (lo - 1, lo):
        if 0 <= k < len(points):
            a, b = _split(text, points[k])
            wa, wb = measure(a), measure(b)
            if a and b and wa <= max_w and wb <= max_w and (best is None or max(wa, wb) < best[0]):
                best = (max(wa, wb), [a, b])
    return best[1] if best else None


def wrap_paragraph(text: str, measure: Callable[[str], float], max_w: float) -> list[str] | None:
    text = text.strip()
    if measure(text) <= max_w:
        return [text]
    points = break_points(text)
    if not points:
        return None
    # greedy fill
    lines, rest = [], text
    while measure(rest) > max_w:
        p = _last_fitting(rest, break_points(rest), measure, max_w)
        if p is None:
            return None
        head, rest = _split(rest, p)
        lines.append(head)
    lines.append(rest)
    if len(lines) == 2:  # balance two lines, as subtitle editors do
        lines = _balanced(text, points, measure, max_w) or lines
    return lines


def wrap(text: str, measure: Callable[[str], float], max_w: float, max_lines: int) -> list[str] | None:
    """Lines of `text` no wider than max_w, at most max_lines of them, or None."""
    out: list[str] = []
    for para in text.split("\n"):
        if not para.strip():
            continue
        lines = wrap_paragraph(para, measure, max_w)
        if lines is None:
            return None
        out.extend(lines)
        if len(out) > max_lines:
            return None
    return out or None
