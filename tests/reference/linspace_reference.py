"""Checks that numpy's linspace(0, n - 1, count).astype(int) (DeepfakeBench's frame selection, docs/design.md, "Clip sampling") equals the
exact integer formula floor(i * (n - 1) / (count - 1)) that ClipSamplerTests uses as its oracle.

Run with the system python: /usr/bin/python3 tests/reference/linspace_reference.py
Result with numpy 1.24.2 (Debian 12): no difference for n = 1..20000 and count in {8, 10, 16, 32}.
"""
import numpy as np

differences = []
for count in (8, 10, 16, 32):
    for n in range(1, 20001):
        numpy_indices = np.linspace(0, n - 1, count).astype(int).tolist()
        exact = [(i * (n - 1)) // (count - 1) for i in range(count)]
        if numpy_indices != exact:
            differences.append((count, n))
print(f"{len(differences)} differences", differences[:10])
