#!/usr/bin/env bash
# compare.sh [RECORDS]: throughput of jsonl-exporter against Google's mtail,
# encoding/json into a map, and `wc -l` as the floor, on one generated log
# (issue 5). Prints a table; exits non-zero if any step fails. The targets of
# the issue are printed but a miss is not a failure: numbers depend on the
# machine. See scripts/README.md.
set -euo pipefail
export LC_ALL=C # a dot in $EPOCHREALTIME and in awk's numbers

records=${1:-1000000}
if [[ ! $records =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [RECORDS]   (a positive number, default 1000000)" >&2
	exit 2
fi
runs=${RUNS:-5} # every tool runs this many times; the table shows the median
if [[ ! $runs =~ ^[1-9][0-9]*$ ]]; then
	echo "compare.sh: RUNS must be a positive number, not '$runs'" >&2
	exit 2
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
progs=$repo/scripts/compare
mtail=${MTAIL:-mtail}

die() {
	echo "compare.sh: $*" >&2
	exit 1
}

ensure_mtail() {
	command -v "$mtail" >/dev/null && return
	if [[ $mtail == mtail && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "mtail not found: installing the Debian package" >&2
		if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mtail; } >&2; then
			die "apt-get install mtail failed"
		fi
		return
	fi
	die "mtail not found. Install it (Debian/Ubuntu: sudo apt-get install mtail) or set MTAIL=/path/to/mtail"
}

command -v go >/dev/null || die "go not found in PATH"
ensure_mtail

work=$(mktemp -d "${TMPDIR:-/tmp}/jsonl-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT

# median: the median of the numbers on stdin, one a line, then the lowest
# and the highest ("median min max").
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.6f %.6f %.6f\n", m, v[1], v[NR]
	}'
}

# seconds CMD...: "median min max" wall seconds of $runs runs of CMD, whose
# output goes to $work/out and $work/err (the last run's is kept for checks).
seconds() {
	local start i
	for ((i = 0; i < runs; i++)); do
		start=$EPOCHREALTIME
		"$@" >"$work/out" 2>"$work/err" || die "failed: $* ($(tail -n 3 "$work/err"))"
		awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", b - a }'
	done | median
}

# bench NAME CPU: "median min max" seconds per op of $runs runs of a Go
# benchmark of the exporter package, reading the generated file.
bench() {
	local out
	out=$(cd "$repo/exporter" && JSONL_EXPORTER_BENCH_FILE=$log "$work/exporter.test" \
		-test.run '^$' -test.bench "^$1\$" -test.benchtime 1x -test.count "$runs" -test.cpu "$2" 2>&1) ||
		die "benchmark $1 failed: $out"
	awk -v name="$1" '$1 ~ "^" name "(-[0-9]+)?$" {
		for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") print $i / 1e9
	}' <<<"$out" | median || die "no result for $1 in: $out"
}

# mtail_run PROG: one-shot mtail over the log; its HTTP listener (kept on
# in one-shot mode) takes a free local port so parallel runs do not clash.
mtail_run() {
	"$mtail" --one_shot --one_shot_format prometheus --logtostderr \
		--address 127.0.0.1 --port 0 --progs "$progs/$1" --logs "$log"
}

# mtail_check PROG: mtail read every line: its step counter is the record count.
mtail_check() {
	local got
	got=$(awk '/^ml_records_with_step_total[{ ]/ { print $NF }' "$work/out")
	# Prometheus text may print 1000000 as 1e+06: compare as numbers.
	awk -v got="$got" -v want="$records" 'BEGIN { exit !(got != "" && got + 0 == want + 0) }' ||
		die "mtail $1 counted '${got}' records with a step, the file has $records"
}

echo "building..." >&2
(cd "$repo" && go build -o "$work/jsonl-loggen" ./cmd/jsonl-loggen) || die "go build failed"
(cd "$repo" && go test -c -o "$work/exporter.test" ./internal/engine) || die "go test -c failed"

echo "generating $records records..." >&2
"$work/jsonl-loggen" -dir "$work/logs" -records "$records" >&2 || die "jsonl-loggen failed"
log=$work/logs/run-0/logs/metrics.jsonl
size=$(stat -c %s "$log")
lines=$(wc -l <"$log")
[[ $lines == "$records" ]] || die "generated $lines lines, asked for $records"
cat "$log" >/dev/null # warm the page cache: every tool reads from memory

echo "timing wc -l, mtail, encoding/json, jsonl-exporter (median of $runs runs each)..." >&2
wc=($(seconds wc -l "$log"))
mtail2=($(seconds mtail_run training.mtail))
mtail_check training.mtail
mtail_all=($(seconds mtail_run training_all.mtail))
mtail_check training_all.mtail
json=($(bench BenchmarkStdlibJSONMap 1))
exp1=($(bench BenchmarkCatchUp 1))
cpus=$(nproc)
if ((cpus > 1)); then
	expn=($(bench BenchmarkCatchUp "$cpus"))
fi

echo "machine: $cpus CPUs, $(awk -F'\t*: ' '$1 == "model name" { n = $2 } $1 == "cpu family" { f = $2 } $1 == "model" { m = $2 }
		END { printf "%s (family %s, model %s)", n, f, m }' /proc/cpuinfo)," \
	"$(go version | awk '{ print $3 }'), $("$mtail" --version | head -n 1 | awk '{ print $1, $2, $3 }'), $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "file: $records records, $size bytes ($(awk -v s="$size" -v r="$records" 'BEGIN { printf "%.0f", s / r }') bytes/record), page cache warm"
echo

t_wc=${wc[0]} t_mtail=${mtail2[0]} t_json=${json[0]} t_exp1=${exp1[0]}

row() { # row TOOL MEDIAN LOWEST HIGHEST
	awk -v tool="$1" -v t="$2" -v lo="$3" -v hi="$4" -v size="$size" -v n="$records" \
		-v mtail="$t_mtail" -v json="$t_json" -v wc="$t_wc" 'BEGIN {
		printf "| %-42s | %8.3f | %15s | %9.1f | %12.0f | %11.2f | %18.2f | %17.2f |\n",
			tool, t, sprintf("%.3f-%.3f", lo, hi), size / 1e6 / t, n / t, mtail / t, json / t, t / wc
	}'
}
printf "| %-42s | %8s | %15s | %9s | %12s | %11s | %18s | %17s |\n" \
	tool seconds "lowest-highest" MB/s records/s "x vs mtail" "x vs encoding/json" "x of wc -l time"
