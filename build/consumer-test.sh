#!/usr/bin/env bash
# The consumer test: this repository's packages used the way a user's app uses them.
#   1. packs every package into a local folder feed (build/pack.sh);
#   2. builds tests/Consumer, an app outside the solution that references Sta.MLNet.Cpu from that feed with
#      TreatWarningsAsErrors, once per ML.NET version (5.0.1 and 6.0.0), and runs it: photo clips -> StaTrainer (Tiny) ->
#      Transform -> Evaluate + EvaluateDetection -> Model.Save; a new process loads the model and must score identically;
#      both load the models saved under ML.NET 5.0.1 and 6.0.0 (tests/Sta.MLNet.Tests/Persistence/Formats). The app's
#      output must carry the Debian 12 fix when the host needs it, and no cpu/ folder (TorchSharp's fallback copy);
#   3. builds and runs the README's "Use it in your app" section as written there (its PackageReference lines and its
#      program, between the consumer-test markers);
#   4. installs the packed sta tool into a temporary tool path and runs sta --help and sta inspect on the fixture
#      checkpoint (../shared/fixtures or $STA_SHARED_DIR/fixtures), and starts sta serve with the repository's reference
#      model on a free loopback port (its /readyz and its page must answer, SIGTERM must stop it);
#   5. exports the app's models to ONNX with that tool and scores them in tests/ConsumerOnnx, an app that references
#      Sta.MLNet.Onnx without Sta.MLNet.Cpu (ONNX Runtime's natives from the package, libtorch never loaded).
# Our packages never reach the machine's NuGet cache: restores use a temporary packages folder and read everything
# else from the machine's cache (as a read-only fallback folder) or the package sources already configured here.
#   bash build/consumer-test.sh [--no-build]    (--no-build: pack the Release build that exists, as build/test.sh does)
# Ends with "consumer test: N passed, N failed". STA_CONSUMER_TEST_KEEP=1 keeps the work folder (apps, logs, models).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
pack_flags=()
if [ "${1:-}" = "--no-build" ]; then pack_flags=(--no-build); fi

