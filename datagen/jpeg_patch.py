"""JPEG frames with a restart marker every few blocks, so changed blocks are re-encoded alone.

A corrupted frame differs from its clean frame only inside the mask (see `datagen.compose`),
and overlays are small: in the bundled `mixed` recipe a drawn frame has mask pixels in
about a quarter of its 48 x 16-pixel cells, in `subtitles` in a tenth. Encoding the whole
corrupted frame again repeats the clean frame's work everywhere else.

The frames are written with a restart marker after every `interval_mcus(width)` MCUs
(16 x 16 pixels each with 4:2:0 chroma, pinned in `params`): 3, or 2 or 1 when the MCU
columns of a row do not divide by 3, so that every restart interval is a cell of one MCU
row. The entropy-coded data of a cell then depends only on its pixels: DC predictors
restart at every marker, the bit buffer is flushed to a byte there, the Huffman tables
are the standard ones (no per-image optimisation), and chroma is averaged inside each
MCU (no smoothing, no context). So the corrupted frame's JPEG is the clean frame's JPEG
with the cells that hold mask pixels replaced by those cells' data from one encode of
just those cells laid side by side; the markers between cells stay where they are. The
result is byte-identical to encoding the whole frame (tests check this on every bundled
recipe); a file without the expected structure is encoded whole.

Restart markers are baseline JPEG (every decoder reads them) and decoded pixels are
exactly those of the same JPEG without them; they cost ~1.7 % in size at 3 MCUs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import cv2
import numpy as np

MCU = 16
"""MCU width and height in pixels: 4:2:0 chroma subsampling, pinned in `params`."""
CELL_MCUS = 3
"""Preferred restart interval, in MCUs (48 pixels): finer cells re-encode less around an
overlay but cost 2 marker bytes and a byte flush each (1 MCU: +5.4 % in size, 3: +1.7 %)."""
_EOI = b"\xff\xd9"
_SOS = 0xDA


@lru_cache(maxsize=64)
def interval_mcus(width: int) -> int:
    """MCUs per restart interval: the largest divisor of the MCU columns up to CELL_MCUS,
    so that intervals never straddle two MCU rows."""
    cols = -(-int(width) // MCU)
    return next(k for k in range(CELL_MCUS, 0, -1) if cols % k == 0)


def params(quality: int, width: int) -> list[int]:
    """`cv2.imencode` parameters of a frame: quality, 4:2:0, and a restart marker every
    `interval_mcus(width)` MCUs."""
    return _params(quality, interval_mcus(width))


def _params(quality: int, interval: int) -> list[int]:
    return [cv2.IMWRITE_JPEG_QUALITY, int(quality),
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
            cv2.IMWRITE_JPEG_RST_INTERVAL, int(interval)]


@dataclass(frozen=True)
class Grid:
    """The cells (restart intervals) of an H x W frame: `rows` MCU rows of `per_row` cells,
    each `cell_w` pixels wide; the last row and column may be cut by the frame's edge."""
    H: int
    W: int
    rows: int
    per_row: int
    cell_w: int

    @property
    def cells(self) -> int:
        return self.rows * self.per_row

    def box(self, cell: int) -> tuple[int, int, int, int]:
        """(y0, y1, x0, x1) of a cell in the frame."""
        r, c = divmod(cell, self.per_row)
        return r * MCU, min((r + 1) * MCU, self.H), c * self.cell_w, min((c + 1) * self.cell_w, self.W)

    @cached_property
    def cut(self) -> np.ndarray:
        """Per cell, whether the frame's right or bottom edge cuts it (computed once per grid)."""
        cut = np.zeros((self.rows, self.per_row), bool)
        if self.H % MCU:
            cut[-1] = True
        if self.W % self.cell_w:
            cut[:, -1] = True
        return cut.ravel()

    def flags(self, img: np.ndarray) -> np.ndarray:
        """Per cell (raster order), whether `img` (H x W, or H x W x C) has a non-zero value in it."""
        m = img.reshape(self.H, -1)
        c = m.shape[1] // self.W  # values per pixel
        ph, pw = self.rows * MCU - self.H, (self.per_row * self.cell_w - self.W) * c
        if ph or pw:
            m = cv2.copyMakeBorder(m, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0)
        lines = m.reshape(self.rows, MCU, -1).max(axis=1)  # per MCU row: max over its 16 lines
        return lines.reshape(self.cells, -1).max(axis=1) > 0


