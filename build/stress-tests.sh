#!/usr/bin/env bash
# Runs the whole test suite RUNS times (default 5) while a CPU hog keeps every core busy, and lists every failure of
# every run. A test that fails under load is a bug (docs/reliability.md); this is the check that finds them.
#
#   bash build/stress-tests.sh [RUNS]
#
# Environment: STRESS_HOG=stress-ng (default; Debian's stress-ng, installed if missing) or busy (a shell busy loop per
# core); STRESS_WORKERS (default: one per core); STRESS_OUT (default artifacts/stress) for the logs and summary. A test
# host that crashes leaves a dump and a crash report in $STRESS_OUT/dumps-RUN; the summary lists the crashed thread.
# DOTNET_TieredCompilation=0 (passed through to the test hosts) compiles every method optimised from its first call,
# which ends objects' lives earliest: lifetime bugs (docs/reliability.md, "Native handles") show in fewer runs.
# Exit status 0 only when every run passed.
set -euo pipefail
cd "$(dirname "$0")/.."
source build/crash-report.sh
runs=${1:-5}
hog=${STRESS_HOG:-stress-ng}
workers=${STRESS_WORKERS:-$(nproc)}
out=${STRESS_OUT:-artifacts/stress}
mkdir -p "$out"

if [ "$hog" = "stress-ng" ]; then
  bash build/install-prerequisites.sh stress-ng
else
  bash build/install-prerequisites.sh
fi
dotnet restore Sta.MLNet.sln
dotnet build Sta.MLNet.sln -c Release --no-restore

hog_pids=()
stop_hog() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_hog EXIT
if [ "$hog" = "stress-ng" ]; then
  stress-ng --cpu "$workers" --cpu-method matrixprod --quiet &
  hog_pids+=($!)
else
  for _ in $(seq 1 "$workers"); do
    bash -c 'while :; do :; done' &
    hog_pids+=($!)
  done
fi
echo "stress: $hog with $workers worker(s) on $(nproc) core(s); $runs run(s) of the suite; logs in $out"

summary="$out/summary.txt"
{
  echo "# stress-tests $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git rev-parse --short HEAD) hog=$hog workers=$workers cores=$(nproc)"
} >"$summary"
failed_runs=0
for run in $(seq 1 "$runs"); do
  log="$out/run-$run.log"
  start=$(date +%s)
  set +e
  dumps="$out/dumps-$run"
  env $(crash_report_env "$dumps") dotnet test Sta.MLNet.sln -c Release --no-build --blame >"$log" 2>&1
  status=$?
  set -e
  seconds=$(( $(date +%s) - start ))
  passed=$(sed -nE 's/.*Passed:[[:space:]]*([0-9]+).*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  failed=$(sed -nE 's/.*Failed:[[:space:]]*([0-9]+),.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  line="run $run: exit $status, $passed passed, $failed failed, ${seconds} s"
  echo "$line" | tee -a "$summary"
  if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    # Every failing test by name, and a test host that died (which fails the run without a "Failed" line).
    grep -E "^[[:space:]]+Failed [A-Za-z]" "$log" | sed 's/^/    /' | tee -a "$summary" || true
    grep -E "Test host process crashed|aborted|The active test run was aborted|running when the crash" "$log" | sed 's/^/    /' | tee -a "$summary" || true
    crash_report_print "$dumps" | sed 's/^/    /' | tee -a "$summary"
  fi
done
echo "stress: $((runs - failed_runs)) of $runs run(s) passed" | tee -a "$summary"
[ "$failed_runs" -eq 0 ]