mlnet_versions=(5.0.1 6.0.0)
version=$(dotnet msbuild src/Sta.MLNet/Sta.MLNet.csproj -getProperty:Version)
machine_cache=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')
shared="${STA_SHARED_DIR:-$repo/../shared}"
checkpoint="$shared/fixtures/sta/tiny_official.pth"
work=$(mktemp -d "${TMPDIR:-/tmp}/sta-consumer.XXXXXX")
if [ "${STA_CONSUMER_TEST_KEEP:-}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
feed="$work/feed"

passed=0
failed=0
results=()
pass() { passed=$((passed + 1)); results+=("PASS  $1"); echo "consumer test: PASS $1"; }
fail() { failed=$((failed + 1)); results+=("FAIL  $1"); echo "consumer test: FAIL $1"; }
# Runs a command with its output in a log file, shown when it fails; true when it succeeded.
logged() {
  local log=$1; shift
  if "$@" >"$log" 2>&1; then return 0; fi
  tail -n 60 "$log"
  return 1
}

# One torch thread: the machines are small and shared (docs/design.md, "Runtime"), and scores stay comparable across runs.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# Every restore below puts packages in the temporary folder; the machine's cache is only read.
export NUGET_PACKAGES="$work/packages"
cat >"$work/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="sta-local-feed" value="$feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="machine-cache" value="$machine_cache" />
  </fallbackPackageFolders>
</configuration>
XML

host_needs_fix=true
for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
  if [ -e "$lib" ]; then
    if grep -q GLIBCXX_3.4.32 "$lib"; then host_needs_fix=false; fi
    break
  fi
done
echo "consumer test: packages $version, ML.NET ${mlnet_versions[*]}, host libstdc++ lacks GLIBCXX_3.4.32: $host_needs_fix, work folder $work"

# The Debian 12 fix in an app's output folder ($1, build log $2): applied where the host needs it, and no cpu/ folder.
check_natives() {
  local name=$1 output=$2 log=$3
  local bridge="$output/runtimes/linux-x64/native/libLibTorchSharp.so"
  if [ "$host_needs_fix" = true ]; then
    if grep -q "Marked GLIBCXX_3.4.32 as a weak version requirement" "$log"; then
      echo "consumer test: $name: $(grep -m1 "Marked GLIBCXX_3.4.32" "$log" | sed -E 's/^[[:space:]]+//')"
      if command -v readelf >/dev/null; then
        echo "consumer test: $name: readelf -V: $(readelf -V "$bridge" | grep -m1 "Name: GLIBCXX_3.4.32" | sed -E 's/^[[:space:]]+//')"
      fi
      pass "$name: native fix applied in the app's output"
    else
      fail "$name: the build log does not show the native fix for $bridge"
    fi
  fi
  local fallback
  fallback=$(find "$output" -type d -name cpu | head -n 1)
  if [ -z "$fallback" ]; then
    echo "consumer test: $name: no cpu/ folder under $output ($(du -sh "$output" | cut -f1) in all)"
    pass "$name: no TorchSharp fallback copy in the app's output"
  else
    fail "$name: TorchSharp copied its natives into $fallback"
  fi
}

# 1. The packages, in a folder feed.
if logged "$work/pack.log" bash build/pack.sh "$feed" "${pack_flags[@]}"; then
  pass "packed: $(cd "$feed" && ls -1 | tr '\n' ' ')"
else
  fail "bash build/pack.sh"
  echo "consumer test: $passed passed, $failed failed"
  exit 1
fi

# 2. The consumer app under each ML.NET version.
for mlnet in "${mlnet_versions[@]}"; do
  app="$work/consumer-$mlnet"
  mkdir -p "$app"
  cp tests/Consumer/Consumer.csproj tests/Consumer/*.cs "$app/"
  cp "$work/NuGet.config" "$app/"
  build_log="$app/build.log"
  if ! logged "$build_log" dotnet build "$app" -c Release -p:StaPackageVersion="$version" -p:MLNetVersion="$mlnet"; then
    fail "consumer app, ML.NET $mlnet: build with TreatWarningsAsErrors"
    continue
  fi
  pass "consumer app, ML.NET $mlnet: restored Sta.MLNet.Cpu $version from the feed and built with TreatWarningsAsErrors"
  output="$app/bin/Release/net10.0"
  run_app() { (cd "$app" && dotnet "$output/Consumer.dll" "$@"); }
  if logged "$app/fit.log" run_app fit "$app/run"; then
    cat "$app/fit.log"
    pass "consumer app, ML.NET $mlnet: fit, evaluate, save"
    if logged "$app/score.log" run_app score "$app/run"; then
      cat "$app/score.log"
      pass "consumer app, ML.NET $mlnet: load in a new process, identical scores"
    else
      fail "consumer app, ML.NET $mlnet: load in a new process"
    fi
  else
    fail "consumer app, ML.NET $mlnet: fit, evaluate, save"
  fi
  if logged "$app/reference.log" run_app reference "$repo/tests/Sta.MLNet.Tests/Persistence/Formats/mlnet-versions.json"; then
    cat "$app/reference.log"
    pass "consumer app, ML.NET $mlnet: models saved under ML.NET ${mlnet_versions[*]} load and score as recorded"
  else
    fail "consumer app, ML.NET $mlnet: models saved under other ML.NET versions"
  fi
  check_natives "consumer app, ML.NET $mlnet" "$output" "$build_log"
done

# 3. The README's "Use it in your app", exactly as written there.
readme_app="$work/readme-app"
mkdir -p "$readme_app"
cp "$work/NuGet.config" "$readme_app/"
# The lines strictly between "<!-- consumer-test:NAME -->" and the next code fence's end, without the fences.
readme_block() {
  awk -v marker="<!-- consumer-test:$1 -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' README.md
}
references=$(readme_block package-references)
program=$(readme_block program)
if [ -z "$references" ] || [ -z "$program" ]; then
  fail "README: the consumer-test:package-references and consumer-test:program blocks were not found"
else
  cat >"$readme_app/ReadmeApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
$references
</Project>
XML
  printf '%s\n' "$program" >"$readme_app/Program.cs"
  if ! grep -q "Include=\"Sta.MLNet.Cpu\" Version=\"$version\"" "$readme_app/ReadmeApp.csproj"; then
    fail "README: the PackageReference to Sta.MLNet.Cpu does not name the version $version (Directory.Build.props)"
  elif logged "$readme_app/build.log" dotnet build "$readme_app" -c Release; then
    pass "README app: the section's PackageReference lines and program build with TreatWarningsAsErrors"
    if logged "$readme_app/run.log" bash -c "cd '$readme_app' && dotnet bin/Release/net10.0/ReadmeApp.dll"; then
      sed 's/^/README app: /' "$readme_app/run.log"
      pass "README app: runs to the end"
    else
      fail "README app: run"
    fi
    check_natives "README app" "$readme_app/bin/Release/net10.0" "$readme_app/build.log"
  else
    fail "README app: build with TreatWarningsAsErrors"
  fi
fi

# 4. The sta tool from its package.
tools="$work/tools"
if logged "$work/tool-install.log" bash -c "cd '$work' && dotnet tool install Sta.MLNet.Cli --version '$version' --tool-path '$tools' --add-source '$feed'"; then
  pass "sta tool: installed from the feed into a temporary tool path"
  if logged "$work/sta-help.log" "$tools/sta" --help && grep -q "inspect" "$work/sta-help.log"; then
    pass "sta tool: sta --help"
  else
    fail "sta tool: sta --help"
  fi
  if logged "$work/sta-inspect.log" "$tools/sta" inspect "$checkpoint"; then
    sed 's/^/sta inspect: /' "$work/sta-inspect.log" | head -n 8
    pass "sta tool: sta inspect on $(basename "$checkpoint")"
  else
    fail "sta tool: sta inspect $checkpoint"
  fi
  # sta serve from the package: the service assembly, the ASP.NET Core framework and the embedded page must all be there.
  # It serves the repository's reference model (a Tiny detection stage saved by ML.NET 6.0.0); SIGTERM must stop it cleanly.
  serve_model="$repo/tests/Sta.MLNet.Tests/Persistence/Formats/sta-detection-mlnet-6.0.0.zip"
  serve_log="$work/sta-serve.log"
  "$tools/sta" serve --model "$serve_model" --urls http://127.0.0.1:0 >"$serve_log" 2>&1 &
  serve_pid=$!
  address=""
  # Waits on the server's own line, not on a time; the count only turns a hang into a failure (10 minutes).
  for _ in $(seq 1 1200); do
    address=$(sed -nE 's/^listening on (http:\/\/[^ ]+)$/\1/p' "$serve_log" | head -n 1)
    if [ -n "$address" ] || ! kill -0 "$serve_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  serving=false
  if [ -n "$address" ] && curl -fsS "$address/readyz" | grep -q '"ready"' \
      && curl -fsS "$address/" | grep -q 'assets/app.js' && curl -fsS -o /dev/null "$address/assets/app.js"; then
    serving=true
  fi
  kill -TERM "$serve_pid" 2>/dev/null || true
  serve_status=0
  wait "$serve_pid" || serve_status=$?
  if [ "$serving" = true ] && [ "$serve_status" -eq 0 ] && grep -q '^stopped\.$' "$serve_log"; then
    pass "sta tool: sta serve answered /readyz, served its page and stopped on SIGTERM ($(basename "$serve_model"))"
  else
    tail -n 40 "$serve_log"
    fail "sta tool: sta serve --model $(basename "$serve_model") (serving: $serving, exit status after SIGTERM: $serve_status)"
  fi
  fallback=$(find "$tools" -type d -name cpu | head -n 1)
  if [ -z "$fallback" ]; then pass "sta tool: no TorchSharp fallback copy"; else fail "sta tool: TorchSharp copied its natives into $fallback"; fi
else
  fail "sta tool: dotnet tool install"
fi

# 5. ONNX: the sta tool exports each consumer app's model (float32 and int8); an app with Sta.MLNet.Onnx alone (no
#    Sta.MLNet.Cpu, so no libtorch natives) scores the app's test clips with them under the same ML.NET version.
for mlnet in "${mlnet_versions[@]}"; do
  run="$work/consumer-$mlnet/run"
  if [ ! -f "$run/model.zip" ] || [ ! -x "$tools/sta" ]; then
    fail "ONNX, ML.NET $mlnet: no consumer model or no sta tool to export it with"
    continue
  fi
  if logged "$work/sta-export-$mlnet.log" "$tools/sta" export "$run/model.zip" --onnx "$run/model.onnx" &&
     logged "$work/sta-export-int8-$mlnet.log" "$tools/sta" export "$run/model.zip" --onnx "$run/model-int8.onnx" --int8; then
    sed 's/^/sta export: /' "$work/sta-export-$mlnet.log" "$work/sta-export-int8-$mlnet.log"
    pass "sta tool: sta export --onnx [--int8] of the ML.NET $mlnet consumer model"
  else
    fail "sta tool: sta export of the ML.NET $mlnet consumer model"
    continue
  fi
  app="$work/consumer-onnx-$mlnet"
  mkdir -p "$app"
  cp tests/ConsumerOnnx/ConsumerOnnx.csproj tests/ConsumerOnnx/*.cs "$work/NuGet.config" "$app/"
  if ! logged "$app/build.log" dotnet build "$app" -c Release -p:StaPackageVersion="$version" -p:MLNetVersion="$mlnet"; then
    fail "ONNX app, ML.NET $mlnet: build with TreatWarningsAsErrors"
    continue
  fi
  pass "ONNX app, ML.NET $mlnet: restored Sta.MLNet.Onnx $version from the feed (without Sta.MLNet.Cpu) and built with TreatWarningsAsErrors"
  if logged "$app/score.log" bash -c "cd '$app' && dotnet bin/Release/net10.0/ConsumerOnnx.dll score '$run'"; then
    cat "$app/score.log"
    pass "ONNX app, ML.NET $mlnet: exported models score like the TorchSharp model, without libtorch"
  else
    fail "ONNX app, ML.NET $mlnet: score"
  fi
  # Every platform's natives make the output ~650 MB; the machines are shared and the work folder lives until the end.
  if [ "${STA_CONSUMER_TEST_KEEP:-}" != 1 ]; then rm -rf "$app/bin" "$app/obj"; fi
done

echo "consumer test summary ($SECONDS s):"
printf '  %s\n' "${results[@]}"
echo "consumer test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
