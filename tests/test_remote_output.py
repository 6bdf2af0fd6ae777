"""Output to an object store: a real S3-compatible HTTP server (moto) on loopback, s3fs client.

The same command writes the same bytes to `s3://bucket/prefix` as to a local folder;
a final key never holds a partial shard (an upload that fails is discarded); resume
keeps the objects whose sha256 matches the manifest and rewrites deleted or damaged ones.
"""
from __future__ import annotations

import json
import logging

import pytest

pytest.importorskip("s3fs", reason="the S3 tests need the [s3] extra (s3fs)")
pytest.importorskip("moto.server", reason="the S3 tests need moto[server]")
pytest.importorskip("flask", reason="moto's server mode needs moto[server]")

from conftest import small_subtitle_recipe  # noqa: E402
from datagen.engine import generate  # noqa: E402
from datagen.errors import UserError  # noqa: E402
from datagen.recipe import recipe_from_dict  # noqa: E402
from test_hostile_inputs import small_fonts_dir  # noqa: E402

BUCKET = "datagen-test"
RECIPE = small_subtitle_recipe(name="remote")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 (free port) with one bucket; env points clients at it.

    Yields a boto3 client for poking at objects behind datagen's back."""
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    mp = pytest.MonkeyPatch()
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}"}.items():
        mp.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "DATAGEN_FAULT"):
        mp.delenv(k, raising=False)
    mp.setenv("DATAGEN_FONTS", str(small_fonts_dir(tmp_path_factory.mktemp("fonts"))))
    s3fs.S3FileSystem.clear_instance_cache()  # no client of an earlier endpoint
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield client
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        mp.undo()
        server.stop()


def objects(client, prefix: str) -> dict[str, bytes]:
    """{name: bytes} of every object under prefix/, hidden (temporary) ones included."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix) + 1:]] = client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
    return out


def local_files(out) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def reference(s3, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    generate(recipe_from_dict(RECIPE), str(out), samples=8, seed=1, shard_size=2, progress=False)
    return local_files(out)


def test_s3_output_matches_local_and_resumes(s3, reference):
    recipe = recipe_from_dict(RECIPE)
    url = f"s3://{BUCKET}/run1"
    r = generate(recipe, url, samples=8, seed=1, shard_size=2, workers=2, progress=False)
    assert (r.written, r.kept, r.out) == (4, 0, url)
    assert objects(s3, "run1") == reference  # shards and manifest, byte for byte; no temporary keys

    s3.delete_object(Bucket=BUCKET, Key="run1/shard-000001.tar")
    damaged = bytearray(reference["shard-000003.tar"])
    damaged[600] ^= 0xFF  # same size, other sha256
    s3.put_object(Bucket=BUCKET, Key="run1/shard-000003.tar", Body=bytes(damaged))
    s3.put_object(Bucket=BUCKET, Key="run1/.shard-000002.tar.0123456789ab.tmp", Body=b"left by a dead worker")
    r = generate(recipe, url, samples=8, seed=1, shard_size=2, workers=1, progress=False)
    assert (r.written, r.kept) == (2, 2)
    assert objects(s3, "run1") == reference

    r = generate(recipe, url, samples=8, seed=1, shard_size=2, workers=1, progress=False)
    assert (r.written, r.kept) == (0, 4)


def test_failed_upload_leaves_no_final_key(s3, reference, monkeypatch):
    """The connection drops while shard 1 is being written: nothing under its final name."""
    import s3fs

    recipe = recipe_from_dict(RECIPE)
    url = f"s3://{BUCKET}/run2"
    real_write = s3fs.core.S3File.write
    failed = []

    def flaky(self, data):
        if ".shard-000001.tar." in self.path and self.loc + len(data) > len(reference["shard-000001.tar"]) // 2:
            failed.append(self.path)
            raise ConnectionResetError(104, "Connection reset by peer")
        return real_write(self, data)

    monkeypatch.setattr(s3fs.core.S3File, "write", flaky)
    with pytest.raises(UserError, match=r"cannot write shard-000001\.tar \(ConnectionResetError.*run the same command"):
        generate(recipe, url, samples=8, seed=1, shard_size=2, workers=1, progress=False)
    assert failed
    left = objects(s3, "run2")
    assert sorted(left) == ["manifest.json", "shard-000000.tar"]  # no partial shard 1, no temporary key
    assert left["shard-000000.tar"] == reference["shard-000000.tar"]
    assert [s["name"] for s in json.loads(left["manifest.json"])["shards"]] == ["shard-000000.tar"]

    monkeypatch.setattr(s3fs.core.S3File, "write", real_write)
    r = generate(recipe, url, samples=8, seed=1, shard_size=2, workers=1, progress=False)
    assert (r.written, r.kept) == (3, 1)
    assert objects(s3, "run2") == reference


def test_missing_bucket_is_a_user_error(s3):
    with pytest.raises(UserError, match=r"s3://no-such-bucket/x: output location is not writable"):
        generate(recipe_from_dict(RECIPE), "s3://no-such-bucket/x", samples=1, progress=False)


def test_out_naming_an_object_is_a_user_error(s3):
    s3.put_object(Bucket=BUCKET, Key="a-file", Body=b"precious")
    with pytest.raises(UserError, match="names an existing object"):
        generate(recipe_from_dict(RECIPE), f"s3://{BUCKET}/a-file", samples=1, progress=False)
    assert s3.get_object(Bucket=BUCKET, Key="a-file")["Body"].read() == b"precious"
