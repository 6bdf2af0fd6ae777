"""Shard tasks, deterministic tar writing, atomic commit, manifest and resume."""
from datagen.engine.run import GenerateResult, generate

__all__ = ["generate", "GenerateResult"]
