#!/usr/bin/env python3
"""PyTorch side of Fovea's side-by-side benchmark: the same models, batch, optimiser and
thread count as `fovea bench`, on random data, printed as one JSON line per model.

Training step = zero_grad + forward + cross-entropy + backward + SGD(lr 0.01, momentum 0.9).step();
inference = eval() + no_grad(). Median seconds per call over timed windows after a warm-up.
Usage: python3 Benchmarks/pytorch_bench.py MODEL BATCH [--threads 2] [--repeats 5] [--seconds 1]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn


def lenet5(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, classes)), (1, 28, 28), classes


def keras_cifar_cnn(classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2304, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, classes)), (3, 32, 32), classes


def simplecnn(classes=5):
    layers, c = [], 3
    for w in (32, 64, 128):
        layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        c = w
    layers += [nn.Flatten(), nn.Linear(2048, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, classes)]
    return nn.Sequential(*layers), (3, 32, 32), classes


def keras_mnist_cnn(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, classes)), (1, 28, 28), classes


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, option_a):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.option_a, self.pad = option_a and (stride != 1 or cin != cout), cout - cin
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                           if not option_a and (stride != 1 or cin != cout) else None)

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        if self.downsample is not None:
            x = self.downsample(x)
        elif self.option_a:
            x = nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return torch.relu(out + x)


class ResNet(nn.Module):
    def __init__(self, stem, widths, blocks, classes, option_a):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem)
        layers, c = [], stem
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for b in range(n):
                layers.append(BasicBlock(c, w, 2 if b == 0 and i > 0 else 1, option_a))
                c = w
        self.layers, self.fc = nn.Sequential(*layers), nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(self.layers(torch.relu(self.bn1(self.conv1(x)))).mean(dim=(2, 3)))


def resnet20(classes=10):
    return ResNet(16, [16, 32, 64], [3, 3, 3], classes, True), (3, 32, 32), classes


def resnet_seed(classes=5):
    return ResNet(64, [64, 128, 256], [2, 2, 2], classes, False), (3, 32, 32), classes


def torchvision_model(name):
    def build(classes=10):
        import sys
        import types
        # torchvision's C++ ops do not register against a CPU torch of another build; the models do not need them.
        sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
        import torchvision.models as tvm
        return getattr(tvm, name)(num_classes=classes), (3, 32, 32), classes
    return build


MODELS = {"lenet5": lenet5, "keras-cifar-cnn": keras_cifar_cnn, "simplecnn": simplecnn, "keras-mnist-cnn": keras_mnist_cnn,
          "resnet20": resnet20, "resnet-seed": resnet_seed, "mobilenet_v2": torchvision_model("mobilenet_v2"),
          "resnet18": torchvision_model("resnet18")}


def onnxruntime_inference(model, shape, batch, threads, repeats, seconds):
    """The eval-mode model exported by torch.onnx.export (legacy, opset 17) and run in ONNX Runtime."""
    import tempfile
    import numpy as np
    import onnxruntime as ort
    with tempfile.TemporaryDirectory() as folder:
        path = folder + "/model.onnx"
        torch.onnx.export(model, torch.rand(1, *shape), path, opset_version=17, dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {0: "N"}})
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    x, single = np.random.rand(batch, *shape).astype(np.float32), np.random.rand(1, *shape).astype(np.float32)
    infer = measure(lambda: session.run(None, {"x": x}), repeats, seconds)
    latency = measure(lambda: session.run(None, {"x": single}), repeats, seconds)
    return batch / infer, latency * 1000


def measure(body, repeats, seconds):
    start = time.perf_counter()
    for _ in range(3):
        body()
    estimate = (time.perf_counter() - start) / 3
    calls = max(1, int(seconds / max(estimate, 1e-6)))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("batch", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--onnxruntime", action="store_true", help="also time inference in ONNX Runtime")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model, shape, classes = MODELS[args.model]()
    data = [(torch.rand(args.batch, *shape), torch.randint(0, classes, (args.batch,))) for _ in range(4)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    step = [0]

    def train_step():
        x, y = data[step[0] % 4]
        step[0] += 1
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    model.train()
    train = measure(train_step, args.repeats, args.seconds)
    result = {"model": args.model, "batch": args.batch, "threads": args.threads,
              "train_images_per_second": args.batch / train}
    if not args.train_only:
        model.eval()
        single = data[0][0][:1]
        with torch.no_grad():
            infer = measure(lambda: model(data[step[0] % 4][0]), args.repeats, args.seconds)
            latency = measure(lambda: model(single), args.repeats, args.seconds)
        result.update(infer_images_per_second=args.batch / infer, infer_latency_ms_batch1=latency * 1000)
        if args.onnxruntime:
            rate, ms = onnxruntime_inference(model, shape, args.batch, args.threads, args.repeats, args.seconds)
            result.update(ort_infer_images_per_second=rate, ort_infer_latency_ms_batch1=ms)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
