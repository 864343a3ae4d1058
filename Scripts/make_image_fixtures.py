#!/usr/bin/env python3
"""PNG and JPEG fixtures with Pillow's decoded pixels, for Fovea's codec tests.

Writes Tests/FoveaDataTests/Fixtures/images/NAME.{png,jpg} and NAME.raw (the pixels Pillow
decodes, interleaved 8-bit, in the file's own mode: L, RGB or RGBA; palette images as RGB/RGBA)
plus index.json with each image's size and channels. Run from the repository root; needs Pillow.
"""
import json
import pathlib

import numpy as np
from PIL import Image

out = pathlib.Path("Tests/FoveaDataTests/Fixtures/images")
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(5)
w, h = 37, 23
y, x = np.mgrid[0:h, 0:w]
rgb = np.stack([(x * 7) % 256, (y * 11) % 256, ((x + y) * 5) % 256], axis=-1).astype(np.uint8)
rgb = np.clip(rgb.astype(int) + rng.integers(-20, 20, rgb.shape), 0, 255).astype(np.uint8)
alpha = ((x * y) % 256).astype(np.uint8)

images = {
    "rgb_png": (Image.fromarray(rgb, "RGB"), "png", {}),
    "rgba_png": (Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), "png", {}),
    "gray_png": (Image.fromarray(rgb[..., 0], "L"), "png", {}),
    "palette_png": (Image.fromarray(rgb, "RGB").quantize(colors=16), "png", {}),
    "baseline_jpg": (Image.fromarray(rgb, "RGB"), "jpeg", {"quality": 90}),
    "progressive_jpg": (Image.fromarray(rgb, "RGB"), "jpeg", {"quality": 85, "progressive": True}),
    "gray_jpg": (Image.fromarray(rgb[..., 1], "L"), "jpeg", {"quality": 90}),
}
index = {}
for name, (image, fmt, options) in images.items():
    path = out / f"{name}.{'png' if fmt == 'png' else 'jpg'}"
    image.save(path, format=fmt.upper(), **options)
    decoded = Image.open(path)
    decoded.load()
    if decoded.mode == "P":
        decoded = decoded.convert("RGBA" if "transparency" in decoded.info else "RGB")
    pixels = np.asarray(decoded)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    (out / f"{name}.raw").write_bytes(pixels.tobytes())
    index[name] = {"file": path.name, "width": decoded.width, "height": decoded.height, "channels": channels}
(out / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True))
print(f"wrote {len(index)} images to {out}")
