"""The bundled two-stage trainer (optional `[train]` extra: torch).

Stage 1 (`datagen train perception`) teaches a spatio-temporal network to find the
overlay in a corrupted clip (per-frame soft mask). Stage 2 (`datagen train inpaint`)
feeds that soft mask into an inpainting generator (`--model sttn|cssta|opn|rnot`) and
fine-tunes both end to end. `datagen train autoencoder` trains CSSTA's IM2IM for its
feature loss. `datagen eval` scores one or several checkpoints against OpenCV's Telea
inpainting in one table; `datagen infer` cleans a real video. Training only reads
shards; nothing here is imported by generation.

Modules: config (YAML configs), data (webdataset streaming), models/ (registry,
perception, sttn, cssta, opn, rnot, autoencoder, discriminator, blocks_*), losses,
metrics, checkpoint, distributed, loop (the step loop), stages (what one step of each
stage computes), evaluate, compare_preview (side-by-side outputs), infer.
"""
