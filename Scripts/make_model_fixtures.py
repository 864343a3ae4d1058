#!/usr/bin/env python3
"""PyTorch reference runs of zoo models, for Fovea's parity tests.

For each model: the state_dict as safetensors (written here without the safetensors package),
a random input, eval-mode logits, train-mode logits and the BatchNorm running statistics after
that one train-mode forward. Names follow torchvision's ResNet. Run from the repository root.
"""
import json
import pathlib
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

out = pathlib.Path("Tests/FoveaModelsTests/Fixtures")
out.mkdir(parents=True, exist_ok=True)


def save_safetensors(tensors, path):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - (8 + len(encoded)) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, option_a):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.option_a, self.pad = option_a and (stride != 1 or cin != cout), cout - cin
        if not option_a and (stride != 1 or cin != cout):
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.downsample = None

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.downsample is not None:
            identity = self.downsample(x)
        elif self.option_a:
            identity = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        else:
            identity = x
        return F.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, stem, widths, blocks, classes, option_a, head):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        c = stem
        for i, (w, n) in enumerate(zip(widths, blocks)):
            layer = []
            for b in range(n):
                layer.append(BasicBlock(c, w, 2 if b == 0 and i > 0 else 1, option_a))
                c = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
        self.depth, self.head = len(widths), head
        setattr(self, head, nn.Linear(c, classes))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for i in range(self.depth):
            x = getattr(self, f"layer{i + 1}")(x)
        return getattr(self, self.head)(x.mean(dim=(2, 3)))


def record(name, model, input_shape):
    torch.manual_seed(3)
    with torch.no_grad():  # non-trivial running statistics, so eval mode really uses them
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
                m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
                m.weight.copy_(torch.rand_like(m.weight) + 0.5)
                m.bias.copy_(torch.randn_like(m.bias) * 0.1)
    save_safetensors(model.state_dict(), out / f"{name}.safetensors")
    x = torch.randn(2, *input_shape)
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    model.train()
    with torch.no_grad():
        train_logits = model(x)
    after = {k: v for k, v in model.state_dict().items() if "running" in k}
    save_safetensors(after, out / f"{name}_running_after.safetensors")
    (out / f"{name}.json").write_text(json.dumps({
        "input_shape": list(input_shape), "input": x.reshape(-1).tolist(),
        "eval_logits": eval_logits.reshape(-1).tolist(), "train_logits": train_logits.reshape(-1).tolist()}))
    print(name, sum(p.numel() for p in model.parameters()), "parameters")


torch.manual_seed(1)
record("resnet20", ResNet(16, [16, 32, 64], [3, 3, 3], 10, True, "linear"), (3, 32, 32))
torch.manual_seed(2)
record("resnet_projection_tiny", ResNet(8, [8, 16, 24], [1, 2, 1], 5, False, "fc"), (3, 12, 12))
