#!/usr/bin/env python3
"""NumPy fixtures for Fovea's .npy/.npz readers: Tests/FoveaDataTests/Fixtures/numpy/.

- keras_style.npz (compressed): x_train uint8 (6, 5, 4, 3) NHWC, y_train int64, x_test, y_test — Keras's mnist.npz layout.
- plain.npz (stored): images float32 (4, 1, 3, 3) NCHW, labels int32.
- faces.npy: float64 (3, 4, 5) in [0, 1] (like scikit-image's lfw_subset.npy), big-endian copy faces_be.npy, Fortran-order fortran.npy.
- expected.json: every array flattened in C order, for comparison.
"""
import json
import pathlib

import numpy as np

out = pathlib.Path("Tests/FoveaDataTests/Fixtures/numpy")
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(9)
x_train = rng.integers(0, 256, (6, 5, 4, 3), dtype=np.uint8)
y_train = np.array([0, 1, 2, 0, 1, 2], dtype=np.int64)
x_test = rng.integers(0, 256, (2, 5, 4, 3), dtype=np.uint8)
y_test = np.array([2, 0], dtype=np.int64)
np.savez_compressed(out / "keras_style.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
images = rng.random((4, 1, 3, 3), dtype=np.float32)
labels = np.array([1, 0, 1, 1], dtype=np.int32)
np.savez(out / "plain.npz", images=images, labels=labels)
faces = rng.random((3, 4, 5))
np.save(out / "faces.npy", faces)
np.save(out / "faces_be.npy", faces.astype(">f8"))
np.save(out / "fortran.npy", np.asfortranarray(faces))
expected = {
    "x_train": x_train.reshape(-1).tolist(), "y_train": y_train.tolist(), "x_test": x_test.reshape(-1).tolist(),
    "images": images.reshape(-1).astype(float).tolist(), "labels": labels.tolist(), "faces": faces.reshape(-1).tolist(),
}
(out / "expected.json").write_text(json.dumps(expected))
print("wrote", sorted(p.name for p in out.iterdir()))
