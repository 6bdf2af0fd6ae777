"""End to end, as a user runs it: `make dataset` in a fresh copy of the repository.

The copy has no virtualenv, so this exercises the whole setup path (venv, pip install -e .,
no torch) and the real `datagen generate` command writing shards and a manifest.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _copy_repo(dst: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dst / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f.decode())


@pytest.mark.slow
def test_make_dataset_on_a_fresh_checkout(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    repo = tmp_path / "repo"
    _copy_repo(repo)
    assert not (repo / ".venv").exists()
    out = tmp_path / "subs"
    proc = subprocess.run(
        ["make", "dataset", "RECIPE=subtitles", "SAMPLES=6", "WORKERS=2", "SHARD_SIZE=3", f"OUT={out}"],
        cwd=repo, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "6 samples in 2 shards" in proc.stdout
    # generation needs no torch
    has_torch = subprocess.run([str(repo / ".venv/bin/python"), "-c", "import torch"], capture_output=True)
    assert has_torch.returncode != 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["samples"] == 6 and len(manifest["shards"]) == 2
    with tarfile.open(out / "shard-000000.tar") as tf:
        names = tf.getnames()
    assert len(names) == 3 * (16 * 3 + 1)
    assert "subtitles-s0-00000000.clean.000.jpg" in names and "subtitles-s0-00000000.json" in names
