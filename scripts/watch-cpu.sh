#!/usr/bin/env bash
# CPU time of `watch` against `serve` following the same live runs: the
# demo trains RUNS runs at once (a step every INTERVAL each), serve follows
# them and is scraped every 15 s, watch follows them in a pseudo-terminal
# of 160x50 (redrawn every second). After WARMUP seconds, both processes'
# CPU time (user + system, /proc/PID/stat) is counted for DURATION seconds.
#
#   scripts/watch-cpu.sh                      # 100 runs, a step every 100 ms each
#   RUNS=20 INTERVAL=1s scripts/watch-cpu.sh
#   SERVE_ARGS="--tail.poll --tail.poll-interval 500ms" scripts/watch-cpu.sh
set -euo pipefail
RUNS="${RUNS:-100}"
INTERVAL="${INTERVAL:-100ms}"
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-120}"
SERVE_ARGS="${SERVE_ARGS:-}" # serve's own flags, read as words
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$repo" && go build -o "$tmp/jsonl-exporter" ./cmd/jsonl-exporter)
bin="$tmp/jsonl-exporter"
mkdir -p "$tmp/runs"
"$bin" demo --demo.dir "$tmp/runs" --demo.runs "$RUNS" --demo.interval "$INTERVAL" \
	--web.listen-address 127.0.0.1:0 >/dev/null 2>&1 &
pids+=($!)
sleep 3 # the runs' first records

# serve and watch follow the same files: the folder's logs, found again
# at each discovery scan.
cat >"$tmp/serve.yml" <<YAML
inputs:
  - path: $tmp/runs/**
    logs-only: true
YAML
port=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2086
"$bin" --config.file "$tmp/serve.yml" --web.listen-address "127.0.0.1:$port" --log.level warn $SERVE_ARGS >/dev/null 2>&1 &
serve=$!
pids+=("$serve")
script -qfc "stty cols 160 rows 50; exec $bin watch $tmp/runs" /dev/null </dev/null >/dev/null 2>&1 &
pids+=($!)
watch=""
for _ in $(seq 50); do
	watch="$(pgrep -f "^$bin watch" || true)"
	[ -n "$watch" ] && break
	sleep 0.1
done
[ -n "$watch" ] || { echo "watch did not start" >&2; exit 1; }
( while sleep 15; do curl -s "http://127.0.0.1:$port/metrics" >/dev/null || true; done ) &
pids+=($!)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
sleep "$WARMUP"
s0="$(ticks "$serve")"
w0="$(ticks "$watch")"
sleep "$DURATION"
s1="$(ticks "$serve")"
w1="$(ticks "$watch")"
records="$(cat "$tmp"/runs/*/logs/metrics.jsonl 2>/dev/null | wc -l)"
awk -v s=$((s1 - s0)) -v w=$((w1 - w0)) -v hz="$hz" -v d="$DURATION" -v runs="$RUNS" -v iv="$INTERVAL" -v rec="$records" 'BEGIN {
	printf "%d runs, a step every %s each, %d records written in all; CPU over %d s:\n", runs, iv, rec, d
	printf "  serve  %6.2f s  (%5.2f %% of a core)\n", s / hz, 100 * s / hz / d
	printf "  watch  %6.2f s  (%5.2f %% of a core)\n", w / hz, 100 * w / hz / d
	if (s > 0) printf "  watch / serve = %.2f\n", w / s
}'
