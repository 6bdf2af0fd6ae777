"""Faults that long runs meet: kill -9, a worker that dies mid-shard, a full disk.

After each, running the same command again must give a dataset byte-identical to an
uninterrupted run, and no final shard name may ever hold a partial shard.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import small_subtitle_recipe
from datagen.engine import generate
from datagen.engine.faults import ENV as FAULT_ENV, FAULT_EXIT, parse
from datagen.errors import UserError
from datagen.recipe import recipe_from_dict
from test_hostile_inputs import small_fonts_dir

RECIPE = small_subtitle_recipe(name="faults", clip={"frames": 8, "width": 128, "height": 80, "fps": 12})
SAMPLES, SHARD = 48, 4


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def fonts(tmp_path_factory):
    d = small_fonts_dir(tmp_path_factory.mktemp("fonts"))
    mp = pytest.MonkeyPatch()
    mp.setenv("DATAGEN_FONTS", str(d))
    mp.delenv(FAULT_ENV, raising=False)
    yield d
    mp.undo()


@pytest.fixture(scope="module")
def reference(fonts, tmp_path_factory):
    """An uninterrupted run: {file name: bytes} of shards and manifest."""
    out = tmp_path_factory.mktemp("reference")
    generate(recipe_from_dict(RECIPE), str(out), samples=SAMPLES, seed=3, shard_size=SHARD, progress=False)
    return files(out)


def cli(recipe: Path, out: Path, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "datagen", "generate", str(recipe), "--out", str(out), "--samples", str(SAMPLES),
            "--seed", "3", "--shard-size", str(SHARD), "--workers", str(workers), "--quiet"]


class FinalNameWatcher:
    """Polls OUT; every shard that appears (or changes) under a final name must be whole."""

    def __init__(self, out: Path, reference: dict[str, bytes]):
        self.out, self.ref = out, {k: sha(v) for k, v in reference.items()}
        self.seen: dict[str, tuple] = {}

    def poll(self) -> int:
        if not self.out.is_dir():
            return 0
        for p in self.out.glob("shard-*.tar"):
            try:
                st = p.stat()
                sig = (st.st_ino, st.st_size, st.st_mtime_ns)
                if self.seen.get(p.name) == sig:
                    continue
                data = p.read_bytes()
            except FileNotFoundError:
                continue
            assert sha(data) == self.ref[p.name], f"{p.name} appeared under its final name but is not whole"
            self.seen[p.name] = sig
        return len(self.seen)


@pytest.mark.slow
def test_kill_9_then_resume_is_byte_identical(fonts, reference, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "DATAGEN_FONTS": str(fonts)}
    watch = FinalNameWatcher(out, reference)
    proc = subprocess.Popen(cli(recipe, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while watch.poll() < 2 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, "the run finished before it could be killed; make it longer"
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, like a machine that dies
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    final = watch.poll()
    assert 2 <= final < SAMPLES // SHARD
    recorded = 0  # the manifest lags the renames (workers rename, the driver records); it may not exist yet
    if (out / "manifest.json").exists():
        m = json.loads((out / "manifest.json").read_text())
        assert not m["complete"] and len(m["shards"]) <= final
        recorded = len(m["shards"])

    proc = subprocess.Popen(cli(recipe, out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        watch.poll()
        time.sleep(0.005)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert f"({SAMPLES // SHARD - recorded} written, {recorded} kept)" in stdout, stdout
    assert files(out) == reference  # shards and manifest, byte for byte; no temporary files left


@pytest.mark.slow
def test_dead_local_worker_is_an_error_then_resume_completes(fonts, reference, tmp_path, monkeypatch):
    flag = tmp_path / "fired"
    monkeypatch.setenv(FAULT_ENV, f"die:shard=1,after=2,flag={flag}")
    recipe = recipe_from_dict(RECIPE)
    out = tmp_path / "out"
    with pytest.raises(UserError, match="worker process died"):
        generate(recipe, str(out), samples=SAMPLES, seed=3, shard_size=SHARD, workers=2, progress=False)
    assert flag.read_bytes() == b"x"  # the fault really fired
    r = generate(recipe, str(out), samples=SAMPLES, seed=3, shard_size=SHARD, workers=2, progress=False)
    assert flag.read_bytes() == b"x" and r.written >= 1
    assert files(out) == reference


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # no late tracebacks either
def test_full_disk_mid_shard(fonts, reference, tmp_path, monkeypatch, capsys):
    """ENOSPC partway through the second shard: one clear line, shard 0 intact, no temp file."""
    from datagen import cli
    from datagen.engine import output as output_mod

    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE), encoding="utf-8")
    out = tmp_path / "out"
    limit = len(reference["shard-000001.tar"]) // 2
    real_write = output_mod.HashingWriter.write
    hits = []

    def full_disk(self, data):
        if ".shard-000001.tar." in str(getattr(self.f, "name", "")) and self.bytes + len(data) > limit:
            hits.append(self.f.name)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(output_mod.HashingWriter, "write", full_disk)
    argv = ["generate", str(recipe), "--out", str(out), "--samples", str(SAMPLES), "--seed", "3",
            "--shard-size", str(SHARD), "--workers", "1", "--quiet"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert hits and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"datagen: error: {out}: no space left on device while writing shard-000001.tar"), err
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "shard-000000.tar"]  # no temp file
    assert (out / "shard-000000.tar").read_bytes() == reference["shard-000000.tar"]
    m = json.loads((out / "manifest.json").read_text())
    assert not m["complete"] and [s["name"] for s in m["shards"]] == ["shard-000000.tar"]

    monkeypatch.setattr(output_mod.HashingWriter, "write", real_write)  # space freed: resume
    assert cli.main(argv) == 0
    assert "(11 written, 1 kept)" in capsys.readouterr().out
    assert files(out) == reference


def test_fault_spec_parsing():
    f = parse("die:shard=3,after=5,times=2,flag=/tmp/x")
    assert (f.shard, f.after, f.times, f.flag) == (3, 5, 2, "/tmp/x")
    assert parse("") is None
    with pytest.raises(ValueError, match="unknown fault kind"):
        parse("explode:shard=1")
    with pytest.raises(ValueError, match="needs shard"):
        parse("die:after=1")
    assert FAULT_EXIT not in (0, 1, 2, 130)
