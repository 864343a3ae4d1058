"""Inference of Fovea against ONNX Runtime, paired: each round times `fovea bench MODEL --batch B`
and then the same model in ONNX Runtime (exported from PyTorch, 2 threads), and the script prints
each round's ratio and the median of the ratios, which holds up better than a ratio of medians on
a noisy VM. At batch 1 (the default) it compares latency, at larger batches throughput.

    swift build -c release && python3 Benchmarks/batch1_vs_onnxruntime.py MODEL [ROUNDS] [BATCH]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np
import onnxruntime as ort
import torch
from pytorch_bench import MODELS, measure


def main():
    name, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "fovea")
    model, shape, _ = MODELS[name]()
    model.eval()
    with tempfile.TemporaryDirectory() as folder:
        path = folder + "/model.onnx"
        torch.onnx.export(model, torch.rand(1, *shape), path, opset_version=17, dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {0: "N"}})
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    single = np.random.rand(batch, *shape).astype(np.float32)
    environment = dict(os.environ)
    environment.pop("OPENBLAS_CORETYPE", None)   # these machines set it to Haswell, halving OpenBLAS
    extra = ["--input", "3,32,32", "--classes", "10"] if name in ("mobilenet_v2", "resnet18") else []
    fovea, onnx, ratios = [], [], []
    for r in range(rounds):
        out = subprocess.run([binary, "bench", name, "--batch", str(batch), "--json", "--repeats", "5", "--seconds", "0.3",
                              "--infer-only", "--threads", "2"] + extra, capture_output=True, text=True, env=environment,
                             check=True).stdout
        report = json.loads(out.strip().splitlines()[-1])
        # Milliseconds per batch: batch 1's own latency, or the batch's time from the throughput.
        ms = report["infer_latency_ms_batch1"] if batch == 1 else 1000 * batch / report["infer_images_per_second"]
        other = measure(lambda: session.run(None, {"x": single}), 5, 0.3) * 1000
        fovea.append(ms); onnx.append(other); ratios.append(other / ms)
        print(f"round {r + 1}: Fovea {ms:.3f} ms, ONNX Runtime {other:.3f} ms, ONNX Runtime / Fovea {other / ms:.2f}", flush=True)
    print(f"{name} at batch {batch}: Fovea median {statistics.median(fovea):.3f} ms, ONNX Runtime median {statistics.median(onnx):.3f} ms, "
          f"paired median ONNX Runtime / Fovea {statistics.median(ratios):.3f} (above 1: Fovea faster)")


if __name__ == "__main__":
    main()
