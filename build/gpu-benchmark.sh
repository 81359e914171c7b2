#!/usr/bin/env bash
# Runs on a CUDA machine that has PyTorch but no .NET (see README "GPU" and docs/performance.md):
# the PyTorch reference and our TorchSharp benchmark, same shapes, one machine, one run. Results go to $OUT.
# Prepare first on the dev machine: bash build/gpu-pack.sh (then carry ["artifacts/gpu"]).
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
ITERS=${ITERS:-10}
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
} > "$OUT/device.txt" 2>&1
cat "$OUT/device.txt"
# GPU memory sampled every 200 ms during each run (process-wide peak; the PyTorch report also has per-case peaks).
sample_memory() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$1" 2>/dev/null & echo $!; }
peak() { sort -n "$1" | tail -n 1; }
sampler=$(sample_memory "$OUT/gpu-memory-pytorch.txt")
python3 tests/reference/sta_reference.py bench --device cuda --preset official --batch 8 --iters "$ITERS" --out "$OUT/pytorch.json" \
  > "$OUT/pytorch.log" 2>&1
echo "pytorch exit $?"; kill "$sampler" 2>/dev/null; tail -n 12 "$OUT/pytorch.log"
echo "pytorch peak GPU memory used (MiB): $(peak "$OUT/gpu-memory-pytorch.txt")"
mkdir -p /tmp/sta-dotnet && tar xJf artifacts/gpu/dotnet.tar.xz -C /tmp/sta-dotnet
LIBTORCH=$(python3 -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
sampler=$(sample_memory "$OUT/gpu-memory-torchsharp.txt")
LD_LIBRARY_PATH="$LIBTORCH" STA_BENCH_DEVICE=cuda STA_BENCH_PRESET=official STA_BENCH_BATCH=8 \
  /tmp/sta-dotnet/dotnet artifacts/gpu/bench/Sta.MLNet.Benchmarks.dll network --scale "$(python3 -c "print($ITERS/10)")" --out "$OUT" \
  > "$OUT/torchsharp.log" 2>&1
echo "torchsharp exit $?"; kill "$sampler" 2>/dev/null; tail -n 14 "$OUT/torchsharp.log"
echo "torchsharp peak GPU memory used (MiB): $(peak "$OUT/gpu-memory-torchsharp.txt")"
