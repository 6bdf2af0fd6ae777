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
        pts = [p for p in break_points(rest) if measure(_split(rest, p)[0]) <= max_w]
        if not pts:
            return None
        head, rest = _split(rest, pts[-1])
        lines.append(head)
    lines.append(rest)
    if len(lines) == 2:
        # balance two lines: the split that minimises the longer line
        best = None
        for p in points:
            a, b = _split(text, p)
            wa, wb = measure(a), measure(b)
            if a and b and wa <= max_w and wb <= max_w:
                score = max(wa, wb)
                if best is None or score < best[0]:
                    best = (score, [a, b])
        if best:
            lines = best[1]
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
