#!/usr/bin/env bash
# Sourced by build/test.sh and build/stress-tests.sh: makes a .NET process that dies of a native fault (a test host
# crashing inside libtorch, OpenCV or FFmpeg) leave a small dump and a JSON crash report with every thread's managed and
# native frames, and prints the crashed thread's frames, so that a crash seen once can be diagnosed rather than rerun.
#
#   crash_report_env DIR     -> the environment variables, for `env $(crash_report_env DIR) dotnet test ...`
#   crash_report_print DIR   -> the crashed thread of every report in DIR (nothing when there is none)

crash_report_env() {
  mkdir -p "$1"
  # Absolute: a test host runs in its project's output folder, where a relative path names a folder that does not
  # exist, and createdump then writes nothing.
  local dir
  dir=$(cd "$1" && pwd)
  echo "DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpName=$dir/%e.%p.dmp"
}

crash_report_print() {
  local report
  for report in "$1"/*.crashreport.json; do
    [ -e "$report" ] || continue
    echo "crash report: $report"
    python3 - "$report" <<'PY' || true
import json, sys
payload = json.load(open(sys.argv[1])).get("payload", {})
for thread in payload.get("threads", []):
    if str(thread.get("crashed")).lower() != "true":  # the report writes "true"/"false" as strings
        continue
    exception = thread.get("managed_exception_type") or ""
    print(f"  crashed thread {thread.get('native_thread_id')} {exception}".rstrip())
    for frame in thread.get("stack_frames", [])[:40]:
        where = frame.get("method_name") or frame.get("unmanaged_name") or ""
        module = frame.get("native_module") or frame.get("filename") or ""
        print(f"    {module} {where}".rstrip())
PY
  done
}
