"""Quality assurance over generated shards: previews + gallery, statistics, verification.

Everything here only reads shards (through `datagen.reader`); `verify --fix` hands the
broken shards to `datagen.engine.repair`, which regenerates them with the engine.
"""
