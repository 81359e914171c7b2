#!/usr/bin/env bash
# One device run (about 6 minutes on an H100/H200, estimated from the earlier runs' step times) for the open questions of the Performance work, both frameworks in
# the same run: which fused-attention implementation (flash, memory-efficient, cuDNN) serves the adapters'
# cross-attention (head dim 256) and the backbone (head dim 64), whether the planar or channels-last depthwise convolutions
# beat Conv3d on the GPU, and what the whole training loop (pinned batches, prefetch thread) and the ML.NET transformer reach.
#
# Prepare here: bash build/gpu-pack.sh. Run there from the repository root with carry ["artifacts/gpu"]:
#   bash build/gpu-kernel-choices.sh            (results: $OUT/summary.txt, $OUT/device.txt, $OUT/results.tar.gz)
# summary.txt is written as the runs go, so a run stopped at its time limit still reports what it measured.
# Smoke test of the plumbing on any machine with .NET and torch (no GPU):
#   DEVICE=cpu PRESET=tiny ITERS=2 BENCH="dotnet tests/Sta.MLNet.Benchmarks/bin/Release/net10.0/Sta.MLNet.Benchmarks.dll" \
#     bash build/gpu-kernel-choices.sh
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
DEVICE=${DEVICE:-cuda}
PRESET=${PRESET:-official}
ITERS=${ITERS:-5}
PYTHON=${PYTHON:-python3}
WORK="$OUT/work"
mkdir -p "$WORK"
SCALE=$($PYTHON -c "print($ITERS / 10)")

{
  if [ "$DEVICE" = cuda ]; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; fi
  $PYTHON -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
} > "$OUT/device.txt" 2>&1
cat "$OUT/device.txt"

if [ -z "${BENCH:-}" ]; then
  if ! command -v dotnet > /dev/null; then
    mkdir -p /tmp/sta-dotnet && tar xJf artifacts/gpu/dotnet.tar.xz -C /tmp/sta-dotnet
    BENCH="/tmp/sta-dotnet/dotnet artifacts/gpu/bench/Sta.MLNet.Benchmarks.dll"
  else
    BENCH="dotnet artifacts/gpu/bench/Sta.MLNet.Benchmarks.dll"
  fi
fi
# TorchSharp runs on the machine's own (CUDA) libtorch: PyTorch's.
if [ "$DEVICE" = cuda ]; then
  export LD_LIBRARY_PATH=$($PYTHON -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
fi

# GPU memory sampled every 200 ms during each run: the process-wide peak, comparable across the two frameworks.
sample_memory() {
  if [ "$DEVICE" = cuda ]; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$1" 2>/dev/null &
    echo $!
  else
    echo 0
  fi
}
report_memory() { # sampler pid, file, label
  [ "$1" != 0 ] && kill "$1" 2>/dev/null && echo "  $3 | peak GPU memory used: $(sort -n "$2" | tail -n 1) MiB"
}

pytorch() { # name, extra arguments
  local name=$1; shift
  local sampler; sampler=$(sample_memory "$WORK/memory-pytorch-$name.txt")
  PYTHONUNBUFFERED=1 timeout 300 $PYTHON tests/reference/sta_reference.py bench --device "$DEVICE" --preset "$PRESET" \
    --batch 8 --iters "$ITERS" --out "$WORK/pytorch-$name.json" "$@" > "$WORK/pytorch-$name.log" 2>&1
  echo "pytorch $name: exit $?"
  report_memory "$sampler" "$WORK/memory-pytorch-$name.txt" "pytorch $name"
  grep -hE "clips_per_second|unavailable" "$WORK/pytorch-$name.log" | $PYTHON -c "
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if 'unavailable' in r:
        print(f\"  pytorch $name | {r['name']}: unavailable ({r['unavailable']})\"); continue
    peak = r['peak_gib']
    print(f\"  pytorch $name | {r['name']}: {r['clips_per_second']:.2f} clips/s\" + (f' ({peak:.1f} GiB)' if peak else ''))"
}

torchsharp() { # name, suite, environment assignments
  local name=$1 suite=$2; shift 2
  mkdir -p "$WORK/torchsharp-$name"
  local sampler; sampler=$(sample_memory "$WORK/memory-torchsharp-$name.txt")
  env STA_BENCH_DEVICE="$DEVICE" STA_BENCH_PRESET="$PRESET" STA_BENCH_BATCH=8 "$@" timeout 300 $BENCH "$suite" \
    --scale "$SCALE" --out "$WORK/torchsharp-$name" > "$WORK/torchsharp-$name.log" 2>&1
  echo "torchsharp $name: exit $?"
  report_memory "$sampler" "$WORK/memory-torchsharp-$name.txt" "torchsharp $name"
  grep -hE "^  [^ ].*(clips/s|unavailable)" "$WORK/torchsharp-$name.log" | sed "s/^  /  torchsharp $name | /"
}

{
  pytorch explicit --kernels explicit
  # The open question is the cross-attention (head dim 256); "fused" also fuses the backbone (head dim 64).
  for backend in flash efficient cudnn; do pytorch "fused-$backend" --kernels fused --sdpa-backend "$backend"; done
  torchsharp explicit-dw network STA_BENCH_KERNELS=explicit STA_BENCH_DWCONV=volumetric,channelslast,planar
  for backend in flash efficient cudnn; do
    torchsharp "fused-$backend" network STA_BENCH_KERNELS=fused STA_BENCH_SDPA="$backend"
  done
  # Our candidate best settings for inference: fused flash attention, channels-last convolutions, and a larger batch.
  torchsharp fused-flash-cl network STA_BENCH_KERNELS=fused STA_BENCH_SDPA=flash STA_BENCH_DWCONV=channelslast
  torchsharp batch32 network STA_BENCH_BATCH=32 STA_BENCH_SKIP_TRAINING=1 STA_BENCH_KERNELS=explicit,fused-backbone
  torchsharp trainer trainer
} 2>&1 | tee "$OUT/summary.txt"

tar -C "$OUT" -czf "$OUT/results.tar.gz" work && rm -rf "$WORK"
