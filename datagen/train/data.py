"""Streaming shards into batches: webdataset stages, OpenCV decoding in loader workers.

    shards (resampled; or cycled, split_by_node, split by worker; eval: split_by_node + split_by_worker)
      -> tarfile_to_samples (streamed, no shard is ever held whole)
      -> shuffle buffer -> [skip, on resume] -> pick frames + decode + augment
      -> batched (in the worker) -> .with_epoch(batches per worker)

Training data is a pure function of (seed, step): the stream is cut into "epochs" of
`data.epoch_batches` batches per process; the shard sampler, the shuffle buffer and
the augmentations of an epoch are seeded from (seed, epoch, rank, worker role) and
sample counters, never from time or pid. Resuming at step s starts in epoch
s // epoch_batches and skips the raw (undecoded) samples already used in it, so the
next batch is the one an uninterrupted run would have seen; worker roles are rotated
so that the order across workers matches too. The loader and its workers are made
once per run (re-forking workers from a process with CUDA and logger threads can hang).

A training clip is a random temporal crop of `data.frames` frames with a random
stride, optionally flipped horizontally and played backwards, resized to the model
size (masks: any overlap -> 1, so the hole covers every touched pixel). Eval clips are
whole, in order, unaugmented. Only the frames a crop needs are decoded.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import sys
from typing import Iterator

import cv2
import numpy as np
import torch
import webdataset as wds
from torch.utils.data import DataLoader, IterableDataset

from datagen.reader import FIELD_RE, decode_image, expand_urls
from datagen.train.config import DataConfig


class BadSample(ValueError):
    """A sample that cannot make a clip (missing frames, undecodable image)."""


def seed_for(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


def frame_fields(sample: dict) -> dict[str, dict[int, str]]:
    """{stream: {frame index: field name}} for clean / corrupted / mask."""
    out: dict[str, dict[int, str]] = {"clean": {}, "corrupted": {}, "mask": {}}
    for name in sample:
        m = FIELD_RE.match(name)
        if m and m.group(1) in out:
            out[m.group(1)][int(m.group(2))] = name
    return out


def choose_frames(n: int, length: int | None, strides: list[int], rng: np.random.Generator | None) -> list[int]:
    """Frame indices of a crop: all frames (length None), else `length` frames at a random stride/start."""
    if length is None:
        return list(range(n))
    if n < length:
        raise BadSample(f"clip has {n} frames, the config needs {length}")
    fitting = [s for s in strides if (length - 1) * s + 1 <= n] or [1]
    if rng is None:
        return list(range(length))
    stride = fitting[int(rng.integers(len(fitting)))]
    start = int(rng.integers(0, n - (length - 1) * stride))
    return [start + i * stride for i in range(length)]


def _resize(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def decode_clip(sample: dict, cfg: DataConfig, rng: np.random.Generator | None, whole: bool = False) -> dict:
    """One webdataset sample (raw bytes) -> uint8 arrays at the model size.

    rng None: no augmentation (eval). whole: every frame instead of a crop.
    """
    fields = frame_fields(sample)
    n = len(fields["corrupted"])
    for stream in ("clean", "mask"):
        if len(fields[stream]) != n or sorted(fields[stream]) != list(range(n)):
            raise BadSample(f"{sample.get('__key__')}: {stream} frames do not match corrupted frames")
    if n == 0 or sorted(fields["corrupted"]) != list(range(n)):
        raise BadSample(f"{sample.get('__key__')}: no numbered corrupted frames")
    idx = choose_frames(n, None if whole else cfg.frames, cfg.strides, rng)
    w, h = cfg.width, cfg.height
    try:
        corrupted = np.stack([_resize(decode_image(sample[fields["corrupted"][i]]), w, h) for i in idx])
        clean = np.stack([_resize(decode_image(sample[fields["clean"][i]]), w, h) for i in idx])
        mask = np.stack([_resize(decode_image(sample[fields["mask"][i]], gray=True), w, h) for i in idx])
    except ValueError as e:
        raise BadSample(f"{sample.get('__key__')}: {e}") from None
    mask = (mask > 0).astype(np.uint8)
    if rng is not None:
        if rng.random() < cfg.hflip:
            corrupted, clean, mask = corrupted[:, :, ::-1], clean[:, :, ::-1], mask[:, :, ::-1]
        if rng.random() < cfg.reverse:
            corrupted, clean, mask = corrupted[::-1], clean[::-1], mask[::-1]
    return {"__key__": sample.get("__key__", ""), "corrupted": np.ascontiguousarray(corrupted),
            "clean": np.ascontiguousarray(clean), "mask": np.ascontiguousarray(mask)}


def collate(samples: list[dict]) -> dict:
    return {
        "key": [s["__key__"] for s in samples],
        "corrupted": torch.from_numpy(np.stack([s["corrupted"] for s in samples])),
        "clean": torch.from_numpy(np.stack([s["clean"] for s in samples])),
        "mask": torch.from_numpy(np.stack([s["mask"] for s in samples])),
    }


def rgb_to_model(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) -> float (B, T, 3, H, W) in [-1, 1] on device."""
    return x.to(device, non_blocking=True).permute(0, 1, 4, 2, 3).float().div_(127.5).sub_(1.0)


