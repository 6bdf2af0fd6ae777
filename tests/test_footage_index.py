"""The footage index: built once next to the output, reused while sources are unchanged,
identical for identical sources; `datagen index`; `--background` on the command line."""
from __future__ import annotations

import json
import os

import pytest

from datagen.cli import main
from datagen.footage import index as idx
from datagen.recipe import recipe_from_dict
from datagen.resources import Resources
from test_footage_media import make_frame_folder, make_still, make_video


@pytest.fixture
def footage(tmp_path):
    root = tmp_path / "footage"
    make_video(root / "a.mp4", seconds=2)
    make_video(root / "sub" / "b.mkv", seconds=2, codec=["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    make_frame_folder(root / "DAVIS" / "JPEGImages" / "480p" / "bear", n=12)
    make_frame_folder(root / "DAVIS" / "Annotations" / "480p" / "bear", n=12, fmt="{:05d}.png")
    make_still(root / "photos" / "beach.jpg")
    make_still(root / "photos" / "IMG_7.jpg", size=(300, 400))
    return root


def auto_spec(paths, **extra):
    r = recipe_from_dict({"clip": {"frames": 6, "width": 96, "height": 64},
                          "background": {"type": "auto", "paths": [str(p) for p in paths], **extra}})
    return r.background[0]


class CountingProbe:
    """Wraps the index's probe function to count calls."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        real = idx.probe

        def counted(kind, path, timeout):
            self.calls.append(path)
            return real(kind, path, timeout)

        monkeypatch.setattr(idx, "probe", counted)


def test_auto_sorts_videos_frame_folders_and_stills(footage):
    from datagen.footage.discover import discover

    items = discover([str(footage)]).items
    kinds = {os.path.relpath(p, footage): k for k, p in items}
    assert kinds == {"a.mp4": "video", "sub/b.mkv": "video", "DAVIS/JPEGImages/480p/bear": "frames",
                     "photos/IMG_7.jpg": "still", "photos/beach.jpg": "still"}  # Annotations ignored
    assert [p for _, p in items] == sorted(p for _, p in items)


def test_index_is_built_once_next_to_the_output_and_reused(footage, tmp_path, monkeypatch):
    probes = CountingProbe(monkeypatch)
    spec = auto_spec([footage])
    out = tmp_path / "out"
    out.mkdir()
    assert spec.preflight(Resources(out=str(out))) == {}
    cache = out / idx.INDEX_NAME
    first = cache.read_bytes()
    assert len(probes.calls) == 5
    entries = {e["path"]: e for e in json.loads(first)["entries"]}
    assert entries[str(footage / "a.mp4")]["frames"] == 50
    assert entries[str(footage / "DAVIS/JPEGImages/480p/bear")]["names"][:2] == ["00000.jpg", "00001.jpg"]
    assert entries[str(footage / "photos/IMG_7.jpg")]["width"] == 300

    spec.preflight(Resources(out=str(out)))
    assert len(probes.calls) == 5 and cache.read_bytes() == first  # nothing probed again

    os.utime(footage / "a.mp4", ns=(1, 1))  # a changed file is probed again, only it
    spec.preflight(Resources(out=str(out)))
    assert probes.calls[5:] == [str(footage / "a.mp4")]

    other = tmp_path / "other"  # the same sources give the same index bytes
    other.mkdir()
    os.utime(footage / "a.mp4", ns=(1, 1))
    spec.preflight(Resources(out=str(other)))
    assert (other / idx.INDEX_NAME).read_bytes() == cache.read_bytes()


def test_workers_read_the_drivers_index(footage, tmp_path, monkeypatch):
    from datagen.backgrounds import make_background

    out = tmp_path / "out"
    out.mkdir()
    spec = auto_spec([footage])
    spec.preflight(Resources(out=str(out)))
    probes = CountingProbe(monkeypatch)
    src = make_background(spec, Resources(out=str(out)))
    import numpy as np

    plan = src.plan(np.random.default_rng(0), recipe_from_dict({"clip": {"frames": 6}}).clip)
    assert plan["path"].startswith(str(footage)) and probes.calls == []


def test_a_corrupt_index_is_rebuilt_and_a_user_path_wins(footage, tmp_path):
    user = tmp_path / "mine" / "idx.json"
    spec = auto_spec([footage / "a.mp4"], index=str(user))
    out = tmp_path / "out"
    out.mkdir()
    spec.preflight(Resources(out=str(out)))
    assert user.is_file() and not (out / idx.INDEX_NAME).exists()
    user.write_text("{not json")
    spec.preflight(Resources(out=str(out)))
    assert json.loads(user.read_text())["entries"][0]["frames"] == 50


def test_index_command_builds_and_reuses(footage, tmp_path, capsys):
    target = tmp_path / "idx.json"
    assert main(["index", str(footage), "--out", str(target), "--quiet"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "5 usable sources (2 videos, 1 frame folders, 2 stills" in line and "5 probed" in line
    (footage / "zero.mp4").write_bytes(b"")
    assert main(["index", str(footage), "--out", str(target), "--quiet", "-v"]) == 0
    out = capsys.readouterr().out
    assert "1 probed, 5 from cache; skipped: empty_file 1" in out and "zero.mp4" in out
    assert main(["index", str(tmp_path / "nothing-here*")]) == 2


def test_generate_with_background_option(footage, tmp_path, write_recipe):
    recipe = write_recipe({"name": "tiny", "clip": {"frames": 4, "width": 64, "height": 48},
                           "background": {"type": "solid"}, "layers": []})
    out = tmp_path / "out"
    rc = main(["generate", str(recipe), "--background", str(footage / "photos" / "*.jpg"), "--out", str(out),
               "--samples", "3", "--workers", "1", "--quiet"])
    assert rc == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["recipe"]["background"][0]["type"] == "auto" and (out / idx.INDEX_NAME).is_file()
    from datagen.reader import read_samples

    got = [s.meta["background"] for s in read_samples([str(out / "shard-000000.tar")])]
    assert {b["source"] for b in got} == {"still"} and all(b["type"] == "auto" for b in got)


def test_unreadable_folder_is_counted(tmp_path, monkeypatch):
    root = tmp_path / "f"
    make_video(root / "ok.mp4", seconds=2)
    locked = make_frame_folder(root / "locked", n=8)
    os.chmod(locked, 0)
    try:
        if os.access(locked, os.R_OK):  # root reads it anyway: make listing it fail instead
            real_scandir = os.scandir

            def scandir(path="."):
                if os.fspath(path) == str(locked):
                    raise PermissionError(13, "Permission denied", str(locked))
                return real_scandir(path)

            monkeypatch.setattr(os, "scandir", scandir)
        counts = auto_spec([root]).preflight(Resources(out=str(tmp_path)))
        assert counts == {"unreadable": 1}
    finally:
        os.chmod(locked, 0o755)
