#!/usr/bin/env bash
# Load test of `sta serve` on loopback: UPLOADS concurrent uploads (default 50), a fifth of them bad files, against the
# Quickstart's tiny model, then every upload refused with 429 sent again after its Retry-After. Passes when every
# request is answered (2xx, 4xx or 429; no 5xx, no dropped connection), every upload is eventually accepted or refused
# for its content, every accepted job ends (done or failed, as its file deserves: no job lost), no upload is left on
# disk, and the server's peak RSS stays under MAX_RSS_MB. Reports the burst's request latencies and the jobs'
# latencies from acceptance to result (p50/p95), peak RSS and the counts by status.
#
#   bash build/load-test-server.sh [--uploads N] [--workers N] [--queue N] [--model FILE.zip] [--max-rss-mb N]
#
# The model defaults to quickstart-output/sta-quickstart-model.zip, made by the Quickstart when missing (about a
# minute on 2 cores). Writes artifacts/load-test/report.json and the server's log beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

uploads=50
workers=2
queue=16
model=""
max_rss_mb=1536
while [ $# -gt 0 ]; do
  case "$1" in
    --uploads) uploads=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --queue) queue=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --max-rss-mb) max_rss_mb=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

for tool in curl jq ffmpeg; do
  command -v "$tool" >/dev/null || { echo "load test: $tool is missing (bash build/install-prerequisites.sh curl jq installs it)" >&2; exit 1; }
done

out="$repo/artifacts/load-test"
mkdir -p "$out"
work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sta="$repo/src/Sta.MLNet.Cli/bin/Release/net10.0/sta.dll"
if [ ! -f "$sta" ]; then
  dotnet build src/Sta.MLNet.Cli -c Release >/dev/null
fi
if [ -z "$model" ]; then
  model="$repo/quickstart-output/sta-quickstart-model.zip"
  if [ ! -f "$model" ]; then
    echo "load test: training the Quickstart's model first"
    bash samples/run-quickstart.sh >"$out/quickstart.log" 2>&1
  fi
fi
[ -f "$model" ] || { echo "load test: model not found: $model" >&2; exit 1; }

# --- inputs: good videos of the two face photos Debian ships, and four kinds of bad file ---
astronaut="$repo/../shared/fixtures/preprocess/astronaut.png"
[ -n "${STA_SHARED_DIR:-}" ] && astronaut="$STA_SHARED_DIR/fixtures/preprocess/astronaut.png"
messi=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
encode() { # photo, output
  ffmpeg -y -v error -loop 1 -i "$1" -vf "scale=-2:360,crop=320:320,zoompan=z='1+0.002*on':d=1:s=320x320:fps=25" \
    -frames:v 40 -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$2"
}
encode "$astronaut" "$work/astronaut.mp4"
encode "$messi" "$work/messi.mp4"
head -c 4000 "$work/astronaut.mp4" >"$work/truncated.mp4"                    # looks like an MP4, does not open: failed job
ffmpeg -y -v error -f lavfi -i testsrc=size=320x240:rate=25 -frames:v 40 -c:v libx264 -pix_fmt yuv420p "$work/noface.mp4"  # no face: failed job
head -c 20000 /dev/urandom >"$work/noise.mp4"                                 # no container at all: 415
printf 'not a video at all\n' >"$work/notes.avi"                             # text with a video's name: 415

kinds=()
for i in $(seq 0 $((uploads - 1))); do
  if [ $((i % 5)) -eq 4 ]; then
    case $(((i / 5) % 4)) in 0) kinds+=(truncated) ;; 1) kinds+=(noise) ;; 2) kinds+=(noface) ;; 3) kinds+=(notes) ;; esac
  elif [ $((i % 2)) -eq 0 ]; then kinds+=(astronaut); else kinds+=(messi); fi
done
file_of() { case $1 in notes) echo "$work/notes.avi" ;; *) echo "$work/$1.mp4" ;; esac; }

# --- the server ---
mkdir -p "$work/uploads"
# The Quickstart's model sees faces aligned straight to 32 px (docs/serve.md); other models may pass --alignment-size
# through ALIGNMENT_SIZE.
dotnet "$sta" serve --model "$model" --alignment-size "${ALIGNMENT_SIZE:-32}" --urls http://127.0.0.1:0 --workers "$workers" --queue "$queue" \
  --temp-dir "$work/uploads" >"$out/server.log" 2>&1 &
