"""JPEG frames with a restart marker every few MCUs (datagen.jpeg_patch): re-encoding only
the changed cells gives exactly the bytes of encoding the whole frame."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from datagen import jpeg_patch
from datagen.jpeg_patch import MCU
from datagen.recipe import load_recipe
from datagen.sample import SampleBuilder


def natural(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Smooth colour fields with some sharp detail: JPEG data with varied row lengths."""
    small = rng.integers(0, 256, (h // 8 + 2, w // 8 + 2, 3), np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    img[rng.random((h, w)) < 0.02] = 255
    return img


@pytest.mark.parametrize("h,w", [(240, 432), (250, 437), (16, 16), (30, 100), (270, 480), (64, 464), (40, 180)])
def test_patched_cells_are_the_bytes_of_a_whole_encode(h, w):
    """Cells anywhere, cut by the right and bottom edges too, of widths 1-3 MCUs."""
    rng = np.random.default_rng(h * 1000 + w)
    enc = jpeg_patch.CellEncoder(90)
    g = jpeg_patch.grid(h, w)
    for _ in range(12):
        base = natural(rng, h, w)
        frame = base.copy()
        flags = rng.random(g.cells) < rng.uniform(0.05, 0.6)
        for cell in np.flatnonzero(flags):  # change one pixel inside this cell only
            y0, y1, x0, x1 = g.box(int(cell))
            frame[int(rng.integers(y0, y1)), int(rng.integers(x0, x1))] = rng.integers(0, 256, 3)
        assert enc.patch(enc.encode(base), frame, flags) == enc.encode(frame)
        assert np.array_equal(jpeg_patch.differing_cells(frame, base), flags)


def test_cells_divide_each_mcu_row():
    assert [jpeg_patch.interval_mcus(w) for w in (432, 437, 464, 1920, 16, 100, 180)] == [3, 2, 1, 3, 1, 1, 3]
    g = jpeg_patch.grid(250, 437)  # 16 MCU rows (the last cut), 28 MCU columns (the last cut) in cells of 2
    assert (g.rows, g.per_row, g.cell_w) == (16, 14, 32)
    assert g.box(0) == (0, 16, 0, 32) and g.box(g.cells - 1) == (240, 250, 416, 437)
    assert not g.cut[0] and g.cut[13] and g.cut[g.cells - 1] and g.cut[g.cells - 2] and g.cut.sum() == 16 + 14 - 1
    data = jpeg_patch.CellEncoder(95).encode(natural(np.random.default_rng(0), 250, 437))
    assert jpeg_patch.split(data, g.cells) is not None and jpeg_patch.split(data, g.cells - 1) is None


def test_patch_fallbacks():
    rng = np.random.default_rng(1)
    enc = jpeg_patch.CellEncoder(95)
    base = natural(rng, 64, 96)  # 4 rows of 2 cells
    data = enc.encode(base)
    parts = jpeg_patch.split(data, 8)
    assert parts is not None and len(parts.starts) == len(parts.ends) == 8
    assert enc.patch(data, base, [False] * 8) == data  # nothing changed: the same file
    frame = base.copy()
    frame[:] = 0
    assert enc.patch(data, frame, [True] * 8) == enc.encode(frame)  # all cells: a whole encode
    # a file without restart markers (not ours) cannot be patched: the frame is encoded whole
    plain = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    assert jpeg_patch.split(plain, 8) is None
    frame = base.copy()
    frame[0, 0] = 0
    assert enc.patch(plain, frame, [True] + [False] * 7) == enc.encode(frame)
    progressive = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    assert jpeg_patch.split(progressive, 8) is None
    with pytest.raises(ValueError, match="cell flags"):
        enc.patch(data, base, [False] * 7)


def test_restart_markers_change_no_pixel():
    """Every decoder reads the files; the pixels are those of the same JPEG without markers."""
    rng = np.random.default_rng(2)
    rgb = natural(rng, 240, 432)
    ours = jpeg_patch.CellEncoder(95).encode(rgb)
    plain = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])[1]
    a = cv2.imdecode(np.frombuffer(ours, np.uint8), cv2.IMREAD_COLOR)
    b = cv2.imdecode(plain, cv2.IMREAD_COLOR)
    assert np.array_equal(a, b)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ours)).convert("RGB")), cv2.cvtColor(a, cv2.COLOR_BGR2RGB))


def test_cell_flags():
    m = np.zeros((50, 100), np.uint8)  # 4 rows (the last cut) of 7 one-MCU cells (the last cut)
    m[17, 3] = 255
    m[49, 99] = 1
    flags = jpeg_patch.changed_cells(m).reshape(4, 7)
    assert flags.sum() == 2 and flags[1, 0] and flags[3, 6]
    a = np.zeros((40, 96, 3), np.uint8)  # 3 rows of 2 cells
    b = a.copy()
    assert not jpeg_patch.differing_cells(a, b).any()
    b[20, 50, 1] = 1  # not on the first line of its MCU row: found by the full comparison
    assert jpeg_patch.differing_cells(a, b).tolist() == [False, False, False, True, False, False]
    assert jpeg_patch.differing_cells(a, b + 1) is None


@pytest.mark.parametrize("name", ["mixed", "subtitles", "logos", "objects"])
def test_sample_files_are_whole_frame_encodes(name):
    """The shard's JPEGs are exactly what encoding each frame alone gives, although clean
    frames reuse cells of the previous frame and corrupted frames cells of the clean one."""
    recipe = load_recipe(name, ["clip.frames=6", "background.0.static_p=0.5"])
    b = SampleBuilder(recipe)
    enc = jpeg_patch.CellEncoder(recipe.encode.quality)
    patched = reused = 0
    for i in range(6):
        s = b.build(3, i)
        files = b.encode(s)
        for t in range(s.clean.shape[0]):
            clean = enc.encode(s.clean[t])
            assert files[f"clean.{t:03d}.jpg"] == clean
            assert files[f"corrupted.{t:03d}.jpg"] == enc.encode(s.corrupted[t])
            patched += bool(s.drawn[t])
            reused += t > 0 and jpeg_patch.differing_cells(s.clean[t], s.clean[t - 1]) is not None
    assert patched > 0 and reused > 0


@pytest.mark.parametrize("quality", [1, 5, 50, 100])
def test_any_quality_patches_exactly(quality):
    """Coarse quality tables hold large bytes; the header is walked by segment lengths."""
    rng = np.random.default_rng(quality)
    enc = jpeg_patch.CellEncoder(quality)
    base = natural(rng, 64, 96)
    frame = base.copy()
    frame[20:30, 10:40] = 255
    flags = [False, False, True, False, False, False, False, False]
    assert enc.patch(enc.encode(base), frame, flags) == enc.encode(frame)
    assert jpeg_patch.split(b"not a jpeg at all", 4) is None
