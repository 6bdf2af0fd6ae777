#!/usr/bin/env bash
# `make train RECIPE=mixed`: a short CPU demo of the bundled trainer, end to end.
#
# Generates a small training set and a held-out set (another seed) from RECIPE at
# 256x128 (the tiny model works at 128x64; the loader resizes), trains stage 1
# (perception) and stage 2 (end-to-end inpainting) with the tiny config, and prints
# the eval table (mask IoU; PSNR/SSIM of the model vs OpenCV Telea). Running it again
# resumes: finished shards and checkpoints are kept.
#
# Environment: OUT (runs/demo-RECIPE), SAMPLES (64), STEPS1 (150), STEPS2 (150),
# DATAGEN (the datagen command, default .venv/bin/datagen or datagen on PATH).
set -euo pipefail

RECIPE=${1:-mixed}
OUT=${OUT:-runs/demo-${RECIPE}}
SAMPLES=${SAMPLES:-64}
STEPS1=${STEPS1:-150}
STEPS2=${STEPS2:-150}
if [[ -z "${DATAGEN:-}" ]]; then
  if [[ -x .venv/bin/datagen ]]; then DATAGEN=.venv/bin/datagen; else DATAGEN=datagen; fi
fi
SIZE=(--set clip.width=256 --set clip.height=128 --set clip.frames=8)

echo "== 1/5 training set: ${SAMPLES} samples of '${RECIPE}' -> ${OUT}/data"
"$DATAGEN" generate "$RECIPE" --out "$OUT/data" --samples "$SAMPLES" --seed 0 --shard-size 16 --quiet "${SIZE[@]}"
echo "== 2/5 held-out set: 16 samples, seed 1 -> ${OUT}/heldout"
"$DATAGEN" generate "$RECIPE" --out "$OUT/heldout" --samples 16 --seed 1 --shard-size 16 --quiet "${SIZE[@]}"
echo "== 3/5 stage 1 (perception), ${STEPS1} steps -> ${OUT}/p1"
"$DATAGEN" train perception --data "$OUT/data" --config tiny --out "$OUT/p1" --steps "$STEPS1" --resume \
  --set data.frames=8
echo "== 4/5 stage 2 (end-to-end inpainting), ${STEPS2} steps -> ${OUT}/p2"
"$DATAGEN" train inpaint --data "$OUT/data" --init "$OUT/p1/last.pt" --out "$OUT/p2" --steps "$STEPS2" --resume
echo "== 5/5 eval on the held-out set"
"$DATAGEN" eval --data "$OUT/heldout" --checkpoint "$OUT/p2/last.pt" --out "$OUT"
