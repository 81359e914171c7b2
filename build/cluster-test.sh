#!/usr/bin/env bash
# Cluster test of `sta cluster`: a real Redis on loopback, three `sta cluster silo` processes (two workers each), one
# corpus of encoded face videos in real/ and fake/ plus bad files, and one silo killed with SIGKILL while the job runs.
# Passes when the job still gives every video exactly one result (none missing, no path twice), the bad files are
# error results, the killed silo's leases were taken over (retried leases > 0), each video's P(fake) equals what
# `sta score` gives on one machine (same model and settings) within 1e-5, the CSV rows match `sta score --csv`, and
# running the same `sta cluster score` command again attaches to the finished job and writes the same files.
#
#   bash build/cluster-test.sh [--kill worker|host] [--videos N] [--model FILE.zip] [--lease-seconds N]
#
# --kill worker (default) kills a silo that has been scoring and does not host the job's grain; --kill host kills the
# silo that hosts the job (the job then comes back on another silo from Redis).
#
# Builds nothing: it runs the Release build (dotnet build Sta.MLNet.sln -c Release). The model defaults to
# quickstart-output/sta-quickstart-model.zip, made by the Quickstart when missing (about a minute on 2 cores). Needs
# redis-server, ffmpeg, jq and python3 (build/install-prerequisites.sh). Everything listens on 127.0.0.1 only. Writes
# artifacts/cluster-test/report.json, the logs and the result files beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

kill_mode=worker
videos=36
model=""
lease_seconds=15
while [ $# -gt 0 ]; do
  case "$1" in
    --kill) kill_mode=$2; shift 2 ;;
    --videos) videos=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --lease-seconds) lease_seconds=$2; shift 2 ;;
    *) echo "cluster test: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $kill_mode == worker || $kill_mode == host ]] || { echo "cluster test: --kill is worker or host" >&2; exit 2; }

for tool in redis-server ffmpeg jq python3; do
  command -v "$tool" >/dev/null || { echo "cluster test: $tool is missing (bash build/install-prerequisites.sh installs it)" >&2; exit 1; }
done
sta_dll="$repo/src/Sta.MLNet.Cli/bin/Release/net10.0/sta.dll"
[ -f "$sta_dll" ] || { echo "cluster test: $sta_dll not found; build first: dotnet build Sta.MLNet.sln -c Release" >&2; exit 1; }
cores=$(nproc) # before OMP_NUM_THREADS, which nproc reports instead of the machine's cores
# One libtorch thread per process: three silos and a client share this machine's cores.
export OMP_NUM_THREADS=1
# An array, not a function: a function sent to the background runs in a forked shell, and $! would then be that
# shell's process id rather than the silo's, so SIGKILL would miss the silo.
sta=(dotnet "$sta_dll")

