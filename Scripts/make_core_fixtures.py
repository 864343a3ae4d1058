#!/usr/bin/env python3
"""Reference values for Fovea's core ops, computed by PyTorch (CPU wheel).

Writes Tests/FoveaCoreTests/Fixtures/pytorch_reference.json: for each case the inputs, the
parameters, the forward output, a random upstream gradient and the gradients PyTorch's autograd
sends to every input. Run from the repository root:  python3 Scripts/make_core_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(2024)
torch.set_default_dtype(torch.float64)  # references in float64; Fovea computes in float32


def pack(t):
    return {"shape": list(t.shape), "data": [round(float(v), 9) for v in t.detach().reshape(-1)]}


def case(name, fn, inputs, params=None):
    """Runs fn(*inputs), backprops a random gradient, records everything."""
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    upstream = torch.randn_like(out)
    out.backward(upstream)
    return {
        "name": name,
        "params": params or {},
        "inputs": [pack(t) for t in leaves],
        "output": pack(out),
        "grad_output": pack(upstream),
        "grad_inputs": [pack(t.grad) for t in leaves],
    }


cases = []
# Conv2d: (N, C, H, W), (O, C/groups, kh, kw), stride, padding (h, w), dilation, groups, bias
conv_configs = [
    ("conv2d_basic_3x3", (2, 3, 7, 6), (4, 3, 3, 3), 1, (0, 0), 1, 1, True),
    ("conv2d_same_pad1", (2, 2, 5, 5), (3, 2, 3, 3), 1, (1, 1), 1, 1, True),
    ("conv2d_stride2_pad2_5x5", (1, 3, 9, 8), (2, 3, 5, 5), 2, (2, 2), 1, 1, True),
    ("conv2d_no_bias_1x1", (3, 4, 4, 5), (6, 4, 1, 1), 1, (0, 0), 1, 1, False),
    ("conv2d_dilation2", (1, 2, 8, 8), (2, 2, 3, 3), 1, (2, 2), 2, 1, True),
    ("conv2d_groups2", (2, 4, 6, 6), (6, 2, 3, 3), 1, (1, 1), 1, 2, True),
    ("conv2d_depthwise_stride2", (2, 3, 7, 7), (3, 1, 3, 3), 2, (1, 1), 1, 3, True),
    ("conv2d_rect_kernel", (1, 2, 6, 7), (3, 2, 2, 3), (1, 2), (0, 1), 1, 1, True),
]
for name, xs, ws, stride, pad, dil, groups, bias in conv_configs:
    x, w = torch.randn(xs), torch.randn(ws) * 0.5
    inputs = [x, w] + ([torch.randn(ws[0])] if bias else [])
    stride2 = stride if isinstance(stride, tuple) else (stride, stride)
    cases.append(case(name, lambda x, w, b=None: F.conv2d(x, w, b, stride=stride2, padding=pad, dilation=dil, groups=groups),
                      inputs, {"stride": list(stride2), "padding": list(pad), "dilation": dil, "groups": groups}))

for name, xs, k, s, p in [("maxpool_2x2", (2, 3, 6, 6), 2, 2, 0), ("maxpool_3x3_s2_p1", (1, 2, 7, 7), 3, 2, 1),
                          ("maxpool_3x3_s1", (1, 1, 5, 6), 3, 1, 0)]:
    cases.append(case(name, lambda x: F.max_pool2d(x, k, s, p), [torch.randn(xs)], {"kernel": k, "stride": s, "padding": p}))
for name, xs, k, s, p in [("avgpool_2x2", (2, 3, 6, 6), 2, 2, 0), ("avgpool_3x3_s2_p1", (1, 2, 7, 7), 3, 2, 1)]:
    cases.append(case(name, lambda x: F.avg_pool2d(x, k, s, p), [torch.randn(xs)], {"kernel": k, "stride": s, "padding": p}))
cases.append(case("global_avgpool", lambda x: x.mean(dim=(2, 3)), [torch.randn(2, 3, 4, 5)]))

cases.append(case("linear_bias", lambda x, w, b: F.linear(x, w, b), [torch.randn(4, 7), torch.randn(5, 7), torch.randn(5)]))
cases.append(case("linear_no_bias", lambda x, w: F.linear(x, w), [torch.randn(3, 6), torch.randn(2, 6)]))

labels = [2, 0, 4, 1, 3, 2]
cases.append(case("cross_entropy_labels", lambda x: F.cross_entropy(x, torch.tensor(labels)), [torch.randn(6, 5) * 2],
                  {"labels": labels}))
cases.append(case("cross_entropy_label_smoothing", lambda x: F.cross_entropy(x, torch.tensor(labels), label_smoothing=0.1),
                  [torch.randn(6, 5) * 2], {"labels": labels, "label_smoothing": 0.1}))
soft = torch.softmax(torch.randn(4, 3), dim=1)
cases.append(case("cross_entropy_soft", lambda x: torch.sum(-soft * torch.log_softmax(x, dim=1)) / 4, [torch.randn(4, 3)],
                  {"targets": pack(soft)}))
cases.append(case("softmax", lambda x: torch.softmax(x, dim=-1), [torch.randn(3, 4)]))
cases.append(case("log_softmax", lambda x: torch.log_softmax(x, dim=-1), [torch.randn(3, 4)]))

activation_input = torch.linspace(-7, 7, 40).reshape(4, 10) + torch.randn(4, 10) * 0.01
cases.append(case("relu6", F.relu6, [activation_input]))
cases.append(case("silu", F.silu, [activation_input]))
cases.append(case("gelu", F.gelu, [activation_input]))
cases.append(case("hardswish", F.hardswish, [activation_input]))
for name, xs, size in [("adaptive_avgpool_7x5_to_3x2", (2, 3, 7, 5), (3, 2)), ("adaptive_avgpool_6x6_to_4x4", (1, 2, 6, 6), (4, 4)),
                       ("adaptive_avgpool_4x4_to_6x5", (1, 1, 4, 4), (6, 5))]:
    cases.append(case(name, lambda x: F.adaptive_avg_pool2d(x, size), [torch.randn(xs)], {"size": list(size)}))

for name, xs, ws, stride, pad, dil, groups in [("conv1d_basic", (2, 3, 11), (4, 3, 3), 1, 0, 1, 1),
                                                ("conv1d_stride2_pad2_dilation2", (1, 4, 13), (6, 2, 3), 2, 2, 2, 2)]:
    cases.append(case(name, lambda x, w, b: F.conv1d(x, w, b, stride=stride, padding=pad, dilation=dil, groups=groups),
                      [torch.randn(xs), torch.randn(ws) * 0.5, torch.randn(ws[0])],
                      {"stride": stride, "padding": pad, "dilation": dil, "groups": groups}))
cases.append(case("layer_norm_last_dim", lambda x, w, b: F.layer_norm(x, (6,), w, b, eps=1e-5),
                  [torch.randn(2, 5, 6) * 3 + 1, torch.rand(6) + 0.5, torch.randn(6)]))
cases.append(case("layer_norm_last_two_dims", lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-5),
                  [torch.randn(2, 3, 4), torch.rand(3, 4) + 0.5, torch.randn(3, 4)]))

for name, xs, ws, stride, pad, dil, groups in [("conv3d_basic", (2, 2, 4, 5, 5), (3, 2, 3, 3, 3), 1, 0, 1, 1),
                                                ("conv3d_stride2_pad1_groups2", (1, 4, 5, 6, 5), (4, 2, 3, 2, 3), 2, 1, 1, 2),
                                                ("conv3d_dilation2", (1, 2, 6, 6, 6), (2, 2, 2, 2, 2), 1, 1, 2, 1)]:
    cases.append(case(name, lambda x, w, b: F.conv3d(x, w, b, stride=stride, padding=pad, dilation=dil, groups=groups),
                      [torch.randn(xs), torch.randn(ws) * 0.5, torch.randn(ws[0])],
                      {"stride": stride, "padding": pad, "dilation": dil, "groups": groups}))
for name, xs, k, s, p in [("maxpool_ceil_3x3_s2", (1, 2, 8, 7), 3, 2, 0), ("maxpool_ceil_2x2_s2", (2, 1, 5, 5), 2, 2, 0),
                          ("maxpool_ceil_3x3_s2_p1", (1, 1, 6, 9), 3, 2, 1)]:
    cases.append(case(name, lambda x: F.max_pool2d(x, k, s, p, ceil_mode=True), [torch.randn(xs)],
                      {"kernel": k, "stride": s, "padding": p}))


def attention(x, w_in, b_in, w_out, b_out, heads=2):
    e = x.shape[-1]
    y, _ = F.multi_head_attention_forward(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), e, heads, w_in, b_in,
                                          None, None, False, 0.0, w_out, b_out, training=False, need_weights=False)
    return y.transpose(0, 1)


cases.append(case("multihead_attention_2_heads", attention,
                  [torch.randn(2, 5, 8), torch.randn(24, 8) * 0.4, torch.randn(24) * 0.1, torch.randn(8, 8) * 0.4,
                   torch.randn(8) * 0.1], {"heads": 2}))

# 3×3 layers that Fovea's backward takes through the outer-product weight gradient (AVX-512: planes
# of 8×8 outputs and more), stride 1 and 2. Appended last, so the cases above keep their values.
for name, xs, ws, stride in [("conv2d_3x3_outer_products", (1, 4, 9, 8), (18, 4, 3, 3), 1),
                             ("conv2d_3x3_stride2_outer_products", (1, 2, 16, 16), (8, 2, 3, 3), 2)]:
    cases.append(case(name, lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=1),
                      [torch.randn(xs), torch.randn(ws) * 0.5, torch.randn(ws[0])],
                      {"stride": [stride, stride], "padding": [1, 1], "dilation": 1, "groups": 1}))

out = pathlib.Path("Tests/FoveaCoreTests/Fixtures/pytorch_reference.json")
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}, separators=(",", ":")))
print(f"wrote {len(cases)} cases to {out} ({out.stat().st_size} bytes)")
