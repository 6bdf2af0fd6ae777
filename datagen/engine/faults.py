"""Test-only fault injection: make a worker die hard in the middle of a shard.

Nothing here runs unless the environment variable `DATAGEN_FAULT` is set; it exists so
tests can prove that a crashed worker (an OOM kill, a lost machine) costs only a retry
or a resume, never a partial or wrong shard. Do not set it in real runs.

    DATAGEN_FAULT="die:shard=1,after=2,times=1,flag=/tmp/x/fired"

`die`: the process writing shard `shard` exits with `os._exit(FAULT_EXIT)` (no cleanup,
like `kill -9`) after writing `after` samples of it (default 1), at most `times` times
(default 1) over all processes and attempts. Each firing appends one byte to the file
`flag` first, so later attempts (a Ray retry, a resumed run) see how often it fired and
the test can check that the fault really happened.

The shard writer calls `after_sample(shard_index, samples_written)` after every sample;
that is the one place faults are checked. The Ray backend passes the driver's
`DATAGEN_*` variables, this one included, on to its long-lived worker processes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

ENV = "DATAGEN_FAULT"
FAULT_EXIT = 86
"""Exit status of a process killed by an injected fault."""


@dataclass(frozen=True)
class DieFault:
    shard: int
    after: int
    times: int
    flag: str

    def fired(self) -> int:
        try:
            return os.path.getsize(self.flag)
        except OSError:
            return 0


@lru_cache(maxsize=4)
def parse(spec: str) -> DieFault | None:
    """`die:shard=N,after=K,times=M,flag=PATH` -> DieFault; an empty spec -> None."""
    spec = spec.strip()
    if not spec:
        return None
    kind, _, rest = spec.partition(":")
    if kind != "die":
        raise ValueError(f"{ENV}: unknown fault kind {kind!r} (known: die)")
    opts = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
    if "shard" not in opts or "flag" not in opts:
        raise ValueError(f"{ENV}: 'die' needs shard=N and flag=PATH, got {spec!r}")
    return DieFault(int(opts["shard"]), int(opts.get("after", 1)), int(opts.get("times", 1)), opts["flag"])


def after_sample(shard_index: int, samples_written: int) -> None:
    """Called by the shard writer after each sample; dies here if a fault says so."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    fault = parse(spec)
    if fault is None or fault.shard != shard_index or fault.after != samples_written:
        return
    if fault.fired() >= fault.times:
        return
    with open(fault.flag, "ab") as f:
        f.write(b"x")
        f.flush()
        os.fsync(f.fileno())
    os._exit(FAULT_EXIT)