server_pid=$!
address=""
for _ in $(seq 1 600); do
  address=$(sed -n 's/^listening on //p' "$out/server.log" | head -n 1)
  [ -n "$address" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "load test: the server did not start:" >&2; cat "$out/server.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$address" ] || { echo "load test: the server did not report its address" >&2; exit 1; }
echo "load test: server $address (pid $server_pid), $workers worker(s), queue $queue; $uploads uploads, model $model"

# Resident memory sampled while the test runs; the kernel's high-water mark (VmHWM) is read at the end.
( while kill -0 "$server_pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null >>"$work/rss.txt"; sleep 0.2; done ) &
sampler_pid=$!

# --- the burst: every upload at once ---
start=$(date +%s%N)
clients=()
for i in $(seq 0 $((uploads - 1))); do
  ( curl -s -o "$work/response-$i.json" -w '%{http_code} %{time_total}\n' -F "video=@$(file_of "${kinds[$i]}")" \
      "$address/api/v1/jobs" >"$work/meta-$i.txt" 2>"$work/curl-$i.err" || echo "000 0" >"$work/meta-$i.txt" ) &
  clients+=($!)
done
wait "${clients[@]}"
burst=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')

# --- every accepted job must end, as its file deserves ---
failures=()
declare -A count
ids=()
for i in $(seq 0 $((uploads - 1))); do
  read -r code seconds <"$work/meta-$i.txt"
  count[$code]=$((${count[$code]:-0} + 1))
  echo "$seconds" >>"$work/request-latency.txt"
  kind=${kinds[$i]}
  case $code in
    202) ids+=("$i:$(jq -r .id "$work/response-$i.json")") ;;
    429) ;;
    415) [[ $kind == noise || $kind == notes ]] || failures+=("upload $i ($kind) got 415") ;;
    000) failures+=("upload $i ($kind) got no answer: $(cat "$work/curl-$i.err")") ;;
    5*) failures+=("upload $i ($kind) got $code: $(cat "$work/response-$i.json")") ;;
    *) failures+=("upload $i ($kind) got unexpected $code: $(cat "$work/response-$i.json")") ;;
  esac
  if [[ $code == 202 && ($kind == noise || $kind == notes) ]]; then failures+=("upload $i ($kind) was accepted"); fi
done

# --- a polite client: every upload refused with 429 is sent again after its Retry-After, until all are in ---
retried=0
rounds=0
pending=()
for i in $(seq 0 $((uploads - 1))); do
  [ "$(cut -d' ' -f1 "$work/meta-$i.txt")" = 429 ] && pending+=("$i")
