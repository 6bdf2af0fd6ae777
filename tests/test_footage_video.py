"""Video backgrounds: frame-exact windows in every container, probing, keyframe windows, cuts,
timeouts and broken files."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from datagen.backgrounds import make_background
from datagen.errors import InputSkipped, UserError
from datagen.footage import ffmpeg as ff
from datagen.footage.fit import ffmpeg_filter
from datagen.footage.index import probe
from datagen.recipe import recipe_from_dict
from datagen.resources import Resources
from test_footage_media import FORMATS, decode_all, make_broken_videos, make_cut_video, make_media, make_video


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


def video_source(paths, clip=(6, 96, 64), **spec):
    frames, w, h = clip
    r = recipe_from_dict({"clip": {"frames": frames, "width": w, "height": h},
                          "background": {"type": "video", "paths": [str(p) for p in paths], **spec}})
    return make_background(r.background[0], Resources()), r.clip


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_window_equals_the_same_frames_of_a_full_decode(media, fmt):
    path = media / "videos" / FORMATS[fmt][0]
    src, clip = video_source([path], stride={"randint": [1, 3]}, filters={"static": None})
    rng = np.random.default_rng(7)
    full: dict[str, np.ndarray] = {}
    starts = set()
    for _ in range(6):
        plan = src.plan(rng, clip)
        win = plan["window"]
        assert win["frames"] == [win["start"] + j * win["stride"] for j in range(clip.frames)]
        assert np.allclose(win["time_s"], [round(f / plan["fps"], 6) for f in win["frames"]], atol=1e-6)
        got = src.render(plan, clip)
        vf = ffmpeg_filter(plan["fit"], clip.width, clip.height)
        if vf not in full:
            full[vf] = decode_all(path, vf, (clip.width, clip.height))
        assert np.array_equal(got, full[vf][win["frames"]]), (fmt, win)
        starts.add(win["start"])
    assert len(starts) > 1


def test_late_first_frame_and_native_band_crop_are_exact(media):
    path = media / "videos" / "late_start.mov"  # audio starts 0.3 s before the first video frame
    entry = probe("video", str(path), 30)
    assert entry["t0"] == pytest.approx(0.32, abs=0.02) and entry["frames"] == 75 and entry["exact"]
    src, clip = video_source([path], clip=(5, 64, 24), fit="band", band_position=0.8, filters={"static": None})
    full = decode_all(path)
    rng = np.random.default_rng(1)
    for _ in range(4):
        plan = src.plan(rng, clip)
        x, y, w, h = plan["fit"]["crop"]
        assert (w, h) == (64, 24) and plan["fit"]["scale"] == [64, 24]  # native resolution
        assert abs((y + h / 2) - 0.8 * 90) <= 2
        assert plan["window"]["time_s"][0] == pytest.approx(entry["t0"] + plan["window"]["start"] / 25, abs=1e-5)
        got = src.render(plan, clip)
        same_crop = decode_all(path, ffmpeg_filter(plan["fit"], 64, 24), (64, 24))
        assert np.array_equal(got, same_crop[plan["window"]["frames"]])
        # cropping before the YUV->RGB conversion only moves chroma interpolation at the edges
        diff = np.abs(got.astype(int) - full[plan["window"]["frames"], y:y + h, x:x + w])
        assert diff.mean() < 1.0


def test_probe_reports_rate_count_and_keyframes(media):
    mkv = probe("video", str(media / "videos" / "clip.mkv"), 30)
    assert mkv["fps"] == pytest.approx(30000 / 1001, rel=1e-5) and mkv["frames"] == 90
    assert mkv["keyframes"][:3] == [0, 15, 30]
    big = ff.probe_video(str(media / "videos" / "clip.mp4"), 30, scan=False)  # what files > 1 GiB get
    assert not big.exact and big.keyframes == [] and 0 < big.frames <= 75


def test_max_preroll_starts_windows_near_keyframes_and_stays_exact(media):
    path = media / "videos" / "clip.mp4"  # a keyframe every 10 frames
    src, clip = video_source([path], max_preroll=2, filters={"static": None})
    full = decode_all(path, ffmpeg_filter(src.plan(np.random.default_rng(0), clip)["fit"], 96, 64), (96, 64))
    rng = np.random.default_rng(3)
    starts = []
    for _ in range(12):
        plan = src.plan(rng, clip)
        starts.append(plan["window"]["start"])
        if len(starts) <= 3 and plan["fit"]["crop"] == [8, 0, 134, 90]:
            assert np.array_equal(src.render(plan, clip), full[plan["window"]["frames"]])
    assert all(s % 10 <= 2 for s in starts) and len(set(starts)) > 3


def test_windows_across_a_shot_cut_are_rejected(tmp_path):
    path = make_cut_video(tmp_path / "cut.mp4", first_frames=25)  # cut between frames 24 and 25
    src, clip = video_source([path], clip=(8, 96, 64))
    rng = np.random.default_rng(0)
    seen = {True: 0, False: 0}
    for _ in range(14):
        plan = src.plan(rng, clip)
        frames = plan["window"]["frames"]
        crosses = frames[0] <= 24 < frames[-1]
        seen[crosses] += 1
        if crosses:
            with pytest.raises(InputSkipped) as e:
                src.render(plan, clip)
            assert e.value.reason == "shot_cut"
        else:
            assert src.render(plan, clip).shape == (8, 64, 96, 3)
    assert seen[True] and seen[False]


def test_generation_counts_rejected_windows_and_is_deterministic(tmp_path):
    from datagen.engine import generate

    path = make_cut_video(tmp_path / "cut.mp4", first_frames=25)
    r = recipe_from_dict({"name": "cut", "clip": {"frames": 8, "width": 96, "height": 64},
                          "background": {"type": "video", "paths": [str(path)]}})
    a = generate(r, str(tmp_path / "a"), samples=6, workers=1, seed=3, shard_size=3, progress=False)
    generate(r, str(tmp_path / "b"), samples=6, workers=2, seed=3, shard_size=3, progress=False)
    assert a.skipped_inputs.get("background:shot_cut", 0) > 0
    for name in ("shard-000000.tar", "shard-000001.tar", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    from datagen.reader import read_samples

    for s in read_samples([str(tmp_path / "a" / "shard-000000.tar"), str(tmp_path / "a" / "shard-000001.tar")]):
        frames = s.meta["background"]["window"]["frames"]
        assert not frames[0] <= 24 < frames[-1]


def test_broken_videos_are_counted_per_reason(tmp_path):
    bad = make_broken_videos(tmp_path / "v")
    src, clip = video_source([tmp_path / "v"], clip=(8, 96, 64))
    res = Resources(out=str(tmp_path / "out"))
    res.clip = clip
    counts = src.spec.preflight(res)
    assert counts == {"empty_file": 1, "too_short": 1, "truncated": 1, "undecodable": 2}
    plan = src.plan(np.random.default_rng(0), clip)
    assert plan["path"] == str(bad["good"])


def test_no_usable_video_is_a_clear_error_naming_the_pattern(tmp_path):
    from datagen.engine import generate

    bad = make_broken_videos(tmp_path / "v")
    bad["good"].unlink()
    bad["too_short"].unlink()
    pattern = str(tmp_path / "v" / "*.mp*")
    r = recipe_from_dict({"clip": {"frames": 8, "width": 96, "height": 64},
                          "background": {"type": "video", "paths": [pattern]}})
    with pytest.raises(UserError) as e:
        generate(r, str(tmp_path / "out"), samples=2, progress=False)
    assert pattern in str(e.value) and "empty_file" in str(e.value)
    with pytest.raises(UserError, match="nothing matches"):
        recipe_from_dict({"background": {"type": "video", "paths": [str(tmp_path / "none*.mp4")]}})
    # files named one by one are probed when the recipe loads, before any output is touched
    with pytest.raises(UserError, match="no_index.mp4: cannot be used: undecodable"):
        recipe_from_dict({"background": {"type": "video", "paths": [str(bad["undecodable_moov"])]}})
    fine = make_video(tmp_path / "fine.mp4", seconds=1)
    ok = recipe_from_dict({"background": {"type": "video", "paths": [str(bad["empty_file"]), str(fine)]}})
    assert ok.background[0].paths[1] == str(fine)  # one usable file is enough here


def test_a_hanging_input_times_out(tmp_path):
    fifo = tmp_path / "stuck.mp4"
    os.mkfifo(fifo)  # ffmpeg blocks opening a fifo nobody writes to
    t0 = time.monotonic()
    with pytest.raises(ff.ProbeFailed) as e:
        ff.probe_video(str(fifo), timeout=1.0, scan=True)
    assert e.value.reason == "probe_timeout"
    with pytest.raises(ff.DecodeTimeout):
        ff.decode_frames(str(fifo), 0.0, 4, 1, "", 16, 16, timeout=1.0)
    assert time.monotonic() - t0 < 10


def test_a_file_that_breaks_after_indexing_is_skipped_not_fatal(tmp_path):
    path = make_video(tmp_path / "v.mp4", seconds=2)
    src, clip = video_source([path])
    plan = src.plan(np.random.default_rng(0), clip)
    path.write_bytes(b"\0" * 1000)  # replaced by garbage after the index was built
    with pytest.raises(InputSkipped) as e:
        src.render(plan, clip)
    assert e.value.reason == "decode_failed"


def test_target_fps_sets_the_stride_and_pick_windows_weights_by_length(tmp_path):
    long, short = make_video(tmp_path / "long.mp4", seconds=4), make_video(tmp_path / "short.mp4", seconds=0.4)
    src, clip = video_source([long], fps=8.0)  # 25 fps source
    plan = src.plan(np.random.default_rng(0), clip)
    assert plan["window"]["stride"] == 3
    rng = np.random.default_rng(0)
    for pick, lo, hi in (("source", 0.35, 0.65), ("windows", 0.9, 1.0)):
        src, clip = video_source([long, short], pick=pick)
        picked = [src.plan(rng, clip)["path"] == str(long) for _ in range(200)]
        assert lo <= np.mean(picked) <= hi, pick  # 95 windows in long.mp4, 5 in short.mp4
