"""Where overlay text comes from and which font draws it.

`TextSource` is the recipe entry shared by the text layers (subtitle, danmaku, ticker):
a bundled corpus, a user text file or a user subtitle file, with a weight. `TextPicker`
chooses a font whose character map covers a text (never tofu) and breaks the text
into lines that fit a width.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from datagen.recipe.dist import Cat
from datagen.recipe.schema import Strict
from datagen.rng import pick
from datagen.text import fonts as fontmod
from datagen.text.corpus import bundled_corpora, check_subtitle_file, check_text_file, corpus_path, load_lines
from datagen.text.render import line_width, load_font
from datagen.text.scripts import CORPUS_SCRIPTS, SHAPED_SCRIPTS, raqm_problem, script_of
from datagen.text.wrap import wrap


class FontChoice(Strict):
    dir: str | None = Field(None, description="folder of .ttf/.otf files (default: the bundled fonts/)")
    files: list[str] | None = Field(None, description="explicit font files (instead of a folder)")
    families: list[str] | None = Field(None, description="restrict to these family names")
    style: Cat(fontmod.STYLES) = {"choice": ["regular", "bold", "italic", "bolditalic"], "weights": [0.45, 0.4, 0.1, 0.05]}

    def catalog(self) -> fontmod.FontCatalog:
        """Every font of the folder or file list (cached per process, see `catalog_for`)."""
        return catalog_for(self.dir, self.files)

    def selected(self) -> list[fontmod.FontInfo]:
        """The usable fonts of the chosen families."""
        return self.catalog().select(self.families)


def check_font_choice(f: FontChoice, key: str = "fonts") -> list[tuple[str, str]]:
    """Recipe problems of a font choice: missing or unreadable files, no font left."""
    out = []
    if f.files:
        for i, path in enumerate(f.files):
            if not Path(path).is_file():
                out.append((f"{key}.files[{i}]", f"font file not found: {path}"))
            else:
                try:
                    fontmod.read_font(path)
                except ValueError as e:
                    out.append((f"{key}.files[{i}]", f"{path}: {e}"))
    elif f.dir and not Path(f.dir).is_dir():
        out.append((f"{key}.dir", f"font folder not found: {f.dir}"))
    elif f.dir and not os.access(f.dir, os.R_OK | os.X_OK):
        out.append((f"{key}.dir", f"font folder not readable (permission denied): {f.dir}"))
    if not out:
        cat = f.catalog()
        if not cat.select(f.families):
            fams = ", ".join(cat.families()) or "none"
            out.append((key, f"no usable fonts (families {f.families} not among: {fams})"))
    return out


class TextSource(Strict):
    corpus: str | None = Field(None, description="bundled corpus code, e.g. en, zh_hans (see `datagen recipes`)")
    file: str | None = Field(None, description="UTF-8 text file, one subtitle per line")
    subtitles: str | None = Field(None, description=".srt/.ass/.ssa/.vtt file; its own timings are used")
    weight: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("corpus", "file", "subtitles") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of corpus, file, subtitles")
        return self

    @property
    def label(self) -> str:
        return f"corpus:{self.corpus}" if self.corpus else f"file:{self.file}" if self.file else f"subtitles:{self.subtitles}"

    def problem(self) -> tuple[str, str] | None:
        if self.corpus:
            if self.corpus not in bundled_corpora():
                return "corpus", f"no bundled corpus '{self.corpus}' (have: {', '.join(bundled_corpora())})"
            return None
        if self.file:
            p = check_text_file(self.file)
            return ("file", p) if p else None
        p = check_subtitle_file(self.subtitles)
        return ("subtitles", p) if p else None


def source_lines(src: TextSource) -> tuple[str, ...]:
    """The lines of a corpus or text file (subtitle files have timed events instead)."""
    if src.subtitles:
        from datagen.text.corpus import load_subtitle_events

        return tuple(e.text for e in load_subtitle_events(src.subtitles))
    return load_lines(str(corpus_path(src.corpus))) if src.corpus else load_lines(src.file)


def source_script(src: TextSource) -> str:
    """The script of a source: known for bundled corpora, else that of its first lines."""
    if src.corpus in CORPUS_SCRIPTS:
        return CORPUS_SCRIPTS[src.corpus]
    return script_of("".join(source_lines(src)[:20]))


def any_line_covered(src: TextSource, fonts: list[fontmod.FontInfo], probe: int = 200) -> bool:
    lines = source_lines(src)
    step = max(1, len(lines) // probe)
    return any(f.covers(line) for line in lines[::step] for f in fonts)


def check_sources(texts: list[TextSource], fonts: list[fontmod.FontInfo], key: str = "texts") -> list[tuple[str, str]]:
    """Recipe problems of a list of text sources: missing files, nothing drawable, no shaping."""
    out = []
    for i, src in enumerate(texts):
        p = src.problem()
        if p:
            out.append((f"{key}[{i}].{p[0]}", p[1]))
            continue
        if fonts and not src.subtitles and not any_line_covered(src, fonts):
            out.append((f"{key}[{i}]", f"no line of {src.label} can be drawn with the chosen fonts "
                                       "(their character maps lack its characters)"))
        elif source_script(src) in SHAPED_SCRIPTS and raqm_problem():
            out.append((f"{key}[{i}]", f"{src.label}: {raqm_problem()}"))
    return out


def check_text_layer(fonts: FontChoice, texts: list[TextSource],
                     *more: tuple[list[TextSource], str]) -> list[tuple[str, str]]:
    """`check_files` of a text layer: its font choice, then every text source (`texts` and
    each extra (sources, key) pair) against the fonts chosen."""
    out = check_font_choice(fonts)
    if not out:
        chosen = fonts.selected()
        out += check_sources(texts, chosen)
        for sources, key in more:
            out += check_sources(sources, chosen, key)
    return out


def font_preflight(fonts: FontChoice) -> dict[str, int]:
    """`preflight` of a text layer: how many font files of its choice cannot be read."""
    return {"font_unreadable": len(fonts.catalog().broken)}


def pick_source(rng: np.random.Generator, texts: list[TextSource]) -> TextSource:
    return pick(rng, texts, [t.weight for t in texts])


def catalog_for(dir_: str | None, files: list[str] | None) -> fontmod.FontCatalog:
    if files:
        return fontmod.FontCatalog.from_files(list(files))
    return fontmod.FontCatalog.scan(dir_)


LATIN_FACE_P = 0.85
HAN_PROBE = "的一是"


class TextPicker:
    """Fonts for texts (cmap coverage, memoised) and line breaking to a width."""

    def __init__(self, fonts: list[fontmod.FontInfo]):
        self.fonts = fonts
        self._covering: dict[str, list] = {}  # text -> fonts whose cmap covers it
        self._han = {f.path: f.covers(HAN_PROBE) for f in fonts}  # CJK fonts (see font_for)

    def covering(self, text: str) -> list[fontmod.FontInfo]:
        cands = self._covering.get(text)
        if cands is None:
            if len(self._covering) > 4_000:  # user files can be huge; keep memory flat
                self._covering.clear()
            cands = self._covering[text] = [f for f in self.fonts if f.covers(text)]
        return cands

    def font_for(self, rng, text: str, preferred: fontmod.FontInfo | None, style: str):
        """The clip's font when it covers `text`, else a covering font (same style if possible)."""
        if preferred is not None and preferred.covers(text):
            return preferred
        cands = self.covering(text)
        if not cands:
            return None
        if script_of(text) in ("latin", "cyrillic", "greek") and rng.random() < LATIN_FACE_P:
            # a Chinese/Japanese/Korean font's Latin letters set English far less often than a Latin face
            cands = [f for f in cands if not self._han[f.path]] or cands
        same_style = [f for f in cands if f.style == style] or cands
        return pick(rng, same_style)

    def italic_of(self, font: fontmod.FontInfo, text: str) -> fontmod.FontInfo | None:
        """The italic face of `font`'s family (matching its weight) when it covers `text`."""
        want = "bolditalic" if "bold" in font.style else "italic"
        for f in self.covering(text):
            if f.family == font.family and f.style == want:
                return f
        return None

    @staticmethod
    def fit(text: str, font: fontmod.FontInfo, size_px: int, max_w: float, max_lines: int,
            spacing: float = 0.0, vertical: bool = False) -> list[str] | None:
        """Lines of `text` no longer than max_w (columns no taller, when vertical), or None."""
        pil_font = load_font(font.path, size_px)
        return wrap(text, lambda s: line_width(pil_font, s, spacing, vertical), max_w, max_lines)


def font_fields(font: fontmod.FontInfo) -> dict:
    """How a font is recorded in a plan (json)."""
    return {"font": font.label, "font_family": font.family, "font_style": font.style}
