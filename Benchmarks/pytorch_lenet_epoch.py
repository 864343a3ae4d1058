#!/usr/bin/env python3
"""The minimal PyTorch script Fovea's whole-process LeNet-5 epoch is compared with: import torch,
make 60,000 random 28×28 images with random labels, train LeNet-5 (pad 2, ReLU, max-pool) for one
epoch, batch 64, SGD lr 0.01 momentum 0.9, 2 threads."""
import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(0)
x, y = torch.rand(60000, 1, 28, 28), torch.randint(0, 10, (60000,))
model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for i in torch.randperm(60000).split(64):
    optimizer.zero_grad(set_to_none=True)
    loss_fn(model(x[i]), y[i]).backward()
    optimizer.step()
