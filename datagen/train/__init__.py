"""The bundled two-stage trainer (optional `[train]` extra: torch).

Stage 1 (`datagen train perception`) teaches a spatio-temporal network to find the
overlay in a corrupted clip (per-frame soft mask). Stage 2 (`datagen train inpaint`)
feeds that soft mask into an inpainting generator and fine-tunes both end to end.
`datagen eval` scores a checkpoint against OpenCV's Telea inpainting; `datagen infer`
cleans a real video. Training only reads shards; nothing here is imported by generation.

Modules: config (YAML configs), data (webdataset streaming), models/ (registry,
perception, sttn, discriminator), losses, metrics, checkpoint, distributed, loop
(the step loop), stages (what one step of each stage computes), evaluate, infer.
"""
