#!/usr/bin/env python3
"""PyTorch/torchvision reference runs of every zoo family, for Fovea's parity tests.

Weights are not stored: both sides fill every state_dict entry from the same integer formula
(`reference_values` here, `referenceValues` in FoveaTestSupport), so even VGG's 133M parameters
cost nothing in the repository. Each fixture holds the state_dict keys and shapes (the names
must match torchvision's one to one), the input (from the same formula), the eval-mode logits and, for models
without dropout, the train-mode logits and some BatchNorm running statistics after that forward.

Needs torch and torchvision of matching versions (torch 2.13 ↔ torchvision 0.28, installed with
`pip install --no-deps`). Run from the repository root.
"""
import json
import math
import pathlib
import sys
import types

import numpy as np
import torch
import torch.nn as nn

# torchvision's optional C++ ops fail to register against a CPU-only torch of another build;
# the model definitions do not need them.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torchvision.models as tvm  # noqa: E402
from torchvision.models.vision_transformer import VisionTransformer  # noqa: E402

out = pathlib.Path("Tests/FoveaModelsTests/Fixtures/zoo")
out.mkdir(parents=True, exist_ok=True)


def fnv1a32(text):
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def reference_values(name, shape):
    """u_i = ((i · 2654435761 + fnv1a(name)) mod 2³²) / 2³², mapped by the kind of tensor."""
    n = int(np.prod(shape)) if len(shape) else 1
    i = np.arange(n, dtype=np.uint64)
    u = ((i * np.uint64(2654435761) + np.uint64(fnv1a32(name))) % np.uint64(2**32)).astype(np.float64) / 2**32
    a = 2 * u - 1
    leaf = name.rsplit(".", 1)[-1]
    if name == "input":
        v = a
    elif leaf == "num_batches_tracked":
        v = np.zeros(n)
    elif leaf == "running_mean":
        v = 0.1 * a
    elif leaf == "running_var":
        v = 0.5 + u
    elif len(shape) <= 1 and leaf.endswith("weight"):
        v = 0.75 + 0.5 * u
    elif len(shape) <= 1:
        v = 0.1 * a
    else:
        v = a * math.sqrt(6.0 / (n // shape[0]))
    return v.reshape(shape)


def fill(model):
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            tensor.copy_(torch.from_numpy(reference_values(name, list(tensor.shape))).to(tensor.dtype))


def relative(a, b):
    return ((a.double() - b.double()).abs().max() / b.double().abs().max()).item()


def record(name, build, input_shape, batch, train_check):
    """References are computed in float64, so they are the exact answer for these weights; the
    float32 PyTorch run is only printed, to show how well-conditioned each case is."""
    model = build()
    fill(model)
    keys = {k: list(v.shape) for k, v in model.state_dict().items()}
    x = torch.from_numpy(reference_values("input", [batch, *input_shape]))
    exact = build().double()
    fill(exact)
    exact.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in model.state_dict().items()})
    model.eval(), exact.eval()
    with torch.no_grad():
        eval_logits, eval32 = exact(x), model(x.float())
    entry = {"input_shape": list(input_shape), "batch": batch, "keys": keys, "eval_logits": eval_logits.reshape(-1).tolist()}
    note = f"float32 eval off by {relative(eval32, eval_logits):.1e}"
    if train_check:
        model.train(), exact.train()
        with torch.no_grad():
            train_logits, train32 = exact(x), model(x.float())
        entry["train_logits"] = train_logits.reshape(-1).tolist()
        running = [k for k in keys if k.endswith("running_mean") or k.endswith("running_var")]
        state, state32 = exact.state_dict(), model.state_dict()
        chosen = running[:4] + running[-4:]
        entry["running_after"] = {k: state[k].reshape(-1).tolist() for k in chosen}
        note += f", train {relative(train32, train_logits):.1e}, running " + \
            f"{max(relative(state32[k], state[k]) for k in chosen):.1e}"
    (out / f"{name}.json").write_text(json.dumps(entry))
    print(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters, |logits| ≤ {eval_logits.abs().max():.3g}; {note}")


def densenet_bc_100():
    model = tvm.DenseNet(growth_rate=12, block_config=(16, 16, 16), num_init_features=24, bn_size=4, num_classes=10)
    model.features.conv0 = nn.Conv2d(3, 24, 3, 1, 1, bias=False)
    del model.features.norm0, model.features.relu0, model.features.pool0
    return model


def alexnet_small_input():
    model = tvm.alexnet(num_classes=10)
    model.features[0].stride, model.features[0].padding = (1, 1), (5, 5)
    return model


# (fixture, model, input, batch, train-mode check). Train-mode checks use inputs large enough that
# every BatchNorm sees enough values per channel for its batch statistics to be well-conditioned.
cases = [
    ("alexnet", lambda: tvm.alexnet(num_classes=10), (3, 64, 64), 2, False),
    ("alexnet_small_input", alexnet_small_input, (3, 32, 32), 2, False),
    ("vgg11", lambda: tvm.vgg11(num_classes=10), (3, 32, 32), 2, False),
    ("vgg11_bn", lambda: tvm.vgg11_bn(num_classes=10), (3, 32, 32), 2, False),
    ("googlenet", lambda: tvm.googlenet(num_classes=10, aux_logits=False, init_weights=False), (3, 64, 64), 2, False),
    ("resnet18", lambda: tvm.resnet18(num_classes=10), (3, 128, 128), 4, True),
    ("resnet50", lambda: tvm.resnet50(num_classes=10), (3, 64, 64), 2, False),  # train mode: ill-conditioned even in PyTorch float32
    ("densenet121", lambda: tvm.densenet121(num_classes=10), (3, 128, 128), 4, True),
    ("densenet_bc_100", densenet_bc_100, (3, 32, 32), 4, True),
    ("mobilenet_v2", lambda: tvm.mobilenet_v2(num_classes=10), (3, 32, 32), 2, False),
    ("efficientnet_b0", lambda: tvm.efficientnet_b0(num_classes=10), (3, 32, 32), 2, False),
    ("vit_p4_32", lambda: VisionTransformer(32, 4, 6, 3, 192, 384, num_classes=10), (3, 32, 32), 2, False),
    ("vit_ti_16", lambda: VisionTransformer(32, 16, 12, 3, 192, 768, num_classes=10), (3, 32, 32), 2, False),
]
only = set(sys.argv[1:])
for name, build, shape, batch, train_check in cases:
    if not only or name in only:
        torch.manual_seed(0)
        record(name, build, shape, batch, train_check)
