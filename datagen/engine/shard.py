"""Write one shard: build its samples in order, tar them with fixed metadata, commit.

Tar members carry mtime 0, uid/gid 0, user/group "datagen" and mode 0444, and each
sample's files are written in sorted field order (webdataset's TarWriter), so the
bytes depend only on the samples.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from webdataset import TarWriter

from datagen.engine.output import Output
from datagen.engine.plan import ShardTask
from datagen.sample import SampleBuilder

TAR_MTIME = 0


def write_shard(
    builder: SampleBuilder,
    seed: int,
    task: ShardTask,
    out: Output,
    on_sample: Callable[[], None] | None = None,
) -> dict:
    skipped: Counter = Counter()
    with out.writer(task.name) as f:
        tw = TarWriter(f, encoder=False, user="datagen", group="datagen", mode=0o444, mtime=TAR_MTIME)
        for i in range(task.first_sample, task.first_sample + task.samples):
            built = builder.build(seed, i)
            files = builder.encode(built)
            skipped.update(built.skipped)
            tw.write({"__key__": built.key, **files})
            if on_sample is not None:
                on_sample()
        tw.close()
    return {
        "name": task.name,
        "index": task.index,
        "first_sample": task.first_sample,
        "samples": task.samples,
        "bytes": f.bytes,
        "sha256": f.sha256,
        "skipped_inputs": dict(sorted(skipped.items())),
    }
