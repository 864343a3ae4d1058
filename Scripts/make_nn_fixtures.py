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
