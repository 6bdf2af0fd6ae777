"""Our shard tar writer is byte-identical to webdataset's TarWriter (without importing it)."""
from __future__ import annotations

import io

from datagen.engine.tarwrite import ShardTarWriter


def test_same_bytes_as_webdataset_tarwriter():
    from webdataset import TarWriter

    samples = [("k-s0-00000000", {"json": b'{"a":1}', "clean.000.jpg": b"\xff\xd8abc", "mask.000.png": b"\x89PNGx"}),
               ("k-s0-00000001", {"clean.000.jpg": b"x" * 1000, "json": b"{}"})]
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
