"""Output to an fsspec URL (`s3://bucket/prefix`, `gs://…`, `memory://…`).

Object stores have no rename and, worse, an fsspec file that is closed after an error
still uploads what it buffered. So a shard is streamed to a temporary key
`PREFIX/.NAME.<random>.tmp`; only when it is complete is it copied (server-side) to
`PREFIX/NAME` and the temporary key deleted. A failed write is discarded, never
committed: a final key holds a whole shard or nothing. The manifest is small and is
written with one PUT, which object stores apply atomically.

Credentials and endpoints come from the usual places of the backend library
(for s3fs: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_ENDPOINT_URL, ~/.aws, an
instance role). The object is re-created from its URL when pickled, so Ray workers
build their own client from their own environment.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from typing import Iterator

from datagen.engine.output import HASH_CHUNK, HashingWriter, Output
from datagen.errors import UserError

TMP_RE = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")
EXTRAS = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}


def _filesystem(url: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as e:
        proto = url.split("://", 1)[0]
        pkg = EXTRAS.get(proto, "the fsspec backend for it")
        raise UserError(f"writing to {proto}:// needs {pkg} (pip install {pkg}): {e}", path=url) from None
    except ValueError as e:  # unknown protocol
        raise UserError(f"not a usable output URL ({e})", path=url) from None


class FsspecOutput(Output):
    """A directory-like prefix on any fsspec filesystem; see the module docstring."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs, root = _filesystem(self.url)
        self.root = root.rstrip("/")
        self._sizes: dict[str, int] | None = None

    def __reduce__(self):
        return (FsspecOutput, (self.url,))

    def _key(self, name: str) -> str:
        return f"{self.root}/{name}"

    def join(self, name: str) -> str:
        return f"{self.url}/{name}"

    # -- setup -----------------------------------------------------------------------
    def prepare(self) -> None:
        """Check that the prefix is writable, and drop temporaries of interrupted runs."""
        self.fs.invalidate_cache()
        try:
            if self.fs.isfile(self.root):
                raise UserError("--out names an existing object, not a prefix", path=self.url)
            probe = self._key(f".datagen-write-test-{uuid.uuid4().hex}")
            self.fs.pipe_file(probe, b"")
            self.fs.rm_file(probe)
        except UserError:
            raise
        except Exception as e:  # noqa: BLE001 - every backend raises its own kinds
            raise UserError(f"output location is not writable ({_reason(e)})", path=self.url) from None
        self.remove_temporaries()

    def remove_temporaries(self) -> None:
        """Temporary keys of interrupted runs or dead workers are never valid; delete them."""
        self.fs.invalidate_cache(self.root)
        for name in self.list(include_hidden=True):
            if TMP_RE.match(name):
                with contextlib.suppress(Exception):
                    self.fs.rm_file(self._key(name))
        self._sizes = None

    # -- reading ---------------------------------------------------------------------
    def list(self, include_hidden: bool = False) -> list[str]:
        """Names of the objects directly under the prefix (one listing call)."""
        try:
            entries = self.fs.ls(self.root, detail=True)
        except FileNotFoundError:
            entries = []
        except Exception as e:  # noqa: BLE001
            raise UserError(f"cannot list the output location ({_reason(e)})", path=self.url) from None
        sizes = {}
        for e in entries:
            if e.get("type") != "file":
                continue
            name = e["name"].rstrip("/").rsplit("/", 1)[-1]
            sizes[name] = int(e.get("size") or 0)
        self._sizes = {k: v for k, v in sizes.items() if not TMP_RE.match(k)}
        return sorted(n for n in sizes if include_hidden or not n.startswith("."))

    def size(self, name: str) -> int | None:
        if self._sizes is None:
            self.list()
        return self._sizes.get(name)

    def exists(self, name: str) -> bool:
        return self.size(name) is not None

    def sha256(self, name: str) -> str | None:
        h = hashlib.sha256()
        try:
            with self.fs.open(self._key(name), "rb", block_size=HASH_CHUNK) as f:
                while chunk := f.read(HASH_CHUNK):
                    h.update(chunk)
        except FileNotFoundError:
            return None
        except Exception as e:  # noqa: BLE001
            raise UserError(f"cannot read {name} ({_reason(e)})", path=self.url) from None
        return h.hexdigest()

    def read_text(self, name: str) -> str | None:
        try:
            return self.fs.cat_file(self._key(name)).decode("utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        except Exception as e:  # noqa: BLE001
            raise UserError(f"cannot read {name} ({_reason(e)})", path=self.url) from None

    # -- writing ---------------------------------------------------------------------
    def write_atomic(self, name: str, data: bytes) -> None:
        try:
            self.fs.pipe_file(self._key(name), bytes(data))
        except Exception as e:  # noqa: BLE001
            raise UserError(f"cannot write {name} ({_reason(e)})", path=self.url) from None
        self._remember(name, len(data))

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[HashingWriter]:
        tmp = self._key(f".{name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            f = self.fs.open(tmp, "wb")
        except Exception as e:  # noqa: BLE001
            raise self._write_error(name, e) from None
        try:
            hw = _UploadWriter(f, lambda e: self._write_error(name, e))
            yield hw
            try:
                f.close()
                self.fs.copy(tmp, self._key(name))
            except Exception as e:  # noqa: BLE001
                raise self._write_error(name, e) from None
        except BaseException:
            _discard(f)
            with contextlib.suppress(Exception):
                self.fs.rm_file(tmp)
            raise
        with contextlib.suppress(Exception):
            self.fs.rm_file(tmp)
        self._remember(name, hw.bytes)

    def _write_error(self, name: str, e: BaseException) -> UserError:
        return UserError(f"cannot write {name} ({_reason(e)}); run the same command again to resume",
                         path=self.url)

    def _remember(self, name: str, size: int) -> None:
        if self._sizes is not None:
            self._sizes[name] = size


class _UploadWriter(HashingWriter):
    """HashingWriter whose upload failures become one-line user errors."""

    def __init__(self, f, as_error):
        super().__init__(f)
        self._as_error = as_error

    def write(self, data) -> int:
        try:
            return super().write(data)
        except Exception as e:  # noqa: BLE001 - network, quota, permissions: all end the run
            raise self._as_error(e) from None


def _discard(f) -> None:
    """Abandon an unfinished upload without committing what was buffered."""
    if getattr(f, "closed", True):
        return
    discard = getattr(f, "discard", None)
    if discard is None:  # e.g. memory://: committing the temporary key is harmless, it is deleted next
        with contextlib.suppress(Exception):
            f.close()
        return
    with contextlib.suppress(Exception):
        discard()
    with contextlib.suppress(Exception):
        f.closed = True  # so that garbage collection does not try to upload the rest


def _reason(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__