out="$repo/artifacts/cluster-test"
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
redis_pid=""
score_pid=""
silo_pids=()
cleanup() {
  [ -n "$score_pid" ] && kill "$score_pid" 2>/dev/null || true
  for pid in "${silo_pids[@]+"${silo_pids[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${silo_pids[@]+"${silo_pids[@]}"}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ -z "$model" ]; then
  model="$repo/quickstart-output/sta-quickstart-model.zip"
  if [ ! -f "$model" ]; then
    echo "cluster test: training the Quickstart's model first"
    bash samples/run-quickstart.sh >"$out/quickstart.log" 2>&1
  fi
fi
[ -f "$model" ] || { echo "cluster test: model not found: $model" >&2; exit 1; }
# The Quickstart's model sees faces aligned straight to 32 px; both scorers get the same settings.
model_args=(--model "$model" --alignment-size "${ALIGNMENT_SIZE:-32}")

# --- the corpus: face videos that differ (two photos, zoom speed, mirroring, crop), half in real/, half in fake/ ---
t0=$(now)
corpus="$work/corpus"
mkdir -p "$corpus/real" "$corpus/fake"
astronaut="$repo/../shared/fixtures/preprocess/astronaut.png"
[ -n "${STA_SHARED_DIR:-}" ] && astronaut="$STA_SHARED_DIR/fixtures/preprocess/astronaut.png"
messi=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
for photo in "$astronaut" "$messi"; do [ -f "$photo" ] || { echo "cluster test: photo not found: $photo" >&2; exit 1; }; done
for i in $(seq 0 $((videos - 1))); do
  if [ $((i % 2)) -eq 0 ]; then photo=$astronaut; else photo=$messi; fi
  if [ $((i % 4)) -lt 2 ]; then folder=real; else folder=fake; fi
  flip=""; [ $(((i / 4) % 2)) -eq 1 ] && flip="hflip,"
  zoom=$(awk -v i="$i" 'BEGIN { printf "%.4f", 0.001 + 0.0005 * (i % 7) }')
  ffmpeg -y -v error -loop 1 -i "$photo" \
    -vf "${flip}scale=-2:$((360 + 8 * (i % 5))),crop=320:320,zoompan=z='1+${zoom}*on':d=1:s=320x320:fps=25" \
    -frames:v 40 -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$corpus/$folder/video-$(printf %02d "$i").mp4"
done
# Bad files, each of which must end as an error result: cut before its index, random bytes, text, no face at all.
head -c 4000 "$corpus/real/video-00.mp4" >"$corpus/fake/truncated.mp4"
head -c 20000 /dev/urandom >"$corpus/real/garbage.mp4"
printf 'not a video at all\n' >"$corpus/fake/notes.avi"
ffmpeg -y -v error -f lavfi -i testsrc=size=320x240:rate=25 -frames:v 40 -c:v libx264 -pix_fmt yuv420p "$corpus/real/noface.mp4"
bad_files=("$corpus/fake/truncated.mp4" "$corpus/real/garbage.mp4" "$corpus/fake/notes.avi" "$corpus/real/noface.mp4")
total=$((videos + ${#bad_files[@]}))
corpus_s=$(since "$t0")
echo "cluster test: corpus of $videos face videos and ${#bad_files[@]} bad files in ${corpus_s} s; model $model"

# --- Redis on loopback, nothing kept on disk ---
redis_port=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" >"$out/redis.log" 2>&1 &
redis_pid=$!
store="redis://127.0.0.1:$redis_port"
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
  kill -0 "$redis_pid" 2>/dev/null || { echo "cluster test: redis-server did not start:" >&2; cat "$out/redis.log" >&2; exit 1; }
  sleep 0.1
done

# --- three silos, two workers each ---
t0=$(now)
for n in 1 2 3; do
  "${sta[@]}" cluster silo --store "$store" "${model_args[@]}" --workers 2 --videos-per-lease 2 --name "silo-$n" >"$out/silo-$n.log" 2>&1 &
  silo_pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 1 600); do
    grep -q "^silo silo-$n up:" "$out/silo-$n.log" && break
    kill -0 "${silo_pids[$((n - 1))]}" 2>/dev/null || { echo "cluster test: silo-$n did not start:" >&2; cat "$out/silo-$n.log" >&2; exit 1; }
    sleep 0.2
  done
  grep -q "^silo silo-$n up:" "$out/silo-$n.log" || { echo "cluster test: silo-$n did not report that it is up" >&2; exit 1; }
done
silos_s=$(since "$t0")
echo "cluster test: 3 silos up in ${silos_s} s on $store"

# --- the job, followed in the background ---
score_args=(cluster score "$corpus" --store "$store" --json "$out/cluster.json" --csv "$out/cluster.csv" --lease-seconds "$lease_seconds")
t_job=$(now)
"${sta[@]}" "${score_args[@]}" >"$out/score.out" 2>"$out/score.err" &
score_pid=$!

# Wait for results to exist and for a silo to kill (chosen from what the cluster reports, not after a fixed sleep).
victim=""
status_json="{}"
for _ in $(seq 1 600); do
  kill -0 "$score_pid" 2>/dev/null || break
  if status_json=$("${sta[@]}" cluster status --store "$store" --json 2>>"$out/status.err"); then
    victim=$(echo "$status_json" | jq -r --arg mode "$kill_mode" '
      (.jobs | map(select(.state == "running" and .done >= 4 and .leased > 0 and .hosted_by != null)) | first) as $job
      | if $job == null then empty
        elif $mode == "host" then $job.hosted_by
        else ($job.results_by_silo | to_entries | map(select(.key != $job.hosted_by and .key != "" and .value > 0)) | first | .key // empty) end')
    [ -n "$victim" ] && break
  fi
  sleep 0.5
done
[ -n "$victim" ] || { echo "cluster test: no running job with results and a silo to kill was seen:" >&2; echo "$status_json" >&2; cat "$out/score.err" >&2; exit 1; }
echo "$status_json" >"$out/status-before-kill.json"
victim_index=$((${victim#silo-} - 1))
done_at_kill=$(echo "$status_json" | jq '.jobs[0].done')
leased_at_kill=$(echo "$status_json" | jq '.jobs[0].leased')
host_at_kill=$(echo "$status_json" | jq -r '.jobs[0].hosted_by')
kill -KILL "${silo_pids[$victim_index]}"
t_kill=$(now)
killed_after_s=$(awk -v a="$t_job" -v b="$t_kill" 'BEGIN { printf "%.1f", b - a }')
echo "cluster test: SIGKILL to $victim ($kill_mode; the job is hosted by $host_at_kill) at $done_at_kill/$total done, $leased_at_kill leased, ${killed_after_s} s into the job"

# --- the job must finish without the killed silo ---
deadline=$(($(date +%s) + 900))
while kill -0 "$score_pid" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster test: the job did not finish within 15 minutes" >&2; exit 1; }
  sleep 0.5
done
score_rc=0
wait "$score_pid" || score_rc=$?
score_pid=""
job_s=$(since "$t_job")
after_kill_s=$(since "$t_kill")
echo "cluster test: sta cluster score exited $score_rc after ${job_s} s (${after_kill_s} s after the kill)"
"${sta[@]}" cluster status --store "$store" --json >"$out/status-after.json" 2>>"$out/status.err" || true

# --- the same command again: attaches to the finished job, writes the same files ---
t0=$(now)
rerun_rc=0
"${sta[@]}" cluster score "$corpus" --store "$store" --json "$out/rerun.json" --csv "$out/rerun.csv" --lease-seconds "$lease_seconds" \
  >"$out/rerun.out" 2>"$out/rerun.err" || rerun_rc=$?
rerun_s=$(since "$t0")

# --- the reference: sta score on one machine, same model and settings (silos stopped first: the cores are free) ---
for pid in "${silo_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
stopped_cleanly=0
for pid in "${silo_pids[@]}"; do
  if [ "$pid" = "${silo_pids[$victim_index]}" ]; then wait "$pid" 2>/dev/null || true; continue; fi
  if wait "$pid"; then stopped_cleanly=$((stopped_cleanly + 1)); fi
done
silo_pids=()
t0=$(now)
local_rc=0
"${sta[@]}" score "$corpus" "${model_args[@]}" --workers 2 --json "$out/local.json" --csv "$out/local.csv" >"$out/local.out" 2>"$out/local.err" || local_rc=$?
local_s=$(since "$t0")

# --- checks ---
failures=()
[ "$score_rc" -eq 0 ] || failures+=("sta cluster score exited $score_rc (see score.err)")
[ "$rerun_rc" -eq 0 ] || failures+=("the rerun exited $rerun_rc (see rerun.err)")
[ "$local_rc" -eq 0 ] || failures+=("sta score exited $local_rc (see local.err)")
grep -q "attached to the finished job" "$out/rerun.err" || failures+=("the rerun did not say it attached to the finished job")
grep -q "submitted, $total video(s)" "$out/score.err" || failures+=("the first run did not submit a job of $total videos")
[ "$stopped_cleanly" -eq 2 ] || failures+=("$stopped_cleanly of 2 surviving silos exited 0 on SIGTERM")
retries=$(sed -n 's/.* \([0-9][0-9]*\) retried lease(s).*/\1/p' "$out/score.err" | tail -n 1)
[ -n "$retries" ] && [ "$retries" -gt 0 ] || failures+=("no lease was retried (${retries:-?}): the killed silo's videos were not taken over")
cmp -s "$out/cluster.csv" "$out/rerun.csv" || failures+=("the rerun's CSV differs from the first run's")
cmp -s "$out/cluster.json" "$out/rerun.json" || failures+=("the rerun's JSON differs from the first run's")
printf '%s\n' "${bad_files[@]}" >"$work/bad.txt"
find "$corpus" -type f \( -name '*.mp4' -o -name '*.avi' \) | sort >"$work/files.txt"
comparison=$(python3 - "$out/cluster.json" "$out/local.json" "$out/cluster.csv" "$out/local.csv" "$work/files.txt" "$work/bad.txt" <<'PY'
import csv, json, sys
cluster, local = (json.load(open(p)) for p in sys.argv[1:3])
cluster_rows, local_rows = (list(csv.reader(open(p, newline=""))) for p in sys.argv[3:5])
files = [l.strip() for l in open(sys.argv[5]) if l.strip()]
bad = {l.strip() for l in open(sys.argv[6]) if l.strip()}
problems = []
paths = [v["path"] for v in cluster["videos"]]
if len(paths) != len(set(paths)): problems.append(f"{len(paths) - len(set(paths))} path(s) have more than one result")
missing = sorted(set(files) - set(paths))
if missing: problems.append(f"{len(missing)} video(s) have no result, e.g. {missing[0]}")
extra = sorted(set(paths) - set(files))
if extra: problems.append(f"{len(extra)} result(s) for files not in the corpus, e.g. {extra[0]}")
by_path = {v["path"]: v for v in local["videos"]}
worst = 0.0
for v in cluster["videos"]:
    if v["path"] in bad:
        if v["status"] != "error": problems.append(f"bad file {v['path']} has status {v['status']}")
        continue
    if v["status"] != "ok": problems.append(f"{v['path']} failed in the cluster: {v['error']}")
    mine = by_path.get(v["path"])
    if mine is None: problems.append(f"{v['path']} is not in sta score's results"); continue
    if mine["status"] != v["status"]: problems.append(f"{v['path']}: {v['status']} in the cluster, {mine['status']} in sta score")
    if v["probability"] is not None and mine["probability"] is not None:
        worst = max(worst, abs(v["probability"] - mine["probability"]))
if worst > 1e-5: problems.append(f"P(fake) differs from sta score's by up to {worst:.3g} (> 1e-5)")
if [v["path"] for v in local["videos"]] != paths: problems.append("the videos are not in sta score's order")
# CSV: the same rows in the same order; numbers within 1e-5, every other field equal.
numeric = {"video_probability", "video_score", "clip_probability", "clip_score"}
if cluster_rows[0] != local_rows[0]: problems.append("the CSV headers differ")
elif len(cluster_rows) != len(local_rows): problems.append(f"the CSVs have {len(cluster_rows)} and {len(local_rows)} rows")
else:
    header = cluster_rows[0]
    for n, (a, b) in enumerate(zip(cluster_rows[1:], local_rows[1:]), start=2):
        for name, x, y in zip(header, a, b):
            same = (x == y) if name not in numeric or not x or not y else abs(float(x) - float(y)) <= 1e-5 * max(1.0, abs(float(y)))
            if not same: problems.append(f"CSV row {n}, {name}: {x} vs {y}"); break
        if len(problems) > 20: break
identical = open(sys.argv[3], "rb").read() == open(sys.argv[4], "rb").read()
summary = {"videos": len(paths), "ok": sum(v["status"] == "ok" for v in cluster["videos"]), "errors": sum(v["status"] == "error" for v in cluster["videos"]),
           "max_probability_difference": worst, "csv_byte_identical": identical, "problems": problems}
print(json.dumps(summary))
PY
) || { failures+=("the comparison script failed"); comparison='{"problems": []}'; }
while IFS= read -r problem; do [ -n "$problem" ] && failures+=("$problem"); done < <(echo "$comparison" | jq -r '.problems[]')
by_silo=$(grep -o 'results by silo: .*' "$out/score.err" | tail -n 1 | sed 's/^results by silo: //; s/\.$//')

jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kill "$kill_mode" --arg victim "$victim" --arg host "$host_at_kill" \
  --argjson total "$total" --argjson done_at_kill "$done_at_kill" --argjson leased_at_kill "$leased_at_kill" \
  --arg corpus_s "$corpus_s" --arg silos_s "$silos_s" --arg job_s "$job_s" --arg killed_after_s "$killed_after_s" --arg after_kill_s "$after_kill_s" \
  --arg rerun_s "$rerun_s" --arg local_s "$local_s" --arg retries "${retries:-}" --arg by_silo "$by_silo" --argjson comparison "$comparison" \
  --argjson failures "$(printf '%s\n' "${failures[@]+"${failures[@]}"}" | jq -R . | jq -s 'map(select(length > 0))')" \
  --arg lease "$lease_seconds" --arg cores "$cores" \
  '{date: $date, cores: ($cores | tonumber), kill: $kill, killed_silo: $victim, job_hosted_by_at_kill: $host, videos: $total,
    done_at_kill: $done_at_kill, leased_at_kill: $leased_at_kill, lease_seconds: ($lease | tonumber), retried_leases: $retries, results_by_silo: $by_silo,
    seconds: {corpus: $corpus_s, silos_up: $silos_s, job: $job_s, kill_into_job: $killed_after_s, kill_to_finish: $after_kill_s, rerun: $rerun_s, sta_score: $local_s},
    comparison: $comparison, failures: $failures, passed: ($failures | length == 0)}' >"$out/report.json"

echo "cluster test: $(echo "$comparison" | jq -r '"\(.videos) results (\(.ok) ok, \(.errors) errors) for '"$total"' files; P(fake) within \(.max_probability_difference) of sta score; CSV byte-identical: \(.csv_byte_identical)"')"
echo "cluster test: ${retries:-?} retried lease(s); results by silo: $by_silo; rerun attached in ${rerun_s} s; sta score on one machine ${local_s} s"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'cluster test: FAIL: %s\n' "${failures[@]}" >&2
  echo "cluster test: FAIL (report: artifacts/cluster-test/report.json)"
  exit 1
fi
echo "cluster test: PASS (kill $kill_mode: $victim; report: artifacts/cluster-test/report.json)"