echo "|--------------------------------------------|----------|-----------------|-----------|--------------|-------------|--------------------|-------------------|"
row "wc -l" "${wc[@]}"
row "mtail one-shot, 2 regexes (training.mtail)" "${mtail2[@]}"
row "mtail one-shot, 11 regexes (training_all)" "${mtail_all[@]}"
row "encoding/json into map[string]any, 1 CPU" "${json[@]}"
row "jsonl-exporter catch-up, GOMAXPROCS=1" "${exp1[@]}"
if ((cpus > 1)); then
	row "jsonl-exporter catch-up, GOMAXPROCS=$cpus" "${expn[@]}"
fi
echo
echo "seconds: median of $runs runs; the other columns are computed from the medians."
echo "x vs mtail / encoding/json: their seconds / this row's (higher is faster);"
echo "x of wc -l time: this row's seconds / wc -l's (lower is faster); mtail = the 2-regex program."

# The issue's targets for the one-core exporter.
awk -v e="$t_exp1" -v mtail="$t_mtail" -v json="$t_json" -v wc="$t_wc" 'BEGIN {
	printf "targets (GOMAXPROCS=1): >= 10x mtail: %s (%.1fx); >= 10x encoding/json: %s (%.1fx); <= 10x wc -l time: %s (%.1fx)\n",
		(mtail / e >= 10 ? "met" : "MISSED"), mtail / e,
		(json / e >= 10 ? "met" : "MISSED"), json / e,
		(e / wc <= 10 ? "met" : "MISSED"), e / wc
}'
