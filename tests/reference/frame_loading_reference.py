"""Reference numbers for ExtractedFrameLoaderTests: DeepfakeBench's frame loading (docs/design.md, "Frame loading") done with python3-opencv
4.6 (Debian 12) on the preprocess fixture astronaut.align256.png.

Run with the system python: /usr/bin/python3 tests/reference/frame_loading_reference.py <shared/fixtures/preprocess>
"""
import sys

import cv2
import numpy as np

folder = sys.argv[1]
bgr = cv2.imread(f"{folder}/astronaut.align256.png", cv2.IMREAD_COLOR)
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
resized = cv2.resize(rgb, (224, 224), interpolation=cv2.INTER_CUBIC)
print("shape", resized.shape, "dtype", resized.dtype)
print("channel means (R, G, B):", ", ".join(f"{m:.6f}" for m in resized.reshape(-1, 3).mean(axis=0)))
for y, x in [(0, 0), (50, 120), (112, 112), (200, 30), (223, 223)]:
    print(f"pixel (y={y}, x={x}) RGB:", list(map(int, resized[y, x])))
print("checksum sum(value * (index % 251)):", int((resized.reshape(-1).astype(np.int64) * (np.arange(resized.size) % 251)).sum()))
