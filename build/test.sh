#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds in Release, runs the whole test suite and the scoring
# service's load test (build/load-test-server.sh, counted as one test). Ends with a one-line summary
# "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash build/install-prerequisites.sh
dotnet restore Sta.MLNet.sln
dotnet build Sta.MLNet.sln -c Release --no-restore
log=$(mktemp)
set +e
dotnet test Sta.MLNet.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
bash build/load-test-server.sh
load_status=$?
set -e
summary=$(grep -E "^[[:space:]]*(Passed|Failed)!" "$log" || true)
sum_field() { echo "$summary" | sed -nE "s/.*$1:[[:space:]]*([0-9]+).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
passed=$(sum_field Passed)
failed=$(sum_field Failed)
if [ "$load_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "$passed passed, $failed failed, $(sum_field Skipped) skipped"
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$load_status"
