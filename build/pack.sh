#!/usr/bin/env bash
# Packs every package of this repository into one folder (default artifacts/packages):
#   Sta.MLNet      the library (managed code, the Debian 12 TorchSharp fix as buildTransitive targets) + .snupkg symbols
#   Sta.MLNet.Cpu  Sta.MLNet + the linux-x64 CPU natives (libtorch, OpenCV)
#   Sta.MLNet.Onnx ONNX export and ONNX Runtime scoring (ONNX Runtime's natives for every platform) + .snupkg symbols
#   Sta.MLNet.Cli  the sta tool (dotnet tool) + .snupkg symbols
# All four have the version set in Directory.Build.props.
#   bash build/pack.sh [OUTPUT_DIR] [--no-build]
# --no-build packs the Release build already made (as build/test.sh does). For release packages build from a clean
# clone with CI=true: Directory.Build.props then turns on ContinuousIntegrationBuild (paths in the binaries and symbols
# no longer depend on where the clone lies).
set -euo pipefail
cd "$(dirname "$0")/.."
output="artifacts/packages"
build_flag=()
for argument in "$@"; do
  case "$argument" in
    --no-build) build_flag=(--no-build) ;;
    *) output="$argument" ;;
  esac
done
mkdir -p "$output"
output=$(cd "$output" && pwd)
# The tool package is made from a publish of the sta tool; a fresh folder keeps files of an earlier publish out of it.
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
dotnet pack Sta.MLNet.sln -c Release "${build_flag[@]}" -o "$output" -p:PublishDir="$publish/"
echo "packages in $output:"
ls -1 "$output"
