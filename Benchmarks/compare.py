#!/usr/bin/env python3
"""Side-by-side training/inference benchmark: Fovea vs PyTorch, same run, same machine.

Builds Fovea in release, then for each model alternates `fovea bench` and
Benchmarks/pytorch_bench.py (ROUNDS times each, waiting for an idle CPU before every run) and
prints a Markdown table of medians and ratios. OPENBLAS_CORETYPE is removed from the
environment (these machines set it to Haswell). Usage, from the repository root:
    python3 Benchmarks/compare.py [--rounds 3] [--models lenet5:64,keras-cifar-cnn:64,simplecnn:32,resnet20:128,resnet-seed:32,mobilenet_v2:64,resnet18:64]
Needs torch (CPU wheel), torchvision (matching, --no-deps), onnx and onnxruntime.
"""
import argparse
import json
import os
import statistics
import subprocess
import time

# Issue 6's training targets (Fovea / PyTorch).
TARGETS = {"lenet5": 3.0, "keras-cifar-cnn": 3.0, "simplecnn": 2.0, "resnet20": 2.0, "mobilenet_v2": 2.0,
           "resnet18": 1.3, "resnet-seed": 1.3}


def cpu_busy_fraction(interval=0.5):
    def read():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]
    total0, idle0 = read()
    time.sleep(interval)
    total1, idle1 = read()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_for_idle(limit=30):
    """Waits until the machine is at least 90 % idle (2 threads on 2 cores: any other load wrecks a number)."""
    deadline = time.time() + limit
    while time.time() < deadline and cpu_busy_fraction() > 0.10:
        pass


PEAK_SCRIPT = """
import time, numpy as np
a = np.random.rand(2048, 2048).astype(np.float32); b = np.random.rand(2048, 2048).astype(np.float32)
a @ b
best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5))
print(2 * 2048 ** 3 / best / 1e9)
"""


def cpu_description():
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    vector = "AVX-512" if "avx512f" in flags else ("AVX2 + FMA" if "avx2" in flags else "no AVX2")
    return (f"{fields.get('model name', '?')} (family {fields.get('cpu family', '?')} model {fields.get('model', '?')}), "
            f"{vector}, {os.cpu_count()} CPUs")