done
while [ ${#pending[@]} -gt 0 ] && [ $rounds -lt 50 ]; do
  rounds=$((rounds + 1))
  wait_s=1
  next=()
  for i in "${pending[@]}"; do
    code=$(curl -s -o "$work/retry-$i.json" -D "$work/retry-$i.headers" -w '%{http_code}' -F "video=@$(file_of "${kinds[$i]}")" "$address/api/v1/jobs" || echo 000)
    case $code in
      202) ids+=("$i:$(jq -r .id "$work/retry-$i.json")"); retried=$((retried + 1)) ;;
      429) next+=("$i")
           after=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$work/retry-$i.headers")
           [ -n "$after" ] || failures+=("a 429 came without Retry-After")
           [ -n "$after" ] && [ "$after" -gt "$wait_s" ] && wait_s=$after ;;
      415) [[ ${kinds[$i]} == noise || ${kinds[$i]} == notes ]] || failures+=("retried upload $i (${kinds[$i]}) got 415") ;;
      *) failures+=("retried upload $i (${kinds[$i]}) got $code: $(cat "$work/retry-$i.json")") ;;
    esac
  done
  pending=("${next[@]+"${next[@]}"}")
  [ ${#pending[@]} -gt 0 ] && sleep "$wait_s"
done
[ ${#pending[@]} -eq 0 ] || failures+=("${#pending[@]} upload(s) still refused after $rounds rounds of retries")

done_count=0
failed_count=0
deadline=$(($(date +%s) + 900))
for entry in "${ids[@]}"; do
  i=${entry%%:*}
  id=${entry#*:}
  while :; do
    job=$(curl -s "$address/api/v1/jobs/$id")
    status=$(echo "$job" | jq -r .status)
    [[ $status == done || $status == failed ]] && break
    if [[ $status != queued && $status != running ]]; then failures+=("job $id (${kinds[$i]}) was lost: $job"); break; fi
    [ "$(date +%s)" -lt "$deadline" ] || { failures+=("job $id (${kinds[$i]}) did not end within 15 minutes"); break; }
    sleep 0.5
  done
  case "$status:${kinds[$i]}" in
    done:astronaut | done:messi) done_count=$((done_count + 1)) ;;
    failed:truncated | failed:noface) failed_count=$((failed_count + 1)) ;;
    done:* | failed:*) failures+=("job $id (${kinds[$i]}) ended $status: $(echo "$job" | jq -c .error)") ;;
  esac
  # Server-side latency of the job: from its upload being accepted to its result.
  echo "$job" | jq -r 'select(.finished != null) | [.created, .finished] | @tsv' >>"$work/job-times.tsv"
done

leftover=$(find "$work/uploads" -type f | wc -l)
[ "$leftover" -eq 0 ] || failures+=("$leftover upload(s) left on disk after their jobs ended")

peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
kill -TERM "$server_pid"
wait "$server_pid" || failures+=("the server exited with status $? on SIGTERM")
server_pid=""
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""
[ -z "$(ls -A "$work/uploads")" ] || failures+=("the server's upload folder outlived it")

percentile() { # file, p
  sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.3f", v[i] }'
}
# Exact job latencies from the ISO timestamps (sub-second), computed with date.
: >"$work/job-latency.txt"
if [ -s "$work/job-times.tsv" ]; then
  while IFS=$'\t' read -r created finished; do
    awk -v a="$(date -d "$created" +%s.%N)" -v b="$(date -d "$finished" +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }' >>"$work/job-latency.txt"
  done <"$work/job-times.tsv"
fi
peak_rss_mb=$((peak_rss_kb / 1024))
[ "$peak_rss_mb" -le "$max_rss_mb" ] || failures+=("peak RSS ${peak_rss_mb} MiB is over the bound of ${max_rss_mb} MiB")

req_p50=$(percentile "$work/request-latency.txt" 0.5)
req_p95=$(percentile "$work/request-latency.txt" 0.95)
job_p50=$(percentile "$work/job-latency.txt" 0.5)
job_p95=$(percentile "$work/job-latency.txt" 0.95)
codes=$(for c in "${!count[@]}"; do echo "\"$c\": ${count[$c]}"; done | sort | paste -sd, -)
jq -n --argjson uploads "$uploads" --argjson workers "$workers" --argjson queue "$queue" --arg model "$model" \
  --argjson codes "{${codes}}" --argjson done "$done_count" --argjson failed "$failed_count" \
  --arg req50 "$req_p50" --arg req95 "$req_p95" --arg job50 "$job_p50" --arg job95 "$job_p95" \
  --argjson rss "$peak_rss_mb" --arg burst "$burst" --argjson problems "$(printf '%s\n' "${failures[@]+"${failures[@]}"}" | jq -R . | jq -s 'map(select(length > 0))')" \
  --argjson retried "$retried" --argjson rounds "$rounds" \
  '{uploads: $uploads, workers: $workers, queue: $queue, model: $model, status_codes: $codes, accepted_after_retry: $retried, retry_rounds: $rounds,
    jobs: {done: $done, failed: $failed}, request_latency_s: {p50: $req50, p95: $req95},
    job_latency_s: {p50: $job50, p95: $job95}, burst_s: $burst, peak_rss_mib: $rss, problems: $problems}' >"$out/report.json"

echo "load test: burst status codes {$codes}; $retried refused upload(s) accepted later after Retry-After ($rounds round(s)); jobs done $done_count, failed $failed_count (bad files)"
echo "load test: upload requests p50 ${req_p50} s, p95 ${req_p95} s; jobs (accepted to result) p50 ${job_p50} s, p95 ${job_p95} s; peak RSS ${peak_rss_mb} MiB"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'load test FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "load test: passed (report: artifacts/load-test/report.json)"
