#!/usr/bin/env python3
"""Runs an ONNX file in ONNX Runtime and compares with expected logits (Fovea's parity tests).

usage: check_onnx.py MODEL.onnx INPUT.f32 EXPECTED.f32 N,C,H,W
Inputs are raw little-endian float32. Prints the peak-relative error max|ort − expected| / max|expected|.
"""
import sys

import numpy as np
import onnxruntime as ort

model, input_path, expected_path, shape = sys.argv[1:5]
x = np.fromfile(input_path, dtype="<f4").reshape([int(d) for d in shape.split(",")])
expected = np.fromfile(expected_path, dtype="<f4").astype(np.float64)
options = ort.SessionOptions()
options.intra_op_num_threads = 2
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
out = session.run(None, {session.get_inputs()[0].name: x})[0].astype(np.float64).reshape(-1)
print(float(np.abs(out - expected).max() / max(np.abs(expected).max(), 1e-12)))