def to_model(batch: dict, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """uint8 batch -> (corrupted, clean) (B, T, 3, H, W) in [-1, 1] and mask (B, T, 1, H, W) in {0, 1}."""
    mask = batch["mask"].to(device, non_blocking=True)[:, :, None].float()
    return rgb_to_model(batch["corrupted"], device), rgb_to_model(batch["clean"], device), mask


class DataStreamError(RuntimeError):
    """The shards keep failing: nothing readable comes out of the stream."""


MAX_FAILURES_IN_A_ROW = 50


class _Failures:
    """Warn about and skip unreadable shards/samples; give up after too many in a row.

    A resampled stream over shards that all fail would otherwise retry forever.
    """

    def __init__(self):
        self.in_a_row = 0

    def handler(self, exn: Exception) -> bool:
        self.in_a_row += 1
        print(f"datagen train: skipping unreadable data ({exn})", file=sys.stderr)
        if self.in_a_row >= MAX_FAILURES_IN_A_ROW:
            raise DataStreamError(f"{self.in_a_row} shard or sample reads failed in a row (last: {exn})")
        return True

    def ok(self, src: Iterator):
        for x in src:
            self.in_a_row = 0
            yield x


def _decode_stage(src: Iterator[dict], cfg: DataConfig, seed: int | None, whole: bool, first: int = 0):
    """Decode + augment; the rng of the i-th sample of this stream is seeded by (seed, i)."""
    failures = _Failures()
    for i, sample in enumerate(src, start=first):
        rng = None if seed is None else np.random.default_rng([seed, i])
        try:
            clip = decode_clip(sample, cfg, rng, whole)
        except BadSample as e:
            failures.handler(e)
            continue
        failures.in_a_row = 0
        yield clip


def _skip(src: Iterator, n: int):
    for i, x in enumerate(src):
        if i >= n:
            yield x


def _cycled_shards(urls: list[str], seed: int):
    """Every shard once per pass, in an order reshuffled each pass (same on every rank)."""
    p = 0
    while True:
        order = list(urls)
        random.Random(seed_for(seed, p)).shuffle(order)
        for u in order:
            yield {"url": u}
        p += 1


class TrainStream(IterableDataset):
    """Endless training batches for this process from global step `start_step` on.

    Each worker plays a "role" r and yields, epoch after epoch, the batches n of every
    loader epoch with n % workers == r; the DataLoader's in-order round robin then
    rebuilds the global order. Resuming at step s rotates the roles by s, so the
    worker asked first plays the role that owns batch s.
    """

    def __init__(self, urls: list[str], cfg: DataConfig, seed: int, start_step: int = 0):
        super().__init__()
        self.urls, self.cfg, self.seed, self.start_step = urls, cfg, seed, start_step

    def __iter__(self):
        rank, _, worker, nworkers = wds.utils.pytorch_worker_info()
        eb = self.cfg.epoch_batches
        if eb % nworkers:
            raise ValueError(f"epoch_batches ({eb}) must be a multiple of the worker count ({nworkers})")
        role = (worker + self.start_step) % nworkers
        epoch, into = divmod(self.start_step, eb)
        done = max(0, (into - role + nworkers - 1) // nworkers)
        while True:
            got = 0
            for batch in self.epoch(rank, role, nworkers, epoch, done):
                got += 1
                yield batch
            if got == 0 and done == 0:
                raise RuntimeError("the training stream produced no batch (empty or unreadable shards?)")
            epoch, done = epoch + 1, 0

    def epoch(self, rank: int, role: int, nroles: int, epoch: int, done: int = 0):
        """The batches of one loader epoch that belong to `role`, less the first `done` of them."""
        cfg = self.cfg
        per_role = cfg.epoch_batches // nroles
        if done >= per_role:
            return iter(())
        seed = seed_for(self.seed, epoch, rank, role)
        if cfg.resampled:
            shards = wds.ResampledShards(self.urls, seed=seed, deterministic=True, worker_seed=lambda: 0)
            head = [shards]
        else:
            head = [lambda _=None: _cycled_shards(self.urls, seed_for(self.seed, epoch)),
                    wds.split_by_node, _split_by_role(role, nroles)]
        failures = _Failures()
        pipeline = wds.DataPipeline(
            *head,
            wds.tarfile_to_samples(handler=failures.handler),
            failures.ok,
            wds.shuffle(cfg.shuffle_buffer, initial=cfg.shuffle_buffer, rng=random.Random(seed)),
            lambda src: _skip(src, done * cfg.batch_size),
            lambda src: _decode_stage(src, cfg, seed, whole=False, first=done * cfg.batch_size),
            wds.batched(cfg.batch_size, collation_fn=collate, partial=False),
        ).with_epoch(per_role - done)
        return iter(pipeline)


def _split_by_role(role: int, nroles: int):
    def split(src):
        for i, x in enumerate(src):
            if i % nroles == role:
                yield x
    return split


class EvalStream(IterableDataset):
    """Every sample of the shards once, in order, whole clips, no augmentation."""

    def __init__(self, urls: list[str], cfg: DataConfig, limit: int | None = None):
        super().__init__()
        self.urls, self.cfg, self.limit = urls, cfg, limit

    def __iter__(self):
        pipeline = wds.DataPipeline(
            wds.SimpleShardList(self.urls), wds.split_by_node, wds.split_by_worker,
            wds.tarfile_to_samples(handler=_Failures().handler),
            lambda src: _decode_stage(src, self.cfg, None, whole=True),
        )
        it = iter(pipeline)
        return it if self.limit is None else (x for _, x in zip(range(self.limit), it))


def _worker_init(_):
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _worker_context():
    """Loader workers start from a fork server, not as forks of the training process: a
    fork inherits OpenCV's thread pool without its threads, and once this process has
    run a parallel OpenCV call the child deadlocks in its first one (or in
    `cv2.setNumThreads`). The server imports this module once; workers fork from it."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def effective_epoch_batches(cfg: DataConfig) -> int:
    """epoch_batches rounded up to a multiple of the worker count (every worker yields as many)."""
    w = max(1, cfg.workers)
    return -(-cfg.epoch_batches // w) * w


def train_loader(urls: list[str], cfg: DataConfig, seed: int, start_step: int, pin_memory: bool = False):
    """One DataLoader for the whole run, its workers started once, positioned at `start_step`."""
    cfg = cfg.model_copy(update={"epoch_batches": effective_epoch_batches(cfg)})
    ds = TrainStream(urls, cfg, seed, start_step)
    kw = {"prefetch_factor": 4, "worker_init_fn": _worker_init,
          "multiprocessing_context": _worker_context()} if cfg.workers > 0 else {}
    return DataLoader(ds, batch_size=None, num_workers=cfg.workers, pin_memory=pin_memory, **kw)


def training_batches(urls: list[str], cfg: DataConfig, seed: int, start_step: int, pin_memory: bool = False):
    """Endless batches from `start_step` on (a generator: close() it to stop the workers)."""
    loader = train_loader(urls, cfg, seed, start_step, pin_memory)
    it = iter(loader)
    try:
        while True:
            yield next(it)
    finally:
        shutdown = getattr(it, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()


def resolve_urls(specs: list[str]) -> list[str]:
    from datagen.errors import UserError

    urls = expand_urls(specs)
    if not urls:
        raise UserError(f"--data: no shards found for {' '.join(specs)}")
    for u in urls:
        local = "://" not in u and not u.startswith("pipe:")
        if local and not os.path.isfile(u):
            raise UserError("--data: shard not found", path=u)
    return urls
