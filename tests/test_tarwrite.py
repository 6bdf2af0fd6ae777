"""Our shard tar writer is byte-identical to webdataset's TarWriter (without importing it)."""
from __future__ import annotations

import io

from datagen.engine.tarwrite import ShardTarWriter


def test_same_bytes_as_webdataset_tarwriter():
    from webdataset import TarWriter

    samples = [("k-s0-00000000", {"json": b'{"a":1}', "clean.000.jpg": b"\xff\xd8abc", "mask.000.png": b"\x89PNGx"}),
               ("k-s0-00000001", {"clean.000.jpg": b"x" * 1000, "json": b"{}"}),
               ("k-s0-00000002", {"a.bin": b"", "b.bin": b"y" * 512, "c.bin": b"z" * 10240, "d.bin": b"w" * 20001})]
    a, b = io.BytesIO(), io.BytesIO()
    ours = ShardTarWriter(a)
    theirs = TarWriter(b, encoder=False, user="datagen", group="datagen", mode=0o444, mtime=0)
    for key, files in samples:
        ours.write(key, files)
        theirs.write({"__key__": key, **files})
    ours.close()
    theirs.close()
    assert a.getvalue() == b.getvalue()


def test_generation_does_not_import_webdataset_or_torch():
    import subprocess
    import sys

    code = ("import sys; from datagen.recipe import recipe_from_dict; from datagen.engine import generate; "
            "import datagen.engine.shard, datagen.engine.local; "
            "print('webdataset' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_fast_header_equals_tarfile_header():
    import random

    from datagen.engine.tarwrite import header, slow_header

    rnd = random.Random(0)
    names = ["a", "x" * 100, "x" * 101, "subtitles-s0-00000001.clean.000.jpg", "ünïcode.json", "k.json"]
    names += ["".join(rnd.choice("abc-_.0123456789") for _ in range(rnd.randint(1, 99))) for _ in range(200)]
    for name in names:
        for size in (0, 1, 511, 512, 25000, 8**11 - 1, 8**11, rnd.randint(0, 10**9)):
            assert header(name, size) == slow_header(name, size), (name, size)
