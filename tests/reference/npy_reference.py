"""Writes small .npy files with NumPy (1.24, Debian 12) and prints them as base64 for NpyFileTests.cs.

Run with the system python: /usr/bin/python3 tests/reference/npy_reference.py
The arrays are chosen to cover every element type the C# reader accepts, both byte orders, Fortran order,
format versions 1.0 and 2.0, and 0-d / 1-d / 3-d shapes.
"""
import base64
import io

import numpy as np


def encode(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return base64.b64encode(buffer.getvalue()).decode()


base = np.array([[-3, -2, -1], [0, 1, 2147483647]])
cases = {
    "int32_c": base.astype("<i4"),
    "int64_c": (np.array([[-3, -2, -1], [0, 1, 2]]) * 10_000_000_000).astype("<i8"),
    "float32_c": np.array([[0.5, -1.25, 3e-5], [1e30, -0.0, 7.0]], dtype="<f4"),
    "float64_c": np.array([[0.1, -2.5e-300, 3.0], [4.0, 5.0, 6.0]], dtype="<f8"),
    "int32_big_endian": base.astype(">i4"),
    "float64_big_endian": np.array([[0.1, -2.5e-300, 3.0], [4.0, 5.0, 6.0]], dtype=">f8"),
    "float64_fortran": np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)),
    "int32_fortran_3d": np.asfortranarray(np.arange(12, dtype="<i4").reshape(2, 3, 2)),
    "int64_1d": np.array([5, 6, 7, 8], dtype="<i8"),
    "float32_scalar": np.array(2.5, dtype="<f4"),
}
for name, array in cases.items():
    print(f'["{name}"] = "{encode(array)}",')
print(f'["int32_c_version2"] = "{encode(base.astype("<i4"), version=(2, 0))}",')
print(f'["uint8_unsupported"] = "{encode(np.arange(4, dtype="u1"))}",')
