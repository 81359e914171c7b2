#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds in Release and runs the whole test suite.
# Ends with a one-line summary "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash build/install-prerequisites.sh
dotnet restore Sta.MLNet.sln
dotnet build Sta.MLNet.sln -c Release --no-restore
log=$(mktemp)
set +e
dotnet test Sta.MLNet.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^[[:space:]]*(Passed|Failed)!" "$log" || true)
sum_field() { echo "$summary" | sed -nE "s/.*$1:[[:space:]]*([0-9]+).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
echo "$(sum_field Passed) passed, $(sum_field Failed) failed, $(sum_field Skipped) skipped"
exit "$status"
