"""Shard engine: determinism across worker counts, resume, atomic output, stock readers."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from datagen.engine import generate
from datagen.errors import UserError
from datagen.recipe import recipe_from_dict
from conftest import small_subtitle_recipe


def shard_bytes(out):
    return {p.name: p.read_bytes() for p in sorted(out.glob("shard-*.tar"))}


@pytest.fixture(scope="module")
def recipe():
    return recipe_from_dict(small_subtitle_recipe())


def test_workers_1_and_2_are_byte_identical(recipe, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ra = generate(recipe, str(a), samples=9, workers=1, seed=5, shard_size=3, progress=False)
    rb = generate(recipe, str(b), samples=9, workers=2, seed=5, shard_size=3, progress=False)
    assert ra.shards == rb.shards == 3
    assert shard_bytes(a) == shard_bytes(b)
    assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
    m = json.loads((a / "manifest.json").read_text())
    assert m["complete"] and m["samples"] == 9 and m["seed"] == 5
    for rec in m["shards"]:
        data = (a / rec["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == rec["sha256"] and len(data) == rec["bytes"]


def test_other_seed_differs(recipe, tmp_path):
    generate(recipe, str(tmp_path / "a"), samples=2, seed=1, shard_size=2, progress=False)
    generate(recipe, str(tmp_path / "b"), samples=2, seed=2, shard_size=2, progress=False)
    assert shard_bytes(tmp_path / "a") != shard_bytes(tmp_path / "b")


def test_resume_after_deleted_and_truncated_shard(recipe, tmp_path):
    out = tmp_path / "o"
    generate(recipe, str(out), samples=8, seed=0, shard_size=2, progress=False)
    ref = shard_bytes(out)
    (out / "shard-000001.tar").unlink()
    p2 = out / "shard-000002.tar"
    p2.write_bytes(p2.read_bytes()[:1000])
    r = generate(recipe, str(out), samples=8, seed=0, shard_size=2, progress=False)
    assert (r.written, r.kept) == (2, 2)
    assert shard_bytes(out) == ref
    r = generate(recipe, str(out), samples=8, seed=0, shard_size=2, progress=False)
    assert (r.written, r.kept) == (0, 4)


def test_flipped_byte_is_rewritten(recipe, tmp_path):
    out = tmp_path / "o"
    generate(recipe, str(out), samples=2, seed=0, shard_size=1, progress=False)
    ref = shard_bytes(out)
    p = out / "shard-000000.tar"
    data = bytearray(p.read_bytes())
    data[700] ^= 0xFF
    p.write_bytes(bytes(data))
    r = generate(recipe, str(out), samples=2, seed=0, shard_size=1, progress=False)
    assert r.written == 1 and shard_bytes(out) == ref


def test_growing_a_dataset_keeps_full_shards(recipe, tmp_path):
    out = tmp_path / "o"
    generate(recipe, str(out), samples=5, seed=0, shard_size=2, progress=False)
    r = generate(recipe, str(out), samples=7, seed=0, shard_size=2, progress=False)
    assert (r.kept, r.written) == (2, 2)  # shard 2 held 1 sample, now 2; shard 3 is new


def test_refuses_to_mix_datasets(recipe, tmp_path):
    out = tmp_path / "o"
    generate(recipe, str(out), samples=2, seed=0, shard_size=2, progress=False)
    with pytest.raises(UserError, match="another recipe, seed or shard size"):
        generate(recipe, str(out), samples=2, seed=1, shard_size=2, progress=False)


@pytest.mark.parametrize("kw, needle", [
    ({"samples": 0}, "--samples must be >= 1"),
    ({"workers": 0}, "--workers must be >= 1"),
    ({"shard_size": 0}, "--shard-size must be >= 1"),
])
def test_bad_counts(recipe, tmp_path, kw, needle):
    args = {"samples": 2, "workers": 1, "shard_size": 2, **kw}
    with pytest.raises(UserError, match=needle):
        generate(recipe, str(tmp_path / "o"), progress=False, **args)


def test_out_is_a_file(recipe, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UserError, match="exists and is not a directory"):
        generate(recipe, str(f), samples=1, progress=False)


def test_stock_webdataset_reads_shards(recipe, tmp_path):
    import webdataset as wds

    out = tmp_path / "o"
    generate(recipe, str(out), samples=3, seed=0, shard_size=3, progress=False)
    ds = wds.WebDataset(str(out / "shard-000000.tar"), shardshuffle=False, empty_check=False).decode("rgb")
    samples = list(ds)
    assert len(samples) == 3
    s = samples[0]
    assert s["clean.000.jpg"].shape == (64, 96, 3) and s["clean.000.jpg"].dtype == np.float32
    assert {k for k in s if k.startswith("mask.")} == {f"mask.{t:03d}.png" for t in range(6)}
    assert s["json"]["clip"]["frames"] == 6
    l8 = list(wds.WebDataset(str(out / "shard-000000.tar"), shardshuffle=False, empty_check=False).decode("l8"))
    assert l8[0]["mask.000.png"].ndim == 2


def test_ctrl_c_leaves_no_partial_shard(tmp_path, write_recipe):
    import yaml

    r = small_subtitle_recipe(clip={"frames": 8, "width": 160, "height": 96, "fps": 12})
    path = write_recipe(yaml.safe_dump(r))
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [sys.executable, "-m", "datagen", "generate", str(path), "--out", str(out), "--samples", "400",
         "--shard-size", "4", "--workers", "1", "--quiet"],
        stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob("shard-*.tar"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert not list(out.glob(".*.tmp"))
    m = json.loads((out / "manifest.json").read_text())
    assert not m["complete"]
    recorded = {s["name"]: s["sha256"] for s in m["shards"]}
    for p in out.glob("shard-*.tar"):
        # every final name is a complete shard: recorded, or (killed between rename and
        # manifest update) a complete tar that the next run re-verifies
        if p.name in recorded:
            assert hashlib.sha256(p.read_bytes()).hexdigest() == recorded[p.name]
        else:
            import tarfile
            with tarfile.open(p) as tf:
                assert len(tf.getmembers()) == 4 * (8 * 3 + 1)
