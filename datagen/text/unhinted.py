"""Fonts for drawing: TrueType hinting off, overlap oversampling off.

Every letter the generator draws uses these faces:

- subtitles, because burnt-in subtitles mostly come from libass (mpv, ffmpeg's
  `subtitles` filter, Aegisub), which renders unhinted by default; hinting would also
  run the TrueType bytecode interpreter for every glyph load, ~4x slower for
  ttfautohinted fonts (Noto, Lato);
- logo, badge and watermark letters, which are painted at 2-3x supersampling
  (`overlays.sprite.Painter`) where grid-fitting is thrown away by the area averaging.

Overlap oversampling goes too: glyphs flagged OVERLAP_SIMPLE / OVERLAP_COMPOUND
(instanced variable fonts: Roboto, Open Sans, Montserrat...) are rasterised by FreeType
at 4x4 internal oversampling, which makes a subtitle line 2.6x and a logo word ~7x
slower. Without it a few pixels where two contours of a glyph cross (the joint of a
"K") come out slightly too bright (0.4 levels on average over a 22 px line); FreeType
before 2.10.3 and GDI-based renderers draw them so too.

`font_bytes(path)` rewrites the font in memory: a 4-byte `prep` program
(`PUSHB 1 1; INSTCTRL`) makes FreeType load every glyph unhinted (it honours
instruction control bit 1 as FT_LOAD_NO_HINTING), and the overlap flags are cleared in
`glyf`. The font program `fpgm` stays: without it FreeType
treats the font as unhinted and hands it to its auto-hinter, whose per-face analysis
made the first glyphs of every new face (every new size) 3-5x slower than with the
original font. Outlines are otherwise untouched: letters keep their shapes and metrics.
Fonts that are not TrueType-outline (CFF `.otf`, collections) are returned unchanged.
Pure and cached per process.
"""
from __future__ import annotations

import struct
from functools import lru_cache

import numpy as np
from PIL import ImageFont

_TRUETYPE = (0x00010000, 0x74727565)  # version 1.0, 'true'
_NO_HINTING = bytes([0xB1, 1, 1, 0x8E])  # PUSHB[1] 1 1, INSTCTRL: selector 1 := 1, inhibit glyph programs
_OVERLAP_SIMPLE = 0x40
_OVERLAP_COMPOUND = 0x0400


class SharedBytes:
    """A read-once file object over cached bytes: Pillow keeps what `read()` returns, so
    every size of a font shares one copy. It is Pillow's `font.path`, so it compares and
    hashes by the font file it came from (caches keyed by `font.path` stay valid)."""

    def __init__(self, data: bytes, name: str = ""):
        self.data = data
        self.name = name
        self._hash = hash((name, len(data)))  # computed once: caches hash it on every lookup

    def read(self) -> bytes:
        return self.data

    def __eq__(self, other) -> bool:
        return isinstance(other, SharedBytes) and (self.name, len(self.data)) == (other.name, len(other.data)) \
            and (self.data is other.data or self.data == other.data)

    def __hash__(self) -> int:
        return self._hash


@lru_cache(maxsize=128)
def font_bytes(path: str) -> bytes | None:
    """The font at `path` with hinting and overlap oversampling switched off, or None when
    it is not a plain TrueType-outline font (load it from its path then)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return _rewrite(data)
    except (struct.error, IndexError, ValueError):  # malformed tables: load the file as it is
        return None


def face(path: str, size: int, layout_engine) -> ImageFont.FreeTypeFont:
    """A Pillow face of the unhinted font at `path` (the file itself when it cannot be rewritten)."""
    data = font_bytes(path)
    src = SharedBytes(data, f"{path}#unhinted") if data is not None else path
    return ImageFont.truetype(src, size=max(1, int(size)), layout_engine=layout_engine)


def _tables(data: bytes) -> tuple[int, dict[bytes, bytes]] | None:
    version, n = struct.unpack_from(">IH", data, 0)
    if version not in _TRUETYPE:
        return None
    tables = {}
    for i in range(n):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if offset + length > len(data):
            raise ValueError("table outside the file")
        tables[tag] = data[offset:offset + length]
    return version, tables


def _rewrite(data: bytes) -> bytes | None:
    parsed = _tables(data)
    if parsed is None:
        return None
    version, tables = parsed
    if b"glyf" not in tables or b"loca" not in tables or b"head" not in tables:
        return None
    tables[b"prep"] = _NO_HINTING
    tables[b"glyf"] = _clear_overlap_flags(tables[b"glyf"], tables[b"loca"], tables[b"head"])
    return _assemble(version, tables)


def _glyph_offsets(loca: bytes, head: bytes) -> np.ndarray:
    long_format = struct.unpack_from(">h", head, 50)[0] == 1
    if long_format:
        return np.frombuffer(loca, ">u4", len(loca) // 4).astype(np.int64)
    return np.frombuffer(loca, ">u2", len(loca) // 2).astype(np.int64) * 2


def _clear_overlap_flags(glyf: bytes, loca: bytes, head: bytes) -> bytes:
    """glyf with OVERLAP_SIMPLE / OVERLAP_COMPOUND cleared (vectorised over simple glyphs:
    CJK fonts have tens of thousands)."""
    out = np.frombuffer(glyf, np.uint8).copy()
    offsets = _glyph_offsets(loca, head)
    start, end = offsets[:-1], offsets[1:]
    start = start[(end - start >= 12) & (start + 12 <= out.size)]
    contours = (out[start].astype(np.int16) << 8 | out[start + 1]).astype(np.int16)
    simple = start[contours > 0]
    n_instr_at = simple + 10 + 2 * contours[contours > 0].astype(np.int64)
    ok = n_instr_at + 2 <= out.size
    simple, n_instr_at = simple[ok], n_instr_at[ok]
    first_flag = n_instr_at + 2 + (out[n_instr_at].astype(np.int64) << 8 | out[n_instr_at + 1])
    first_flag = first_flag[first_flag < out.size]
    out[first_flag] &= np.uint8(~_OVERLAP_SIMPLE & 0xFF)
    # composite glyphs: walk the component records of all glyphs at once, one component a step
    pos = start[contours < 0] + 10
    while pos.size:
        pos = pos[pos + 4 <= out.size]
        flags = out[pos].astype(np.int64) << 8 | out[pos + 1]
        out[pos[(flags & _OVERLAP_COMPOUND) != 0]] &= np.uint8(~(_OVERLAP_COMPOUND >> 8) & 0xFF)
        step = 4 + np.where(flags & 0x0001, 4, 2)  # flags, glyph index, arguments (words or bytes)
        step += np.where(flags & 0x0080, 8, np.where(flags & 0x0040, 4, np.where(flags & 0x0008, 2, 0)))
        pos = (pos + step)[(flags & 0x0020) != 0]  # MORE_COMPONENTS
    return out.tobytes()


def _assemble(version: int, tables: dict[bytes, bytes]) -> bytes:
    """An sfnt with these tables (sorted tags, 4-byte aligned; checksums are not used by FreeType)."""
    tags = sorted(tables)
    n = len(tags)
    power = 1 << (n.bit_length() - 1)
    header = struct.pack(">IHHHH", version, n, 16 * power, power.bit_length() - 1, 16 * n - 16 * power)
    offset = 12 + 16 * n
    directory, body = [], []
    for tag in tags:
        t = tables[tag]
        directory.append(struct.pack(">4sIII", tag, 0, offset, len(t)))
        padded = t + b"\0" * (-len(t) % 4)
        body.append(padded)
        offset += len(padded)
    return header + b"".join(directory) + b"".join(body)
