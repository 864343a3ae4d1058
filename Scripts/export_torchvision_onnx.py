#!/usr/bin/env python3
"""Exports a torchvision model with torch.onnx.export (legacy exporter, opset 17, dynamic batch)
for Fovea's ONNX-import test, with an input and PyTorch's logits.

usage: export_torchvision_onnx.py MODEL OUT_DIR     (MODEL: resnet18 or mobilenet_v2)
Writes OUT_DIR/model.onnx, x.f32 (2×3×64×64, float32 little-endian) and y.f32 (eval-mode logits).
"""
import pathlib
import sys
import types
import warnings

import torch

warnings.filterwarnings("ignore")
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torchvision.models as tvm  # noqa: E402

name, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)
model = getattr(tvm, name)(num_classes=10).eval()
with torch.no_grad():  # non-trivial BatchNorm statistics, so the exported (folded) convolutions carry them
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.1, 0.1)
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    y = model(x)
torch.onnx.export(model, x, str(out / "model.onnx"), opset_version=17, dynamo=False, input_names=["input"],
                  output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
x.numpy().astype("<f4").tofile(out / "x.f32")
y.numpy().astype("<f4").tofile(out / "y.f32")
print("ok")
