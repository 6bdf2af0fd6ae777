"""Where shards go. A file appears under its final name only when it is complete.

`LocalOutput` writes `.NAME.<random>.tmp` in the same directory, fsyncs it and renames
it over the final name (atomic on POSIX). Remote outputs (fsspec URLs) live in
`datagen.engine.remote`. Both compute the sha256 while writing.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO, Iterator

from datagen.errors import UserError

HASH_CHUNK = 4 * 1024 * 1024


class HashingWriter:
    """A write-only file wrapper that counts bytes and hashes them on the way."""

    def __init__(self, f: BinaryIO):
        self.f = f
        self.h = hashlib.sha256()
        self.bytes = 0

    def write(self, data) -> int:
        n = self.f.write(data)
        self.h.update(data)
        self.bytes += len(data)
        return n

    def flush(self) -> None:
        self.f.flush()

    def tell(self) -> int:
        return self.bytes

    @property
    def sha256(self) -> str:
        return self.h.hexdigest()


class Output:
    """Interface of an output location (a directory or an object-store prefix)."""

    url: str

    def prepare(self) -> None: ...
    def exists(self, name: str) -> bool: ...
    def size(self, name: str) -> int | None: ...
    def sha256(self, name: str) -> str | None: ...
    def read_text(self, name: str) -> str | None: ...
    def write_atomic(self, name: str, data: bytes) -> None: ...
    def list(self) -> list[str]: ...
    def writer(self, name: str): ...
    def join(self, name: str) -> str: ...
    def remove_temporaries(self) -> None: ...


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class LocalOutput(Output):
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.url = str(self.path)

    def prepare(self) -> None:
        p = self.path
        if p.exists() and not p.is_dir():
            raise UserError("--out exists and is not a directory", path=str(p))
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UserError(f"cannot create output directory ({e.strerror})", path=str(p)) from None
        probe = p / f".datagen-write-test-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise UserError(f"output directory is not writable ({e.strerror})", path=str(p)) from None
        self.remove_temporaries()

    def remove_temporaries(self) -> None:
        """Temporary files of interrupted runs or dead workers are never valid; clear them."""
        for tmp in self.path.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    def join(self, name: str) -> str:
        return str(self.path / name)

    def exists(self, name: str) -> bool:
        return (self.path / name).is_file()

    def size(self, name: str) -> int | None:
        try:
            return (self.path / name).stat().st_size
        except OSError:
            return None

    def sha256(self, name: str) -> str | None:
        try:
            return _hash_file(self.path / name)
        except OSError:
            return None

    def read_text(self, name: str) -> str | None:
        try:
            return (self.path / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def list(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_file())

    def write_atomic(self, name: str, data: bytes) -> None:
        with self.writer(name) as f:
            f.write(data)

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[HashingWriter]:
        tmp = self.path / f".{name}.{uuid.uuid4().hex[:12]}.tmp"
        try:
            with open(tmp, "wb") as raw:
                hw = HashingWriter(raw)
                yield hw
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, self.path / name)
        except OSError as e:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if e.errno == errno.ENOSPC:
                raise UserError(f"no space left on device while writing {name}", path=self.url) from None
            raise
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise


def open_output(out: str | os.PathLike) -> Output:
    s = str(out)
    if "://" in s and not s.startswith("file://"):
        from datagen.engine.remote import FsspecOutput

        return FsspecOutput(s)
    if s.startswith("file://"):
        s = s[len("file://"):]
    return LocalOutput(s)
