"""Deterministic tar writing for shards.

Produces the same bytes as `webdataset.TarWriter(f, encoder=False, mtime=0, user=..., group=...)`
(a test checks it byte for byte) without importing webdataset, whose package import pulls in
torch when torch is installed — seconds per worker process for nothing. Members: mtime 0,
uid/gid 0, user/group "datagen", mode 0444, each sample's files in sorted field order.
"""
from __future__ import annotations

import io
import tarfile
from typing import BinaryIO

TAR_MTIME = 0
TAR_USER = "datagen"
TAR_MODE = 0o444


class ShardTarWriter:
    def __init__(self, fileobj: BinaryIO):
        self.tar = tarfile.open(fileobj=fileobj, mode="w|")

    def write(self, key: str, files: dict[str, bytes]) -> int:
        if "." in key:
            raise ValueError(f"sample key must not contain dots: {key!r}")
        total = 0
        for field in sorted(files):
            data = files[field]
            ti = tarfile.TarInfo(f"{key}.{field}")
            ti.size = len(data)
            ti.mtime = TAR_MTIME
            ti.mode = TAR_MODE
            ti.uname = TAR_USER
            ti.gname = TAR_USER
            self.tar.addfile(ti, io.BytesIO(data))
            total += ti.size
        return total

    def close(self) -> None:
        self.tar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
