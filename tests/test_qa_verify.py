"""`datagen verify`: each kind of damage is caught and named; `--fix` restores the exact bytes."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from webdataset import TarWriter

from datagen.cli import main
from datagen.engine import generate
from datagen.reader import iter_raw
from datagen.recipe.load import recipe_from_dict

RECIPE = {
    "name": "qaverify",
    "clip": {"frames": 4, "width": 96, "height": 64, "fps": 12},
    "background": {"type": "solid"},
    "layers": [{"type": "subtitle", "texts": [{"corpus": "en"}], "layout": {"size": 0.16}}],
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "data"
    generate(recipe_from_dict(RECIPE), str(out), samples=6, shard_size=2, seed=3, progress=False)
    return out


@pytest.fixture
def copy(dataset, tmp_path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(dataset, dst)
    return dst


def run_verify(path: Path, capsys, *extra: str, workers: int = 1) -> tuple[int, str]:
    rc = main(["verify", str(path), "--quiet", "--workers", str(workers), *extra])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def rewrite_shard(folder: Path, name: str, edit) -> None:
    """Rebuild a shard with edit(key, files) -> files applied, and record its new size and
    sha256 in the manifest, so that only the sample checks can notice the change."""
    buf = io.BytesIO()
    tw = TarWriter(buf, encoder=False, user="datagen", group="datagen", mode=0o444, mtime=0)
    for key, files in iter_raw(str(folder / name)):
        tw.write({"__key__": key, **edit(key, dict(files))})
    tw.close()
    data = buf.getvalue()
    (folder / name).write_bytes(data)
    mpath = folder / "manifest.json"
    m = json.loads(mpath.read_text())
    for r in m["shards"]:
        if r["name"] == name:
            r["bytes"], r["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    m["total_bytes"] = sum(r["bytes"] for r in m["shards"])
    mpath.write_text(json.dumps(m, indent=1))


def second_key(folder: Path, name: str) -> str:
    return [k for k, _ in iter_raw(str(folder / name))][1]


def test_intact_dataset_passes(dataset, capsys):
    rc, out = run_verify(dataset, capsys, workers=2)  # the process-pool path
    assert rc == 0, out
    assert "OK: 3 shards, 6 samples, 24 frames" in out


def test_truncated_shard(copy, capsys):
    shard = copy / "shard-000001.tar"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) * 2 // 3])
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    lines = [line for line in out.splitlines() if line.strip().startswith("shard-")]
    assert lines and all(line.strip().startswith("shard-000001.tar") for line in lines), out
    assert "truncated" in out and "sha256" in out
    # where the cut lands decides what the tar reader still sees: a short tar, a broken one,
    # or a last sample without some of its files
    assert ("holds 1 samples, manifest plans 2" in out or "unreadable tar" in out
            or ": missing " in out), out


def test_truncated_at_a_file_boundary(copy, capsys):
    """A cut exactly between tar members reads as a short, well-formed tar: the sample checks catch it."""
    rewrite_shard(copy, "shard-000002.tar", lambda k, f: f)  # normalise, then cut at a member boundary
    shard = copy / "shard-000002.tar"
    import tarfile

    with tarfile.open(shard) as tf:
        members = tf.getmembers()
    cut = members[len(members) - 5].offset  # drop the last 5 files of the last sample
    rewrite_bytes = shard.read_bytes()[:cut]
    shard.write_bytes(rewrite_bytes)
    m = json.loads((copy / "manifest.json").read_text())
    m["shards"][2].update(bytes=len(rewrite_bytes), sha256=hashlib.sha256(rewrite_bytes).hexdigest())
    m["total_bytes"] = sum(r["bytes"] for r in m["shards"])
    (copy / "manifest.json").write_text(json.dumps(m))
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert "missing" in out and "shard-000002.tar" in out, out
    assert "sha256" not in out


def test_sample_missing_one_frame(copy, capsys):
    key = second_key(copy, "shard-000000.tar")

    def drop(k, files):
        if k == key:
            del files["mask.002.png"]
        return files

    rewrite_shard(copy, "shard-000000.tar", drop)
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert f"shard-000000.tar: {key}: missing mask.002.png" in out, out
    assert "sha256" not in out  # the manifest matches the file: only the completeness check sees it


def test_flipped_byte(copy, capsys):
    shard = copy / "shard-000002.tar"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert "shard-000002.tar: sha256" in out, out
    assert "shard-000000.tar" not in out and "shard-000001.tar" not in out


def test_json_that_does_not_parse(copy, capsys):
    key = second_key(copy, "shard-000001.tar")

    def break_json(k, files):
        if k == key:
            files["json"] = files["json"][:-7]
        return files

    rewrite_shard(copy, "shard-000001.tar", break_json)
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert f"shard-000001.tar: {key}: json does not parse" in out, out


def test_frame_that_does_not_decode(copy, capsys):
    key = second_key(copy, "shard-000000.tar")

    def cut_png(k, files):
        if k == key:
            files["mask.001.png"] = files["mask.001.png"][:40]
        return files

    rewrite_shard(copy, "shard-000000.tar", cut_png)
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert f"{key}: mask.001.png does not decode" in out, out


def test_frame_of_another_size(copy, capsys):
    import cv2
    import numpy as np

    key = second_key(copy, "shard-000000.tar")

    def resize(k, files):
        if k == key:
            files["mask.000.png"] = cv2.imencode(".png", np.zeros((10, 10), np.uint8))[1].tobytes()
        return files

    rewrite_shard(copy, "shard-000000.tar", resize)
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert f"{key}: mask.000.png is 10x10 uint8, expected 64x96 uint8" in out, out


def test_manifest_that_does_not_parse(copy, capsys):
    (copy / "manifest.json").write_text('{"samples": 6,')
    rc, out = run_verify(copy, capsys, "--fix")
    assert rc == 1
    assert "manifest.json: does not parse as JSON" in out
    assert "cannot fix" in out


def test_not_a_dataset_is_a_user_error(tmp_path, capsys):
    rc, out = run_verify(tmp_path, capsys)
    assert rc == 2
    assert out.strip().count("\n") == 0 and "manifest.json" in out


def test_fix_regenerates_exactly_the_broken_shards(dataset, copy, capsys):
    truncated, flipped = copy / "shard-000000.tar", copy / "shard-000002.tar"
    truncated.write_bytes(truncated.read_bytes()[:1000])
    data = bytearray(flipped.read_bytes())
    data[5000] ^= 0x40
    flipped.write_bytes(bytes(data))
    (copy / "shard-000001.tar").touch()  # same bytes, new mtime: must be left alone
    mtime_kept = (copy / "shard-000001.tar").stat().st_mtime_ns

    rc, out = run_verify(copy, capsys, "--fix")
    assert rc == 0, out
    assert "regenerating 2 shard(s): shard-000000.tar, shard-000002.tar" in out
    assert "2 byte-identical to the original record" in out
    for name in ("shard-000000.tar", "shard-000001.tar", "shard-000002.tar", "manifest.json"):
        assert (copy / name).read_bytes() == (dataset / name).read_bytes(), name
    assert (copy / "shard-000001.tar").stat().st_mtime_ns == mtime_kept
    rc, out = run_verify(copy, capsys)
    assert rc == 0, out


def test_fix_writes_shards_an_interrupted_run_left_out(dataset, copy, capsys):
    m = json.loads((copy / "manifest.json").read_text())
    m["shards"] = m["shards"][:1]
    m["complete"] = False
    m["total_bytes"] = m["shards"][0]["bytes"]
    (copy / "manifest.json").write_text(json.dumps(m))
    (copy / "shard-000002.tar").unlink()
    rc, out = run_verify(copy, capsys)
    assert rc == 1
    assert "shard-000001.tar: not in manifest.json" in out and "shard-000002.tar: missing" in out
    assert "manifest.json: is not marked complete" in out
    rc, out = run_verify(copy, capsys, "--fix")
    assert rc == 0, out
    assert (copy / "manifest.json").read_bytes() == (dataset / "manifest.json").read_bytes()
