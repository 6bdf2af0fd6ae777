"""Write one shard: build its samples in order, tar them with fixed metadata, commit.

Tar members carry mtime 0, uid/gid 0, user/group "datagen" and mode 0444, and each
sample's files are written in sorted field order (datagen.engine.tarwrite, byte-identical
to webdataset's TarWriter), so the bytes depend only on the samples.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from datagen.engine import faults
from datagen.engine.output import Output
from datagen.engine.plan import ShardTask
from datagen.engine.tarwrite import ShardTarWriter
from datagen.memory import trim_heap
from datagen.sample import SampleBuilder

def write_shard(
    builder: SampleBuilder,
    seed: int,
    task: ShardTask,
    out: Output,
    on_sample: Callable[[], None] | None = None,
) -> dict:
    skipped: Counter = Counter()
    with out.writer(task.name) as f:
        tw = ShardTarWriter(f)
        try:
            for i in range(task.first_sample, task.first_sample + task.samples):
                built = builder.build(seed, i)
                files = builder.encode(built)
                skipped.update(built.skipped)
                tw.write(built.key, files)
                if on_sample is not None:
                    on_sample()
                faults.after_sample(task.index, i - task.first_sample + 1)  # test-only; no-op unless DATAGEN_FAULT
                if (i + 1) % 16 == 0:
                    trim_heap()
            tw.close()
        except BaseException:
            _abandon(tw)
            raise
    return {
        "name": task.name,
        "index": task.index,
        "first_sample": task.first_sample,
        "samples": task.samples,
        "bytes": f.bytes,
        "sha256": f.sha256,
        "skipped_inputs": dict(sorted(skipped.items())),
    }


def _abandon(tw: ShardTarWriter) -> None:
    """A failed shard is discarded whole: never write its end blocks (its temporary file
    is removed by the output's writer)."""
    tw.closed = True
