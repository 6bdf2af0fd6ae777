"""Writing systems: which script a text is in, its direction, whether it needs shaping.

Subtitles come in many scripts, and three facts about a line decide how it is drawn:
its dominant script (to pick fonts, line breaking, vertical layout, labels), whether it
is right-to-left (Arabic, Hebrew: drawn in visual order by FriBiDi) and whether its
glyphs join or reorder (Arabic, Hebrew marks, Devanagari, Thai: HarfBuzz shaping, no
per-letter spacing). Pillow does both through libraqm; `require_raqm()` turns a Pillow
without it into one clear error at start-up instead of silently wrong text.
"""
from __future__ import annotations

from functools import lru_cache

from PIL import features

SCRIPTS = ("latin", "cyrillic", "greek", "han", "japanese", "hangul", "arabic", "hebrew", "devanagari", "thai")

# (first, last, script) for the letters that decide a line's script
_RANGES = (
    (0x0041, 0x024F, "latin"), (0x1E00, 0x1EFF, "latin"),
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7AF, "hangul"),
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"), (0xF900, 0xFAFF, "han"), (0x20000, 0x2FFFF, "han"),
)

RTL_SCRIPTS = frozenset({"arabic", "hebrew"})
SHAPED_SCRIPTS = frozenset({"arabic", "hebrew", "devanagari", "thai"})
VERTICAL_SCRIPTS = frozenset({"han", "japanese"})

CORPUS_SCRIPTS = {
    "en": "latin", "de": "latin", "fr": "latin", "es": "latin", "pt": "latin", "vi": "latin", "pl": "latin",
    "tr": "latin", "ru": "cyrillic", "uk": "cyrillic", "el": "greek", "zh_hans": "han", "zh_hant": "han",
    "ja": "japanese", "ko": "hangul", "ar": "arabic", "he": "hebrew", "hi": "devanagari", "th": "thai",
}
"""The script of each bundled corpus (see datagen/assets/corpus/SOURCES.md)."""


def char_script(ch: str) -> str | None:
    o = ord(ch)
    for lo, hi, name in _RANGES:
        if lo <= o <= hi:
            return name
    return None


@lru_cache(maxsize=2048)
def script_of(text: str) -> str:
    """The dominant script of `text` (one of SCRIPTS); 'latin' for text without letters.

    Japanese is any text with kana (kanji alone reads as 'han')."""
    counts: dict[str, int] = {}
    for ch in text:
        s = char_script(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return "latin"
    if counts.get("kana"):
        return "japanese"
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


@lru_cache(maxsize=2048)
def is_rtl(text: str) -> bool:
    """Whether the paragraph direction of `text` is right-to-left (its first strong letter is RTL)."""
    for ch in text:
        s = char_script(ch)
        if s is not None:
            return s in RTL_SCRIPTS
    return False


@lru_cache(maxsize=2048)
def needs_shaping(text: str) -> bool:
    """True for text whose glyphs join, reorder or stack (no per-letter spacing for it)."""
    for ch in text:
        o = ord(ch)
        if (0x0590 <= o <= 0x08FF or 0x0900 <= o <= 0x0DFF or 0x0E00 <= o <= 0x0EFF
                or 0xFB1D <= o <= 0xFEFF or 0x1000 <= o <= 0x109F):
            return True
    return False


def can_be_vertical(text: str) -> bool:
    """Whether `text` is Chinese or Japanese, the scripts set top-to-bottom on screen."""
    return script_of(text) in VERTICAL_SCRIPTS


def has_raqm() -> bool:
    return bool(features.check("raqm"))


def raqm_problem() -> str | None:
    """Why complex scripts cannot be drawn correctly here, or None when they can."""
    if has_raqm():
        return None
    return ("this Pillow has no libraqm (complex text layout), so Arabic, Hebrew, Devanagari and Thai "
            "would be drawn unshaped and in the wrong order; install Pillow's PyPI wheel (it bundles raqm)")


def require_raqm() -> None:
    """Raise a one-line UserError when Pillow cannot shape complex scripts."""
    problem = raqm_problem()
    if problem:
        from datagen.errors import UserError

        raise UserError(problem)
