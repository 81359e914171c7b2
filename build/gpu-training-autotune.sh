#!/usr/bin/env bash
# Training-step comparison on a CUDA machine: PyTorch with and without cuDNN autotuning, and Sta.MLNet (autotuning on).
# Same preparation as build/gpu-benchmark.sh. Results go to $OUT.
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
python3 tests/reference/sta_reference.py bench --device cuda --train-only --explicit-only --iters 8 --out "$OUT/pytorch-autotune.json" > "$OUT/pytorch-autotune.log" 2>&1
python3 tests/reference/sta_reference.py bench --device cuda --train-only --explicit-only --iters 8 --no-cudnn-benchmark --out "$OUT/pytorch-default.json" > "$OUT/pytorch-default.log" 2>&1
grep clips_per_second "$OUT"/pytorch-*.log
mkdir -p /tmp/sta-dotnet && tar xJf artifacts/gpu/dotnet.tar.xz -C /tmp/sta-dotnet
LIBTORCH=$(python3 -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
LD_LIBRARY_PATH="$LIBTORCH" STA_BENCH_DEVICE=cuda STA_BENCH_KERNELS=explicit \
  /tmp/sta-dotnet/dotnet artifacts/gpu/bench/Sta.MLNet.Benchmarks.dll network --out "$OUT" > "$OUT/torchsharp.log" 2>&1
echo "torchsharp exit $?"; grep -E "cuDNN|clips/s \(" "$OUT/torchsharp.log"
