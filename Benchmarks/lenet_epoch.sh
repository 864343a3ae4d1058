#!/usr/bin/env bash
# Whole-process time of one LeNet-5 epoch over 60,000 random 28×28 images: `fovea train` against
# the minimal PyTorch script, alternated ROUNDS times (wall seconds, from start to exit).
# Usage (repository root): bash Benchmarks/lenet_epoch.sh [ROUNDS]
set -euo pipefail
unset OPENBLAS_CORETYPE
rounds=${1:-3}
swift build -c release --product fovea >/dev/null
out=$(mktemp -d)
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'; }
for r in $(seq "$rounds"); do
  f=$(seconds .build/release/fovea train --model lenet5 --dataset random:60000 --epochs 1 --batch-size 64 \
        --optimizer sgd --lr 0.01 --momentum 0.9 --validation-split 0 --threads 2 --quiet --out "$out/run$r")
  p=$(seconds python3 Benchmarks/pytorch_lenet_epoch.py)
  echo "round $r: fovea ${f}s, pytorch ${p}s"
done
