#!/bin/bash
# Paired A/B of `fovea bench` on this noisy VM: ROUNDS rounds, each timing A and B back to back in
# alternating order (AB, BA, AB, …: the second run of a pair tends to be faster here), then the
# median of the per-round ratios B/A for training img/s, inference img/s and batch-1 latency.
#
#   bash Benchmarks/paired_ab.sh "ENV_A" "ENV_B" MODEL BATCH ROUNDS [fovea bench options]
#
# ENV_A and ENV_B are environment settings for each side (e.g. "FOVEA_OUTER_PRODUCT_WEIGHT_GRADIENT=0"
# and ""), both running .build/release/fovea unless BIN_A / BIN_B name other binaries (two builds).
# Example (twenty-first session): bash Benchmarks/paired_ab.sh "FOVEA_OUTER_PRODUCT_WEIGHT_GRADIENT=0" "" resnet20 128 6 --train-only
set -euo pipefail
unset OPENBLAS_CORETYPE   # these machines set it to Haswell, halving OpenBLAS
[ $# -ge 5 ] || { sed -n 2,10p "$0"; exit 2; }
env_a=$1; env_b=$2; model=$3; batch=$4; rounds=$5; shift 5
here=$(cd "$(dirname "$0")/.." && pwd)
bin_a=${BIN_A:-$here/.build/release/fovea}; bin_b=${BIN_B:-$here/.build/release/fovea}
one() {   # one timing: prints "train infer latency"
    local settings=$1 binary=$2; shift 2
    env $settings "$binary" bench "$model" --batch "$batch" --json --repeats 3 --seconds 0.5 "$@" | tail -1 |
        python3 -c "import json,sys; d=json.load(sys.stdin); print(d['train_images_per_second'], d['infer_images_per_second'], d['infer_latency_ms_batch1'])"
}
results=$(for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then a=$(one "$env_a" "$bin_a" "$@"); b=$(one "$env_b" "$bin_b" "$@")
    else b=$(one "$env_b" "$bin_b" "$@"); a=$(one "$env_a" "$bin_a" "$@"); fi
    echo "$a $b"
done)
python3 - "$results" <<'EOF'
import statistics, sys
rows = [[float(v) for v in line.split()] for line in sys.argv[1].splitlines() if line.strip()]
for column, name, better in [(0, "training img/s", "B/A"), (1, "inference img/s", "B/A"), (2, "batch-1 ms", "A/B")]:
    a = [r[column] for r in rows]; b = [r[3 + column] for r in rows]
    if min(a + b) <= 0: continue   # not measured (--train-only or --infer-only)
    ratios = sorted((y / x) if better == "B/A" else (x / y) for x, y in zip(a, b))
    print(f"{name}: A median {statistics.median(a):.4g}, B median {statistics.median(b):.4g}, "
          f"paired median {better} {statistics.median(ratios):.3f} (above 1: B faster); rounds " + " ".join(f"{r:.2f}" for r in ratios))
EOF
