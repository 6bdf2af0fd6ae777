"""Split a run into shards. A shard is the unit of work: its bytes depend only on
(resolved recipe, seed, shard index, shard size), never on the worker that writes it."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ShardTask:
    index: int
    first_sample: int
    samples: int

    @property
    def name(self) -> str:
        return shard_name(self.index)

    def to_dict(self) -> dict:
        return asdict(self)


def shard_name(index: int) -> str:
    return f"shard-{index:06d}.tar"


def plan_shards(samples: int, shard_size: int) -> list[ShardTask]:
    if samples < 1:
        raise ValueError("samples must be >= 1")
    if shard_size < 1:
        raise ValueError("shard size must be >= 1")
    tasks = []
    for i, start in enumerate(range(0, samples, shard_size)):
        tasks.append(ShardTask(i, start, min(shard_size, samples - start)))
    return tasks
