"""Unhinted fonts (datagen.text.unhinted): the rewrite keeps every outline and metric,
only switches hinting (and for logos overlap oversampling) off, and letters look the same
as the original font's once supersampled."""
from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from datagen.overlays import lettering
from datagen.text import unhinted
from datagen.text import fonts as fontmod
from datagen.text.render import load_font
from PIL import ImageFont

HINTED = "fonts/noto-sans/NotoSans-Bold.ttf"  # ttfautohinted TrueType
OVERLAPPING = "fonts/roboto/Roboto-Bold.ttf"  # an instanced variable font: OVERLAP_SIMPLE glyphs
CFF = "fonts/noto-sans-cjk-sc/NotoSansCJKsc-Bold.otf"


def path_of(label: str) -> str:
    path = fontmod.resolve_label(label)
    if not Path(path).is_file():
        pytest.skip(f"bundled font {label} not present")
    return path


@pytest.mark.parametrize("label", [HINTED, OVERLAPPING])
def test_rewrite_switches_hinting_and_overlaps_off_and_keeps_outlines(label):
    path = path_of(label)
    before, after = TTFont(path), TTFont(io.BytesIO(unhinted.font_bytes(path)))
    assert after["prep"].program.getBytecode() == bytes([0xB1, 1, 1, 0x8E])  # PUSHB 1 1, INSTCTRL
    # the font program stays (without it FreeType would auto-hint the font: see the module)
    assert after["fpgm"].program.getBytecode() == before["fpgm"].program.getBytecode()
    assert sorted(before.keys()) == sorted(after.keys())
    overlapping = 0
    for name in before.getGlyphOrder():
        g0, g1 = before["glyf"][name], after["glyf"][name]
        if g0.numberOfContours > 0:
            overlapping += bool(g0.flags[0] & 0x40)
            assert not g1.flags[0] & 0x40
            assert np.array_equal(np.asarray(g0.coordinates), np.asarray(g1.coordinates)), name
            assert g1.flags[0] == g0.flags[0] & ~0x40 and list(g0.flags[1:]) == list(g1.flags[1:]), name
        assert before["hmtx"][name] == after["hmtx"][name]
    if label == OVERLAPPING:
        assert overlapping > 100


def test_fonts_that_are_not_truetype_outlines_load_as_they_are(tmp_path):
    assert unhinted.font_bytes(path_of(CFF)) is None
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"\x00\x01\x00\x00\x00\x05" + b"\xff" * 40)  # a table directory pointing nowhere
    assert unhinted.font_bytes(str(junk)) is None


@pytest.mark.parametrize("label", [HINTED, OVERLAPPING, "fonts/liberation-sans/LiberationSans-Regular.ttf"])
def test_supersampled_letters_look_the_same(label):
    """Drawn at 4x and area-averaged as logos are, the unhinted face matches the original
    to within a fraction of a pixel along the letters' edges."""
    path = path_of(label)
    text = "Kedo TV 24"
    ims = []
    for font in (ImageFont.truetype(path, 120), lettering.font_for(label, 120)):
        im = Image.new("L", (900, 180))
        ImageDraw.Draw(im).text((10, 140), text, font=font, fill=255, anchor="ls")
        ims.append(cv2.resize(np.asarray(im, np.float32), (225, 45), interpolation=cv2.INTER_AREA))
    diff = np.abs(ims[0] - ims[1])
    assert diff.mean() < 2.0 and np.percentile(diff, 99.5) < 64
    assert abs(ims[0].sum() - ims[1].sum()) / ims[0].sum() < 0.02  # the same amount of ink


def test_text_box_is_the_measured_box_scaled():
    l, t, r, b = lettering.text_box(HINTED, "Kedo", 50)
    L, T, R, B = (float(v) for v in lettering.font_for(HINTED, 50).getbbox("Kedo", anchor="ls"))
    assert abs((r - l) - (R - L)) <= 1.5 and abs((b - t) - (B - T)) <= 1.5
    l2, t2, r2, b2 = lettering.text_box(HINTED, "Kedo", 50, stroke=3)
    assert (l2, t2, r2, b2) == (l - 3, t - 3, r + 3, b + 3)


def test_subtitle_faces_are_the_unhinted_fonts():
    """Subtitles are drawn unhinted, as libass draws them by default, from the same
    rewritten bytes as logo letters (one copy per font)."""
    path = path_of(OVERLAPPING)
    face = load_font(path, 24)
    assert isinstance(face.path, unhinted.SharedBytes) and face.path.data is unhinted.font_bytes(path)
    # faces of one file compare equal (caches keyed by font.path keep working)
    assert face.path == unhinted.face(path, 30, face.layout_engine).path
    assert hash(face.path) == hash(unhinted.face(path, 30, face.layout_engine).path)
    assert load_font(path_of(CFF), 24).path == path_of(CFF)  # CFF: loaded from its file
