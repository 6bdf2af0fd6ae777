#!/usr/bin/env bash
# Train every inpainter on the same generated set for the same number of steps and compare
# them in one `datagen eval` table (issue 10). Written for one GPU; runs anywhere.
#
#   1. RECIPE (mixed): SAMPLES training clips (seed 0) and EVAL_SAMPLES held-out clips (seed 1)
#   2. stage 1 (perception) once, STEPS1 steps: every model starts from the same perception net
#   3. the IM2IM autoencoder, AE_STEPS steps: CSSTA's feature loss
#   4. stage 2 for each of MODELS, STEPS steps each, all from the stage-1 checkpoint
#   5. datagen eval over all stage-2 checkpoints on the held-out clips -> OUT/eval.json, the
#      table on stdout (Telea first), side-by-side previews in OUT/preview/index.html
#
# Environment: OUT (runs/compare), CONFIG (base), DEVICE (auto), STEPS (2000), STEPS1 (1000),
# AE_STEPS (1000), SAMPLES (400), EVAL_SAMPLES (32), MODELS ("sttn cssta opn rnot"),
# RECIPE (mixed), WORKERS (all cores), TRAIN_ARGS (added to every train command, e.g.
# "--set data.batch_size=8"), DATAGEN (default .venv/bin/datagen, else datagen on PATH).
# Running it again resumes: finished shards and checkpoints are kept.
set -euo pipefail

OUT=${OUT:-runs/compare}
CONFIG=${CONFIG:-base}
DEVICE=${DEVICE:-auto}
STEPS=${STEPS:-2000}
STEPS1=${STEPS1:-1000}
AE_STEPS=${AE_STEPS:-1000}
SAMPLES=${SAMPLES:-400}
EVAL_SAMPLES=${EVAL_SAMPLES:-32}
MODELS=${MODELS:-sttn cssta opn rnot}
RECIPE=${RECIPE:-mixed}
WORKERS=${WORKERS:-$(nproc 2>/dev/null || echo 1)}
read -r -a EXTRA <<< "${TRAIN_ARGS:-}"
if [[ -z "${DATAGEN:-}" ]]; then
  if [[ -x .venv/bin/datagen ]]; then DATAGEN=.venv/bin/datagen; else DATAGEN=datagen; fi
fi
COMMON=(--config "$CONFIG" --device "$DEVICE" --resume --quiet "${EXTRA[@]}")

echo "== 1/5 data: ${SAMPLES} + ${EVAL_SAMPLES} held-out clips of '${RECIPE}' -> ${OUT}/data, ${OUT}/heldout"
"$DATAGEN" generate "$RECIPE" --out "$OUT/data" --samples "$SAMPLES" --seed 0 --workers "$WORKERS" --quiet
"$DATAGEN" generate "$RECIPE" --out "$OUT/heldout" --samples "$EVAL_SAMPLES" --seed 1 --workers "$WORKERS" --quiet

echo "== 2/5 stage 1 (perception), ${STEPS1} steps -> ${OUT}/perception"
"$DATAGEN" train perception --data "$OUT/data" --out "$OUT/perception" --steps "$STEPS1" "${COMMON[@]}"

AE=()
if [[ " $MODELS " == *" cssta "* ]]; then
  echo "== 3/5 IM2IM autoencoder (CSSTA's feature loss), ${AE_STEPS} steps -> ${OUT}/autoencoder"
  "$DATAGEN" train autoencoder --data "$OUT/data" --out "$OUT/autoencoder" --steps "$AE_STEPS" "${COMMON[@]}"
  AE=(--set "model_options.cssta.autoencoder=$OUT/autoencoder/last.pt")
else
  echo "== 3/5 (no cssta: no autoencoder)"
fi

CHECKPOINTS=()
for model in $MODELS; do
  echo "== 4/5 stage 2 (${model}), ${STEPS} steps -> ${OUT}/${model}"
  extra=()
  [[ "$model" == cssta ]] && extra=("${AE[@]}")
  "$DATAGEN" train inpaint --data "$OUT/data" --init "$OUT/perception/last.pt" --model "$model" \
    --out "$OUT/$model" --steps "$STEPS" "${COMMON[@]}" "${extra[@]}"
  CHECKPOINTS+=("$OUT/$model/last.pt")
done

echo "== 5/5 eval on the held-out clips"
"$DATAGEN" eval --data "$OUT/heldout" --checkpoint "${CHECKPOINTS[@]}" --out "$OUT" --device "$DEVICE" \
  --preview "$OUT/preview" --quiet
