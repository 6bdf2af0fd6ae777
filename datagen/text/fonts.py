"""Font catalogue: every font file under a folder, with its family, style and cmap.

Glyph coverage comes from the font's own cmap (fontTools), so a text is only ever
rendered with a font that has every one of its characters: no tofu boxes. Files that
are not readable fonts are skipped and listed in `catalog.broken`.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from datagen.paths import REPO_ROOT, fonts_dir

FONT_EXTS = (".ttf", ".otf")
STYLES = ("regular", "bold", "italic", "bolditalic")


@dataclass(frozen=True)
class FontInfo:
    path: str
    family: str
    style: str  # one of STYLES
    cmap: frozenset = field(repr=False, compare=False, hash=False)

    @property
    def label(self) -> str:
        """Path as recorded in metadata: relative to the repository for bundled fonts."""
        return _label(self.path)

    def covers(self, text: str) -> bool:
        return required_codepoints(text) <= self.cmap


@lru_cache(maxsize=4096)
def _label(path: str) -> str:
    p = Path(path).resolve()  # resolving touches the file system: once per font file
    try:
        return str(p.relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


@lru_cache(maxsize=1024)
def resolve_label(label: str) -> str:
    """Inverse of FontInfo.label: a repository-relative label back to a usable path
    (cached: text layers resolve the labels of a few fonts for every event)."""
    p = Path(label)
    return str(p if p.is_absolute() else REPO_ROOT / p)


def _ignorable(ch: str) -> bool:
    # layout controls and joiners are not drawn as glyphs of their own
    return ch in "\n\r\t" or unicodedata.category(ch) in ("Cc", "Cf")


@lru_cache(maxsize=2048)
def required_codepoints(text: str) -> frozenset:
    """The code points a font must map to draw `text` (memoised: corpora repeat)."""
    return frozenset(ord(c) for c in set(text) if not _ignorable(c))


def missing_chars(text: str, cmap: frozenset) -> str:
    return "".join(sorted(chr(o) for o in required_codepoints(text) - cmap))


def _style_of(font: TTFont) -> str:
    names = font["name"]
    sub = (names.getDebugName(17) or names.getDebugName(2) or "Regular").lower()
    os2 = font["OS/2"] if "OS/2" in font else None
    bold = "bold" in sub or "black" in sub or "heavy" in sub or (os2 is not None and os2.usWeightClass >= 600)
    italic = "italic" in sub or "oblique" in sub or (os2 is not None and bool(os2.fsSelection & 1))
    return ("bold" if bold else "") + ("italic" if italic else "") or "regular"


def read_font(path: str | os.PathLike) -> FontInfo:
    """Read one font's family, style and cmap; raises ValueError for a file that is no font."""
    try:
        font = TTFont(str(path), lazy=True, fontNumber=0)
        names = font["name"]
        family = names.getDebugName(16) or names.getDebugName(1)
        cmap = font.getBestCmap()
    except (TTLibError, OSError, KeyError, AssertionError, AttributeError, ValueError, IndexError) as e:
        raise ValueError(f"not a readable font ({type(e).__name__}: {e})") from None
    if not family or not cmap:
        raise ValueError("font has no family name or no character map")
    return FontInfo(str(path), family, _style_of(font), frozenset(cmap))


class FontCatalog:
    def __init__(self, fonts: list[FontInfo], broken: list[tuple[str, str]] | None = None):
        self.fonts = sorted(fonts, key=lambda f: (f.family, f.style, f.path))
        self.broken = broken or []

    @classmethod
    def scan(cls, root: str | os.PathLike | None = None) -> "FontCatalog":
        return _scan_cached(str(Path(root or fonts_dir()).resolve()))

    @classmethod
    def from_files(cls, paths: list[str]) -> "FontCatalog":
        fonts, broken = [], []
        for p in paths:
            try:
                fonts.append(read_font(p))
            except ValueError as e:
                broken.append((str(p), str(e)))
        return cls(fonts, broken)

    def families(self) -> list[str]:
        return sorted({f.family for f in self.fonts})

    def select(self, families: list[str] | None = None, styles: list[str] | None = None) -> list[FontInfo]:
        out = self.fonts
        if families:
            fam = {f.lower() for f in families}
            out = [f for f in out if f.family.lower() in fam]
        if styles:
            out = [f for f in out if f.style in styles]
        return out

    def covering(self, text: str, fonts: list[FontInfo] | None = None) -> list[FontInfo]:
        return [f for f in (fonts if fonts is not None else self.fonts) if f.covers(text)]


@lru_cache(maxsize=8)
def _scan_cached(root: str) -> FontCatalog:
    paths = sorted(str(p) for p in Path(root).rglob("*") if p.suffix.lower() in FONT_EXTS and p.is_file())
    return FontCatalog.from_files(paths)
