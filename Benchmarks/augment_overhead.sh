#!/usr/bin/env bash
# Throughput cost of augmentation: LeNet-5 on Fashion-MNIST, 2 epochs with and without
# flip+crop+colour augmentation, alternated ROUNDS times, training images/s from summary.json.
# Usage (repository root): bash Benchmarks/augment_overhead.sh [ROUNDS]
set -euo pipefail
unset OPENBLAS_CORETYPE
rounds=${1:-3}
swift build -c release --product fovea >/dev/null
out=$(mktemp -d)
rate() {  # images/s of the training epochs (54,000 training images per epoch)
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(54000*len(s['history'])/sum(h['seconds'] for h in s['history']))" "$1"
}
for r in $(seq "$rounds"); do
  .build/release/fovea train --model lenet5 --dataset fashion-mnist --epochs 2 --quiet --out "$out/plain$r" >/dev/null
  .build/release/fovea train --model lenet5 --dataset fashion-mnist --epochs 2 --quiet --out "$out/aug$r" \
      --augment flip,crop=2,brightness=0.2,contrast=0.2 >/dev/null
  echo "round $r: plain $(rate "$out/plain$r/summary.json") img/s, augmented $(rate "$out/aug$r/summary.json") img/s"
done
