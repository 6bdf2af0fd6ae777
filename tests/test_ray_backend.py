"""The Ray backend: byte-identical to the local backend, survives a worker that dies.

One local Ray (2 CPUs, no dashboard) serves the whole module; it is started after the
S3 server so that its workers inherit the endpoint and credentials.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ray = pytest.importorskip("ray", reason="the Ray tests need the [ray] extra (ray[data])")

from conftest import small_subtitle_recipe  # noqa: E402
from datagen.engine import generate  # noqa: E402
from datagen.engine.faults import ENV as FAULT_ENV  # noqa: E402
from datagen.errors import UserError  # noqa: E402
from datagen.recipe import recipe_from_dict  # noqa: E402
from test_hostile_inputs import small_fonts_dir  # noqa: E402

RECIPE = small_subtitle_recipe(name="rayrun")
RUN = dict(samples=12, seed=4, shard_size=3)


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def fonts(tmp_path_factory):
    return small_fonts_dir(tmp_path_factory.mktemp("fonts"))


@pytest.fixture(scope="module")
def local_ray(fonts, request):
    s3 = None
    try:  # start the S3 server first when it can run, so Ray workers inherit its settings
        s3 = request.getfixturevalue("s3")
    except pytest.skip.Exception:
        pass
    mp = pytest.MonkeyPatch()
    mp.setenv("DATAGEN_FONTS", str(fonts))  # after s3, which sets its own
    mp.delenv(FAULT_ENV, raising=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield s3
    finally:
        ray.shutdown()
        mp.undo()


@pytest.fixture(scope="module")
def reference(local_ray, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    generate(recipe_from_dict(RECIPE), str(out), workers=1, progress=False, **RUN)
    return files(out)


def test_ray_matches_local_byte_for_byte(reference, tmp_path):
    r = generate(recipe_from_dict(RECIPE), str(tmp_path / "o"), workers=2, backend="ray", progress=False, **RUN)
    assert (r.written, r.kept) == (4, 0)
    assert files(tmp_path / "o") == reference


def test_dead_ray_worker_is_retried(reference, tmp_path, monkeypatch):
    flag = tmp_path / "fired"
    monkeypatch.setenv(FAULT_ENV, f"die:shard=1,after=2,flag={flag}")
    r = generate(recipe_from_dict(RECIPE), str(tmp_path / "o"), workers=2, backend="ray", progress=False, **RUN)
    assert flag.read_bytes() == b"x"  # the first attempt of shard 1 really died
    assert (r.written, r.kept) == (4, 0)
    assert files(tmp_path / "o") == reference  # complete, identical, no temporary file of the dead attempt


def test_worker_that_always_dies_ends_in_a_user_error(local_ray, tmp_path, monkeypatch):
    from datagen.engine.ray_backend import MAX_RETRIES

    flag = tmp_path / "fired"
    monkeypatch.setenv(FAULT_ENV, f"die:shard=0,after=1,times=99,flag={flag}")
    with pytest.raises(UserError, match=r"shard 0: its Ray worker died \d+ times.*run the same command again"):
        generate(recipe_from_dict(RECIPE), str(tmp_path / "o"), workers=2, backend="ray", progress=False,
                 samples=2, seed=4, shard_size=2)
    assert len(flag.read_bytes()) == MAX_RETRIES + 1


def test_ray_workers_write_to_s3(local_ray, reference):
    s3 = local_ray
    if s3 is None:
        pytest.skip("needs the S3 server of test_remote_output (s3fs, moto[server])")
    from test_remote_output import BUCKET, objects

    url = f"s3://{BUCKET}/from-ray"
    r = generate(recipe_from_dict(RECIPE), url, workers=2, backend="ray", progress=False, **RUN)
    assert (r.written, r.out) == (4, url)
    assert objects(s3, "from-ray") == reference


@pytest.mark.slow
def test_cli_starts_its_own_ray(fonts, reference, tmp_path):
    """`datagen generate --backend ray` without an address: a local Ray, the same bar and summary."""
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE), encoding="utf-8")
    out = tmp_path / "o"
    env = {**os.environ, "DATAGEN_FONTS": str(fonts)}
    env.pop(FAULT_ENV, None)
    env.pop("RAY_ADDRESS", None)
    p = subprocess.run([sys.executable, "-m", "datagen", "generate", str(recipe), "--out", str(out),
                        "--samples", "12", "--seed", "4", "--shard-size", "3", "--workers", "2", "--backend", "ray"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("12 samples in 4 shards (4 written, 0 kept)"), p.stdout
    assert "generate: 100%" in p.stderr and "12/12" in p.stderr  # the tqdm bar, counted to the end
    assert "Traceback" not in p.stderr
    assert files(out) == reference


def test_ray_missing_gives_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(UserError, match=r"--backend ray needs Ray: pip install -e '\.\[ray\]'"):
        generate(recipe_from_dict(RECIPE), str(tmp_path / "o"), samples=1, backend="ray", progress=False)


# the S3 server fixture lives with the S3 tests; importing it makes it usable here
try:
    from test_remote_output import s3  # noqa: E402,F401
except pytest.skip.Exception:
    pass
