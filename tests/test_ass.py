"""Users' .ass files rendered with libass: our composite equals ffmpeg's own burn-in (±2 levels)."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from datagen.compose import Canvas
from datagen.errors import RecipeError
from datagen.layers.ass_file import AssLayer, AssSpec
from datagen.recipe import recipe_from_dict
from datagen.recipe.schema import ClipSpec
from datagen.sample import SampleBuilder
from datagen.text import ass as assmod

pytestmark = pytest.mark.skipif(assmod.ass_problem() is not None, reason=str(assmod.ass_problem()))

W, H, FPS, T = 320, 180, 10, 12

TRACK = r"""[Script Info]
ScriptType: v4.00+
PlayResX: 640
PlayResY: 360
WrapStyle: 0
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Roboto,40,&H00FFFFFF,&H000000FF,&H00101010,&H80000000,0,0,0,0,100,100,0,0,1,2.5,1.5,2,20,20,24,1
Style: Sign,Noto Sans CJK SC,34,&H0000E0FF,&H000000FF,&H00602000,&H00000000,-1,0,0,0,100,100,0,0,1,1,0,8,20,20,20,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.05,0:00:00.95,Default,,0,0,0,,Hello {\c&H30C030&}green{\c} world
Dialogue: 0,0:00:00.15,0:00:01.15,Sign,,0,0,0,,{\pos(420,90)\fad(300,250)\bord4\shad3}你好，世界
Dialogue: 0,0:00:01.20,0:00:02.50,Default,,0,0,0,,{\bord1\shad0\3c&H0000FF&}Second line, {\i1}italic{\i0}
Comment: 0,0:00:00.00,0:00:09.00,Default,,0,0,0,,not drawn
"""


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    p = tmp_path_factory.mktemp("ass") / "track.ass"
    p.write_text(TRACK, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def background():
    """A busy, colourful reference background: ffmpeg's testsrc2, lossless rgb24."""
    out = subprocess.run([assmod.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                          f"testsrc2=s={W}x{H}:r={FPS}", "-frames:v", str(T + 8), "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(out, np.uint8).reshape(T + 8, H, W, 3)


def ffmpeg_burn(path, frames: np.ndarray) -> np.ndarray:
    """ffmpeg's own burn-in of the file into `frames` (frame i at time i / FPS), lossless."""
    n = frames.shape[0]
    cmd = [assmod.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{W}x{H}", "-framerate", str(FPS), "-i", "-", "-vf", f"format=rgb24,ass=filename={path}",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, input=frames.tobytes(), capture_output=True, check=True, timeout=120,
                         env=assmod.fontconfig_env(assmod.default_font_dirs())).stdout
    return np.frombuffer(out, np.uint8).reshape(n, H, W, 3)


@pytest.mark.parametrize("start", [0, 7])
def test_our_composite_equals_ffmpeg_burn_in(track, background, start):
    layer = AssLayer(AssSpec(files=[str(track)]))
    plan = {"file": str(track), "fps": FPS, "start_frame": start, "events": []}
    clean = np.ascontiguousarray(background[start:start + T])
    canvas = Canvas(clean)
    layer.render(plan, canvas)
    # the reference sees the whole timeline from 0 and we keep frames start .. start + T - 1
    ref = ffmpeg_burn(track, np.ascontiguousarray(background[:start + T]))[start:]
    diff = np.abs(canvas.frames.astype(int) - ref.astype(int))
    assert diff.max() <= 2, (diff.max(), np.argwhere(diff > 2)[:5])
    drawn = canvas.mask.reshape(T, -1).any(axis=1)
    assert drawn.sum() >= 6
    # exactness of our side: outside the mask nothing changed; the overlay really is there
    assert np.array_equal(canvas.frames[canvas.mask == 0], clean[canvas.mask == 0])
    assert np.abs(ref.astype(int) - clean.astype(int))[canvas.mask == 0].max() <= 2
    assert (np.abs(ref.astype(int) - clean.astype(int)).max(axis=-1) > 30).sum() > 500


def test_styles_and_override_tags_are_the_files_own(track, background):
    layer = AssLayer(AssSpec(files=[str(track)]))
    canvas = Canvas(np.zeros((T, H, W, 3), np.uint8))
    layer.render({"file": str(track), "fps": FPS, "start_frame": 0, "events": []}, canvas)
    f = canvas.frames[5].astype(int)
    yellow = (f[..., 0] > 200) & (f[..., 1] > 180) & (f[..., 2] < 60)  # Sign style: &H0000E0FF = RGB(255,224,0)
    green = (f[..., 1] > 150) & (f[..., 0] < 90) & (f[..., 2] < 90)  # \c&H30C030&
    assert yellow[: H // 2].sum() > 50 and green[H // 2:].sum() > 50
    a2, a4 = canvas.alpha[2], canvas.alpha[4]  # \fad(300,...): the sign fades in
    top = slice(0, H // 2)
    assert a2[top].max() < a4[top].max()


def test_plan_picks_windows_with_events_and_frames_match_the_mask(track):
    layer = AssLayer(AssSpec(files=[str(track)]))
    clip = ClipSpec(frames=T, width=W, height=H, fps=FPS)
    rng = np.random.default_rng(0)
    for _ in range(4):
        plan = layer.plan(rng, clip)
        assert plan["events"] and "missing_fonts" not in plan
        canvas = Canvas(np.zeros((T, H, W, 3), np.uint8))
        layer.render(plan, canvas)
        on = np.zeros(T, bool)
        for ev in plan["events"]:
            on[ev["start"]:ev["end"]] = True
        assert np.array_equal(on, canvas.mask.reshape(T, -1).any(axis=1)), plan


def test_recipe_with_an_ass_layer_generates_deterministically(track):
    r = {"name": "assr", "clip": {"frames": 6, "width": 160, "height": 90, "fps": 12},
         "background": {"type": "solid"}, "layers": [{"type": "ass", "files": [str(track)]}]}
    a, b = SampleBuilder(recipe_from_dict(r)), SampleBuilder(recipe_from_dict(r))
    for i in range(2):
        x, y = a.build(0, i), b.build(0, i)
        assert np.array_equal(x.corrupted, y.corrupted) and np.array_equal(x.mask, y.mask)
        assert x.meta["layers"][0]["params"]["events"]


def test_missing_fonts_fall_back_and_are_recorded(tmp_path):
    p = tmp_path / "odd.ass"
    p.write_text(TRACK.replace("Style: Default,Roboto,", "Style: Default,Some Font Nobody Has,"), encoding="utf-8")
    layer = AssLayer(AssSpec(files=[str(p)]))
    clip = ClipSpec(frames=T, width=W, height=H, fps=FPS)
    plans = [layer.plan(np.random.default_rng(i), clip) for i in range(6)]
    assert any(pl.get("missing_fonts") == ["Some Font Nobody Has"] for pl in plans)
    canvas = Canvas(np.zeros((T, H, W, 3), np.uint8))
    layer.render({"file": str(p), "fps": FPS, "start_frame": 0, "events": []}, canvas)
    assert canvas.mask[5, H // 2:].any()  # drawn with a bundled fallback font


@pytest.mark.parametrize("content,name,expect", [
    (None, "missing.ass", "file not found"),
    ("1\n00:00:00,000 --> 00:00:01,000\nHi\n", "a.srt", "not an .ass/.ssa file"),
    (TRACK.split("Dialogue:")[0], "empty.ass", "holds no dialogue events"),
    ("just some words\n", "words.ass", "not a valid .ass/.ssa file"),
])
def test_bad_files_are_one_line_recipe_errors(tmp_path, content, name, expect):
    p = tmp_path / name
    if content is not None:
        p.write_text(content, encoding="utf-8")
    r = {"name": "bad", "background": {"type": "solid"}, "layers": [{"type": "ass", "files": [str(p)]}]}
    with pytest.raises(RecipeError, match=rf"r\.yaml: layers\[0\]\.files\[0\]: .*{expect}") as e:
        recipe_from_dict(r, "r.yaml")
    assert "\n" not in str(e.value)
