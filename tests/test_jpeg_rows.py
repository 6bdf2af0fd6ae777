"""JPEG frames with a restart marker per MCU row (datagen.jpeg_rows): re-encoding only the
changed rows gives exactly the bytes of encoding the whole frame."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from datagen import jpeg_rows
from datagen.recipe import load_recipe
from datagen.sample import SampleBuilder


def natural(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Smooth colour fields with some sharp detail: JPEG data with varied row lengths."""
    small = rng.integers(0, 256, (h // 8 + 2, w // 8 + 2, 3), np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    img[rng.random((h, w)) < 0.02] = 255
    return img


@pytest.mark.parametrize("h,w", [(240, 432), (250, 437), (16, 16), (30, 100), (270, 480)])
def test_patched_rows_are_the_bytes_of_a_whole_encode(h, w):
    rng = np.random.default_rng(h * 1000 + w)
    enc = jpeg_rows.RowEncoder(90)
    n = -(-h // jpeg_rows.MCU)
    for _ in range(12):
        base = natural(rng, h, w)
        frame = base.copy()
        flags = (rng.random(n) < rng.uniform(0.1, 0.6)).tolist()
        for r, f in enumerate(flags):
            if f:  # change something inside this MCU row only
                y = r * jpeg_rows.MCU + int(rng.integers(0, min(jpeg_rows.MCU, h - r * jpeg_rows.MCU)))
                x0 = int(rng.integers(0, w))
                frame[y, x0:x0 + 20] = rng.integers(0, 256, 3)
        assert enc.patch(enc.encode(base), frame, flags) == enc.encode(frame)


def test_patch_from_a_split_and_unchanged_rows_and_fallbacks():
    rng = np.random.default_rng(1)
    enc = jpeg_rows.RowEncoder(95)
    base = natural(rng, 64, 80)
    data = enc.encode(base)
    parts = jpeg_rows.split(data, 4)
    assert parts is not None and len(parts.rows) == 4
    assert jpeg_rows.join(parts.header, parts.rows) == data
    assert enc.patch(parts, base, [False] * 4) == data  # nothing changed: the same file
    frame = base.copy()
    frame[:] = 0
    assert enc.patch(data, frame, [True] * 4) == enc.encode(frame)  # all rows: a whole encode
    # a file without restart markers (not ours) cannot be patched: the frame is encoded whole
    plain = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    assert jpeg_rows.split(plain, 4) is None
    frame = base.copy()
    frame[0, 0] = 0
    assert enc.patch(plain, frame, [True, False, False, False]) == enc.encode(frame)
    progressive = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    assert jpeg_rows.split(progressive, 4) is None
    with pytest.raises(ValueError, match="row flags"):
        enc.patch(data, base, [False] * 3)


def test_restart_markers_change_no_pixel():
    """Every decoder reads the files; the pixels are those of the same JPEG without markers."""
    rng = np.random.default_rng(2)
    rgb = natural(rng, 240, 432)
    ours = jpeg_rows.RowEncoder(95).encode(rgb)
    plain = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])[1]
    a = cv2.imdecode(np.frombuffer(ours, np.uint8), cv2.IMREAD_COLOR)
    b = cv2.imdecode(plain, cv2.IMREAD_COLOR)
    assert np.array_equal(a, b)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ours)).convert("RGB")), cv2.cvtColor(a, cv2.COLOR_BGR2RGB))


def test_row_flags():
    m = np.zeros((50, 20), np.uint8)
    m[17, 3] = 255
    m[49, 0] = 1
    assert jpeg_rows.changed_rows(m) == [False, True, False, True]
    a = np.zeros((40, 10, 3), np.uint8)
    b = a.copy()
    assert jpeg_rows.differing_rows(a, b) == [False, False, False]
    b[20, 5, 1] = 1  # not on the first line of its MCU row: found by the full comparison
    assert jpeg_rows.differing_rows(a, b) == [False, True, False]
    assert jpeg_rows.differing_rows(a, b + 1) is None


@pytest.mark.parametrize("name", ["mixed", "subtitles", "logos", "objects"])
def test_sample_files_are_whole_frame_encodes(name):
    """The shard's JPEGs are exactly what encoding each frame alone gives, although clean
    frames reuse rows of the previous frame and corrupted frames rows of the clean one."""
    recipe = load_recipe(name, ["clip.frames=6", "background.0.static_p=0.5"])
    b = SampleBuilder(recipe)
    enc = jpeg_rows.RowEncoder(recipe.encode.quality)
    patched = reused = 0
    for i in range(6):
        s = b.build(3, i)
        files = b.encode(s)
        for t in range(s.clean.shape[0]):
            clean = enc.encode(s.clean[t])
            assert files[f"clean.{t:03d}.jpg"] == clean
            assert files[f"corrupted.{t:03d}.jpg"] == enc.encode(s.corrupted[t])
            patched += bool(s.drawn[t])
            reused += t > 0 and jpeg_rows.differing_rows(s.clean[t], s.clean[t - 1]) is not None
    assert patched > 0 and reused > 0


@pytest.mark.parametrize("quality", [1, 5, 50, 100])
def test_any_quality_patches_exactly(quality):
    """Coarse quality tables hold large bytes; the header is walked by segment lengths."""
    rng = np.random.default_rng(quality)
    enc = jpeg_rows.RowEncoder(quality)
    base = natural(rng, 64, 96)
    frame = base.copy()
    frame[20:30, 10:50] = 255
    assert enc.patch(enc.encode(base), frame, [False, True, False, False]) == enc.encode(frame)
    assert jpeg_rows.split(b"not a jpeg at all", 4) is None