def measured_peak(threads, env):
    """SGEMM 2048³ through numpy's OpenBLAS with `threads` threads: the reference peak of this machine."""
    wait_for_idle()
    out = subprocess.run(["python3", "-c", PEAK_SCRIPT], env=dict(env, OPENBLAS_NUM_THREADS=str(threads)),
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def run_json(command, env):
    wait_for_idle()
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="lenet5:64,keras-cifar-cnn:64,simplecnn:32,resnet20:128,resnet-seed:32,"
                                                "mobilenet_v2:64,resnet18:64")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    subprocess.run(["swift", "build", "-c", "release", "--product", "fovea"], env=env, check=True)
    peak = measured_peak(args.threads, env)
    blas_core = None
    rows, flops, rounds = [], [], []
    for item in args.models.split(","):
        model, batch = item.split(":")
        fovea, torch = [], []
        for _ in range(args.rounds):  # alternate, so clock drift hits both sides alike
            # torchvision's ImageNet models are benchmarked at 3×32×32 with 10 classes, as in the PyTorch baseline.
            extra = ["--input", "3,32,32", "--classes", "10"] if model in ("mobilenet_v2", "resnet18") else []
            fovea.append(run_json([".build/release/fovea", "bench", model, "--batch", batch, "--threads", str(args.threads),
                                   "--json"] + extra, env))
            torch.append(run_json(["python3", "Benchmarks/pytorch_bench.py", model, batch, "--threads", str(args.threads),
                                   "--onnxruntime"], env))
        med = lambda runs, key: statistics.median(r[key] for r in runs)
        rounds.append((model, [(f["train_images_per_second"], t["train_images_per_second"]) for f, t in zip(fovea, torch)],
                       [(f["infer_images_per_second"], t["ort_infer_images_per_second"]) for f, t in zip(fovea, torch)]))
        flops.append(fovea[0]["forward_flops"])
        blas_core = fovea[0].get("blas_core", blas_core)
        rows.append((model, batch, med(fovea, "train_images_per_second"), med(torch, "train_images_per_second"),
                     med(fovea, "infer_images_per_second"), med(torch, "infer_images_per_second"),
                     med(fovea, "infer_latency_ms_batch1"), med(torch, "infer_latency_ms_batch1"),
                     med(fovea, "peak_rss_mb"), med(torch, "peak_rss_mb"),
                     med(torch, "ort_infer_images_per_second"), med(torch, "ort_infer_latency_ms_batch1")))
    print(f"\nMachine: {cpu_description()}; Fovea's OpenBLAS kernels: {blas_core}; SGEMM 2048³ peak (numpy, "
          f"{args.threads} threads): {peak:.0f} GFLOP/s")
    print(f"\n{args.threads} threads, median of {args.rounds} alternating rounds, each round a median of 5 timed windows\n")
    print("| model | batch | train img/s Fovea | PyTorch | ratio | infer img/s Fovea | PyTorch | ratio "
          "| batch-1 ms Fovea | PyTorch | peak RSS MB Fovea | PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for m, b, ft, pt, fi, pi, fl, pl, fr, pr, oi, ol in rows:
        print(f"| {m} | {b} | {ft:.0f} | {pt:.0f} | **{ft / pt:.2f}×** | {fi:.0f} | {pi:.0f} | {fi / pi:.2f}× "
              f"| {fl:.3f} | {pl:.3f} | {fr:.0f} | {pr:.0f} |")
    print("\nInference against ONNX Runtime (the PyTorch model exported with torch.onnx.export, opset 17, ORT_ENABLE_ALL)\n")
    print("| model | batch | infer img/s Fovea | ONNX Runtime | ratio | batch-1 ms Fovea | ONNX Runtime | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for m, b, ft, pt, fi, pi, fl, pl, fr, pr, oi, ol in rows:
        print(f"| {m} | {b} | {fi:.0f} | {oi:.0f} | **{fi / oi:.2f}×** | {fl:.3f} | {ol:.3f} | {ol / fl:.2f}× |")
    # This VM's runs differ by ±15 % and more: every round is shown, not only the medians.
    print("\nEvery round (Fovea / other, in the order run)\n")
    print("| model | training: Fovea / PyTorch img/s | inference: Fovea / ONNX Runtime img/s |")
    print("|---|---|---|")
    for m, train, infer in rounds:
        print(f"| {m} | " + ", ".join(f"{a:.0f} / {b:.0f}" for a, b in train) + " | "
              + ", ".join(f"{a:.0f} / {b:.0f}" for a, b in infer) + " |")
    print(f"\nAchieved arithmetic rate (training = 3 × forward FLOPs per image) against the {peak:.0f} GFLOP/s "
          "SGEMM peak, and what the training target would need\n")
    print("| model | forward MFLOP/img | train GFLOP/s Fovea (% of peak) | PyTorch (% of peak) | target | "
          "target needs GFLOP/s (% of peak) |")
    print("|---|---|---|---|---|---|")
    for (m, b, ft, pt, *_), f in zip(rows, flops):
        g = lambda ips: ips * 3 * f / 1e9
        need = TARGETS.get(m, 1.0) * g(pt)
        print(f"| {m} | {f / 1e6:.1f} | {g(ft):.0f} ({100 * g(ft) / peak:.0f} %) | {g(pt):.0f} "
              f"({100 * g(pt) / peak:.0f} %) | {TARGETS.get(m, 1.0):.1f}× | {need:.0f} ({100 * need / peak:.0f} %) |")


if __name__ == "__main__":
    main()
