#!/usr/bin/env bash
# Prepares artifacts/gpu for the build/gpu-*.sh scripts, which run on a CUDA machine that has PyTorch but no .NET
# (docs/performance.md, README "GPU"): the benchmark project published framework-dependent without libtorch
# (-p:StaTorchBackend=none: it loads the machine's own CUDA libtorch) and without OpenCV's native library, plus the
# .NET runtime as a .tar.xz. Fits the device machine's 64 MiB carry (about 40 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf artifacts/gpu
mkdir -p artifacts/gpu
dotnet publish tests/Sta.MLNet.Benchmarks -c Release -p:StaTorchBackend=none -p:StaOpenCvNatives=false \
  -o artifacts/gpu/bench > artifacts/gpu-publish.log
# Only the LibTorchSharp glue is native; other packages' runtimes for other platforms are dead weight.
find artifacts/gpu/bench/runtimes -type f ! -path '*/linux-x64/native/*' -delete
find artifacts/gpu/bench -depth -type d -empty -delete
rm -rf artifacts/gpu/bench/cpu
find artifacts/gpu/bench \( -name '*.pdb' -o -name '*.xml' -o -name '*.dbg' \) -delete
test -f artifacts/gpu/bench/runtimes/linux-x64/native/libLibTorchSharp.so
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -n 1)
tar -C "$dotnet_root" -cJf artifacts/gpu/dotnet.tar.xz dotnet host/fxr "shared/Microsoft.NETCore.App/$runtime"
du -sh artifacts/gpu/bench artifacts/gpu/dotnet.tar.xz