@lru_cache(maxsize=16)
def grid(height: int, width: int) -> Grid:
    k = interval_mcus(width)
    cols = -(-width // MCU)
    return Grid(height, width, -(-height // MCU), cols // k, k * MCU)


def changed_cells(mask: np.ndarray) -> np.ndarray:
    """Per cell, whether the mask has a non-zero pixel in it."""
    return grid(*mask.shape[:2]).flags(mask)


def differing_cells(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Per cell, whether frames a and b differ in it; None when every MCU row does.

    The first line of each MCU row is compared first (a moving camera changes them all, so
    the common case costs 1/16 of a full comparison); otherwise the frames are compared whole."""
    g = grid(*a.shape[:2])
    if (a[::MCU] != b[::MCU]).reshape(g.rows, -1).any(axis=1).all():
        return None
    return g.flags(cv2.absdiff(a, b))


@dataclass(frozen=True)
class SplitJpeg:
    """An encoded frame and where each cell's entropy-coded data starts and ends in it."""
    data: bytes
    starts: np.ndarray  # (cells,) int64
    ends: np.ndarray


def split(data: bytes, cells: int) -> SplitJpeg | None:
    """`data` with the offsets of its `cells` intervals; None when the file has another
    structure (no single scan, another number of restart intervals).

    In entropy-coded data a 0xFF byte is followed by 0x00 (byte stuffing) unless it starts a
    marker, so the markers are the 0xFF bytes followed by anything else; they must be
    cells - 1 restart markers (0xFF 0xD0..0xD7). Found with numpy: CPython's search for a
    2-byte pattern slows down on every 0xFF it meets (~1 GB/s here)."""
    start = _scan_start(data)
    if start is None or not data.endswith(_EOI):
        return None
    end = len(data) - 2
    body = np.frombuffer(data, np.uint8, count=end - start, offset=start)
    ff = np.flatnonzero(body[:-1] == 0xFF)
    after = body[ff + 1]
    marker = after != 0
    if np.count_nonzero(marker) != cells - 1:
        return None  # another number of restart intervals
    if cells > 1 and not ((after[marker] & 0xF8) == 0xD0).all():
        return None  # other markers (a second scan)
    starts = np.empty(cells, np.int64)
    ends = np.empty(cells, np.int64)
    starts[0], ends[-1] = start, end
    marks = ff[marker] + start
    starts[1:] = marks + 2
    ends[:-1] = marks
    return SplitJpeg(data, starts, ends)


def _scan_start(data: bytes) -> int | None:
    """Offset of the first entropy-coded byte: the header's marker segments are walked by
    their lengths (a table's bytes could look like a marker). Our encoder writes the same
    header for every frame of a size, so known headers are recognised by comparison."""
    for header in _HEADERS:
        if data.startswith(header):
            return len(header)
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == _SOS:
            start = pos + 2 + length
            if len(_HEADERS) >= 16:
                _HEADERS.pop()
            _HEADERS.insert(0, data[:start])
            return start
        pos += 2 + length
    return None


_HEADERS: list[bytes] = []
"""Headers (SOI up to the scan's data) seen last, newest first: whole frames' and strips'."""


class CellEncoder:
    """Encodes RGB frames as JPEG (`params`), and frames that differ from an already encoded
    one in a few cells as that JPEG with those cells re-encoded."""

    def __init__(self, quality: int):
        self.quality = int(quality)
        self._splits: list[tuple[bytes, SplitJpeg | None]] = []  # the last two bases patched from

    def encode(self, rgb: np.ndarray, interval: int | None = None) -> bytes:
        """The frame's JPEG; `interval`: MCUs per restart interval (default: the frame's)."""
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        ok, buf = cv2.imencode(".jpg", bgr, _params(self.quality, interval or interval_mcus(rgb.shape[1])))
        if not ok:
            raise RuntimeError("encoding a frame as jpg failed")
        return buf.tobytes()

    def _split(self, data: bytes, cells: int) -> SplitJpeg | None:
        """`split`, remembered for the last two files (by identity): a clean frame is the
        base of its corrupted frame and of the next clean frame."""
        for known, parts in self._splits:
            if known is data:
                return parts
        parts = split(data, cells)
        self._splits = [(data, parts)] + self._splits[:1]
        return parts

    def patch(self, base: bytes, rgb: np.ndarray, flags: np.ndarray) -> bytes:
        """The JPEG of `rgb`, a frame equal to the frame encoded in `base` in every cell whose
        flag is False: byte-identical to `encode(rgb)`, re-encoding only flagged cells."""
        g = grid(*rgb.shape[:2])
        flags = np.asarray(flags, bool).ravel()
        if flags.size != g.cells:
            raise ValueError(f"{flags.size} cell flags for a frame of {g.cells} cells")
        changed = np.flatnonzero(flags)
        if changed.size == 0:
            return base
        if changed.size * 4 > g.cells * 3:  # most cells changed: patching saves little
            return self.encode(rgb)
        parts = self._split(base, g.cells)
        if parts is None:
            return self.encode(rgb)
        new = self._encode_cells(g, rgb, changed)
        if new is None:
            return self.encode(rgb)
        data = parts.data
        pieces, pos = [], 0
        # in raster order; the markers between cells stay in place
        for a, b, cell_data in zip(parts.starts[changed].tolist(), parts.ends[changed].tolist(), new):
            pieces.append(data[pos:a])
            pieces.append(cell_data)
            pos = b
        pieces.append(data[pos:])
        return b"".join(pieces)

    def _encode_cells(self, g: Grid, rgb: np.ndarray, cells: np.ndarray) -> list[bytes] | None:
        """Entropy-coded data of each cell, from one encode of the cells set side by side in
        a strip one MCU high; cells cut by the frame's edge are encoded alone (the encoder
        pads them by repeating the edge pixels, as in the whole frame)."""
        k = g.cell_w // MCU  # the frame's interval, whatever the strip's width
        cut = g.cut[cells]
        inner = cells[~cut] if cut.any() else cells
        out: list[bytes] = []
        if inner.size:
            full_rows, full_cols = g.H // MCU, g.W // g.cell_w
            view = rgb[:full_rows * MCU, :full_cols * g.cell_w].reshape(full_rows, MCU, full_cols, g.cell_w * 3)
            strip = view.transpose(1, 0, 2, 3)[:, inner // g.per_row, inner % g.per_row]  # (MCU, cells, cell_w * 3)
            strip = strip.reshape(MCU, inner.size * g.cell_w, 3)
            parts = split(self.encode(strip, k), inner.size)
            if parts is None:
                return None
            data = parts.data
            out = [data[a:b] for a, b in zip(parts.starts.tolist(), parts.ends.tolist())]
        if inner.size == cells.size:
            return out
        edge = {}
        for cell in cells[cut].tolist():
            y0, y1, x0, x1 = g.box(cell)
            parts = split(self.encode(rgb[y0:y1, x0:x1], k), 1)
            if parts is None:
                return None
            edge[cell] = parts.data[int(parts.starts[0]):int(parts.ends[0])]
        inner_data = iter(out)
        return [edge[cell] if cell in edge else next(inner_data) for cell in cells.tolist()]
