#!/usr/bin/env python3
"""Optimiser trajectories from PyTorch, for Fovea's SGD and Adam tests.

Writes Tests/FoveaNNTests/Fixtures/optimizers.json: a starting parameter, a fixed sequence of
gradients, and the parameter after each torch.optim step. Run from the repository root.
"""
import json
import pathlib

import torch

torch.manual_seed(7)
start = torch.randn(6)
grads = [torch.randn(6) for _ in range(5)]
configs = {
    "sgd": (torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum": (torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    "sgd_nesterov_wd": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adam": (torch.optim.Adam, dict(lr=0.01)),
    "adam_wd": (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": (torch.optim.RMSprop, dict(lr=0.01)),
    "rmsprop_momentum_wd": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.05)),
}
out = {"start": start.tolist(), "grads": [g.tolist() for g in grads], "runs": {}}
for name, (cls, kwargs) in configs.items():
    p = torch.nn.Parameter(start.clone())
    opt = cls([p], **kwargs)
    steps = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        steps.append(p.detach().tolist())
    out["runs"][name] = {"kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}, "steps": steps}
path = pathlib.Path("Tests/FoveaNNTests/Fixtures/optimizers.json")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(out))
print(f"wrote {path}")

# BatchNorm2d: one training-mode forward/backward (outputs, gradients, running statistics
# after the step) and an eval-mode forward with the updated statistics.
torch.manual_seed(11)
bn = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5)
with torch.no_grad():
    bn.weight.copy_(torch.randn(3))
    bn.bias.copy_(torch.randn(3))
    bn.running_mean.copy_(torch.randn(3) * 0.1)
    bn.running_var.copy_(torch.rand(3) + 0.5)
initial = {k: v.clone() for k, v in bn.state_dict().items()}
x = (torch.randn(4, 3, 5, 6) * 2 + 1).requires_grad_(True)
bn.train()
y = bn(x)
upstream = torch.randn_like(y)
y.backward(upstream)
bn.eval()
x_eval = torch.randn(2, 3, 5, 6)
y_eval = bn(x_eval)
flat = lambda t: t.detach().reshape(-1).tolist()
batchnorm = {
    "weight": flat(initial["weight"]), "bias": flat(initial["bias"]),
    "running_mean": flat(initial["running_mean"]), "running_var": flat(initial["running_var"]),
    "x": flat(x), "y": flat(y), "grad_output": flat(upstream), "grad_x": flat(x.grad),
    "grad_weight": flat(bn.weight.grad), "grad_bias": flat(bn.bias.grad),
    "running_mean_after": flat(bn.running_mean), "running_var_after": flat(bn.running_var),
    "num_batches_tracked": int(bn.num_batches_tracked), "x_eval": flat(x_eval), "y_eval": flat(y_eval),
}
pathlib.Path("Tests/FoveaNNTests/Fixtures/batchnorm.json").write_text(json.dumps(batchnorm))
print("wrote Tests/FoveaNNTests/Fixtures/batchnorm.json")
