"""JPEG frames with a restart marker after every MCU row, so changed rows can be re-encoded alone.

A corrupted frame differs from its clean frame only inside the mask (see `datagen.compose`),
and overlays are small: in the bundled `mixed` recipe a drawn frame has mask pixels in
about half of its 16-pixel rows, in `subtitles` in a fifth. Encoding the whole corrupted
frame again repeats the clean frame's work for every other row.

With a restart interval of one MCU row (`IMWRITE_JPEG_RST_INTERVAL`), the entropy-coded
data of each row depends only on that row's pixels: the DC predictors restart at every
marker, the Huffman tables are the standard ones (no per-image optimisation), and 4:2:0
chroma is averaged inside each 16x16 MCU (no smoothing, no context rows). So the corrupted
frame's JPEG is the clean frame's JPEG with the rows that hold mask pixels taken from an
encode of just those rows, and the RST markers renumbered (RST0..RST7 cycle by row). The
result is byte-identical to encoding the whole corrupted frame (tests check this on every
bundled recipe); any file that does not have the expected structure is encoded whole.

Restart markers are baseline JPEG (every decoder reads them) and cost 2 bytes per row;
decoded pixels are exactly those of the same JPEG without them.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MCU = 16
"""MCU width and height in pixels: 4:2:0 chroma subsampling, pinned in `params`."""
_SOS = b"\xff\xda"
_EOI = b"\xff\xd9"
_MARKERS = [bytes([0xFF, 0xD0 + k]) for k in range(8)]


def params(quality: int, width: int) -> list[int]:
    """`cv2.imencode` parameters: quality, 4:2:0, and a restart marker after every MCU row."""
    return [cv2.IMWRITE_JPEG_QUALITY, int(quality),
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
            cv2.IMWRITE_JPEG_RST_INTERVAL, -(-int(width) // MCU)]


@dataclass(frozen=True)
class RowJpeg:
    """An encoded frame split into its header (up to the scan's data) and per-row segments."""
    header: bytes
    rows: list[bytes]


def split(data: bytes, n_rows: int) -> RowJpeg | None:
    """The frame's header and its `n_rows` entropy-coded rows; None when the file has
    another structure (no single scan, a different number of restart intervals).

    In entropy-coded data a 0xFF byte is always followed by 0x00 (byte stuffing) unless it
    starts a marker, so the markers are the 0xFF bytes followed by anything else; they must
    be n_rows - 1 restart markers (0xFF 0xD0..0xD7). Found with numpy: CPython's search
    for a 2-byte pattern slows down on every 0xFF it meets (~1 GB/s here)."""
    start = _scan_start(data)
    if start is None or not data.endswith(_EOI):
        return None
    end = len(data) - 2
    body = np.frombuffer(data, np.uint8, count=end - start, offset=start)
    ff = np.flatnonzero(body[:-1] == 0xFF)
    cuts = (ff[body[ff + 1] != 0] + start).tolist()
    if len(cuts) != n_rows - 1 or any(data[j + 1] & 0xF8 != 0xD0 for j in cuts):
        return None  # another number of restart intervals, or other markers (a second scan)
    bounds = [start] + [j + 2 for j in cuts]
    return RowJpeg(data[:start], [data[a:b] for a, b in zip(bounds, cuts + [end])])


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
        if marker == _SOS[1]:
            start = pos + 2 + length
            if len(_HEADERS) >= 16:
                _HEADERS.pop()
            _HEADERS.insert(0, data[:start])
            return start
        pos += 2 + length
    return None


_HEADERS: list[bytes] = []
"""Headers (SOI up to the scan's data) seen last, newest first: a whole frame's and its strips'."""


def join(header: bytes, rows: list[bytes]) -> bytes:
    """Header, rows with RST markers numbered 0..7 cyclically between them, and EOI."""
    parts = [header, rows[0]]
    for k in range(1, len(rows)):
        parts.append(_MARKERS[(k - 1) & 7])
        parts.append(rows[k])
    parts.append(_EOI)
    return b"".join(parts)


def changed_rows(mask: np.ndarray) -> list[bool]:
    """Per MCU row, whether the mask has a non-zero pixel in it (ceil(H / MCU) rows)."""
    H = mask.shape[0]
    full = H // MCU
    rows = mask[:full * MCU].reshape(full, -1).any(axis=1).tolist()
    if H % MCU:
        rows.append(bool(mask[full * MCU:].any()))
    return rows


def differing_rows(a: np.ndarray, b: np.ndarray) -> list[bool] | None:
    """Per MCU row, whether frames a and b differ in it; None when every row does.

    The first line of each MCU row is compared first (a moving camera changes them all,
    so the common case costs 1/16 of a full comparison); only rows whose first lines are
    equal are compared whole."""
    n = -(-a.shape[0] // MCU)
    flags = (a[::MCU] != b[::MCU]).reshape(n, -1).any(axis=1).tolist()
    if all(flags):
        return None
    for r in range(n):
        if not flags[r]:
            flags[r] = not np.array_equal(a[r * MCU:(r + 1) * MCU], b[r * MCU:(r + 1) * MCU])
    return flags


class RowEncoder:
    """Encodes RGB frames as JPEG (`params`), and frames that differ from an already
    encoded one in a few MCU rows as that JPEG with those rows re-encoded."""

    def __init__(self, quality: int):
        self.quality = int(quality)
        self._splits: list[tuple[bytes, RowJpeg | None]] = []  # the last two bases patched from

    def _split(self, data: bytes, n_rows: int) -> RowJpeg | None:
        """`split`, remembered for the last two files (by identity): a clean frame is the
        base of its corrupted frame and of the next clean frame."""
        for known, parts in self._splits:
            if known is data:
                return parts
        parts = split(data, n_rows)
        self._splits = [(data, parts)] + self._splits[:1]
        return parts

    def encode(self, rgb: np.ndarray) -> bytes:
        return self._encode_bgr(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    def _encode_bgr(self, bgr: np.ndarray) -> bytes:
        ok, buf = cv2.imencode(".jpg", bgr, params(self.quality, bgr.shape[1]))
        if not ok:
            raise RuntimeError("encoding a frame as jpg failed")
        return buf.tobytes()

    def patch(self, base: RowJpeg | bytes, rgb: np.ndarray, flags: list[bool]) -> bytes:
        """The JPEG of `rgb`, a frame equal to the frame encoded in `base` in every MCU row
        whose flag is False: byte-identical to `encode(rgb)`, re-encoding only flagged rows.
        `base` may be the encoded bytes (split once, see `_split`) or their `split`."""
        H = rgb.shape[0]
        n = -(-H // MCU)
        if len(flags) != n:
            raise ValueError(f"{len(flags)} row flags for a frame of {n} MCU rows")
        if sum(flags) * 4 > n * 3:  # most rows changed: patching saves little
            return self.encode(rgb)
        if isinstance(base, bytes):
            base = self._split(base, n)
        if base is None:
            return self.encode(rgb)
        rows = list(base.rows)
        changed = [r for r in range(n) if flags[r]]
        if not changed:
            return join(base.header, rows)
        # every MCU row is coded on its own (restart markers, no context rows), so the
        # changed rows are gathered into one strip (converted to BGR on the way) and
        # encoded at once; a partial last row stays last, padded as in the whole frame
        spans = _runs(changed)
        strip_bgr = np.empty((min(changed[-1] * MCU + MCU, H) - changed[-1] * MCU + (len(changed) - 1) * MCU,)
                             + rgb.shape[1:], np.uint8)
        y = 0
        for r0, r1 in spans:
            src = rgb[r0 * MCU:min(r1 * MCU, H)]
            cv2.cvtColor(src, cv2.COLOR_RGB2BGR, dst=strip_bgr[y:y + len(src)])
            y += len(src)
        strip = split(self._encode_bgr(strip_bgr), len(changed))
        if strip is None:
            return self.encode(rgb)
        for r, data in zip(changed, strip.rows):
            rows[r] = data
        return join(base.header, rows)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """[start, stop) runs of consecutive row numbers in a sorted list."""
    out = [[rows[0], rows[0] + 1]]
    for r in rows[1:]:
        if r == out[-1][1]:
            out[-1][1] = r + 1
        else:
            out.append([r, r + 1])
    return [(a, b) for a, b in out]
