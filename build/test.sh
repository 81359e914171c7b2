#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds in Release, runs the whole test suite, the scoring service's
# load test (build/load-test-server.sh, counted as one test), then the consumer test (build/consumer-test.sh: the
# packages in a separate app, under ML.NET 5.0.1 and 6.0.0, the README's program and the sta tool). Tests run in blame
# mode, so a test host that dies names the test it was running. Ends with a one-line summary
# "N passed, N failed, N skipped" that counts all three.
set -euo pipefail
cd "$(dirname "$0")/.."
source build/crash-report.sh
bash build/install-prerequisites.sh
dotnet restore Sta.MLNet.sln
dotnet build Sta.MLNet.sln -c Release --no-restore
log=$(mktemp)
consumer_log=$(mktemp)
trap 'rm -f "$log" "$consumer_log"' EXIT
set +e
# A test host that dies of a native fault leaves a dump and a crash report there; its crashed thread is printed below.
dumps=artifacts/test-crashes
rm -rf "$dumps"
env $(crash_report_env "$dumps") dotnet test Sta.MLNet.sln -c Release --no-build --blame 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
crash_report_print "$dumps"
bash build/load-test-server.sh
load_status=$?
bash build/consumer-test.sh --no-build 2>&1 | tee "$consumer_log"
consumer_status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^[[:space:]]*(Passed|Failed)!" "$log" || true)
sum_field() { echo "$summary" | sed -nE "s/.*$1:[[:space:]]*([0-9]+).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
consumer_field() { sed -nE "s/^consumer test: ([0-9]+) passed, ([0-9]+) failed$/\\$1/p" "$consumer_log" | tail -n 1; }
if [ "$load_status" -eq 0 ]; then load_passed=1; load_failed=0; else load_passed=0; load_failed=1; fi
consumer_passed=$(consumer_field 1)
consumer_failed=$(consumer_field 2)
# A consumer test that ended before its summary line counts as one failure.
if [ -z "$consumer_passed" ]; then consumer_passed=0; consumer_failed=1; fi
if [ "$consumer_status" -ne 0 ] && [ "$consumer_failed" -eq 0 ]; then consumer_failed=1; fi
echo "test suite: $(sum_field Passed) passed, $(sum_field Failed) failed, $(sum_field Skipped) skipped; load test: $([ "$load_status" -eq 0 ] && echo passed || echo failed); consumer test: $consumer_passed passed, $consumer_failed failed"
echo "$(( $(sum_field Passed) + load_passed + consumer_passed )) passed, $(( $(sum_field Failed) + load_failed + consumer_failed )) failed, $(sum_field Skipped) skipped"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$load_status" -ne 0 ]; then exit "$load_status"; fi
exit "$consumer_status"
