#!/usr/bin/env bash
# Scale benchmarks (issue 7): runs each benchmark once, measures validate's
# peak memory in a fresh process, times `cue vet` on the same tree, and
# prints one table against the targets. Progress goes to stderr, the table
# to stdout. Takes a few minutes (plan 10k alone is ~15 s of ideal time).
#
#   bench/run.sh
#
# Builds only from this module and the Go module proxy: the CUE CLI is
# installed into a temporary GOBIN at a pinned version, never into go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."

CUE_VERSION=v0.17.1
export GOFLAGS=-buildvcs=false

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "== $*" >&2; }

# Peak RSS comes from GNU time (Debian package "time"); without it, from the
# processes' own /proc/self/status VmHWM.
TIME=/usr/bin/time
if ! [ -x "$TIME" ] && command -v apt-get >/dev/null 2>&1; then
	say "installing GNU time"
	if [ "$(id -u)" = 0 ]; then
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null) || true
	elif command -v sudo >/dev/null 2>&1; then
		(sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null) || true
	fi
fi
[ -x "$TIME" ] || TIME=""

# timed OUT ERR CMD...: runs CMD, stdout to OUT, stderr to ERR; writes
# "SECONDS MAXRSS_KB" (MAXRSS_KB empty without GNU time) to OUT.time.
timed() {
	local out=$1 err=$2
	shift 2
	if [ -n "$TIME" ]; then
		"$TIME" -f '%e %M' -o "$out.time" "$@" >"$out" 2>"$err"
	else
		local s e
		s=$(date +%s.%N)
		"$@" >"$out" 2>"$err"
		e=$(date +%s.%N)
		echo "$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')" >"$out.time"
	fi
}

say "building (bench test binary, validate-rss, gentree; cue ${CUE_VERSION} into a temporary GOBIN)"
go test -c -o "$work/bench.test" ./bench
go build -o "$work/validate-rss" ./bench/cmd/validate-rss
go build -o "$work/gentree" ./bench/cmd/gentree
GOBIN="$work/gobin" go install "cuelang.org/go/cmd/cue@${CUE_VERSION}"

say "generating 2,000 accounts + 8,000 zones in 1,000 files (and a copy with the schema for cue vet)"
"$work/gentree" -out "$work/tree"
"$work/gentree" -out "$work/vettree" -vet

# metric FILE UNIT: the value before UNIT on the benchmark line of FILE.
metric() {
	awk -v unit="$2" '/^Benchmark/ { for (i = 3; i < NF; i += 2) if ($(i + 1) == unit) print $i }' "$1" | tail -1
}
# kv FILE KEY: KEY=VALUE from validate-rss's output line.
kv() { tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "") print ""; else printf "%.0f", k / 1024 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
eq() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; }
yesno() { if "$@"; then echo yes; else echo NO; fi; }

say "validate 10k in a fresh process (loader.New + LoadDir)"
timed "$work/v.out" "$work/v.err" "$work/validate-rss" "$work/tree" || { cat "$work/v.err" >&2; exit 1; }
read -r v_wall v_kb < <(tail -n 1 "$work/v.out.time")
v_kb=${v_kb:-$(kv "$work/v.out" vmhwm_kb)}
v_s=$(kv "$work/v.out" total_s)
v_mb=$(mb "$v_kb")

say "validate 10k with 2 invalid entries (the error path) in a fresh process"
cp -r "$work/tree" "$work/badtree"
sed -i '0,/"730h"/s//"7h"/' "$work/badtree/f0000.cue"
sed -i '0,/"#fff"/s//"white"/' "$work/badtree/f0500.cue"
timed "$work/e.out" "$work/e.err" "$work/validate-rss" "$work/badtree" || true
read -r e_wall e_kb < <(tail -n 1 "$work/e.out.time")
e_mb=$(mb "${e_kb:-}")
e_n=$(grep -c 'badtree/f0' "$work/e.err" || true)

say "cue vet -c on the same tree"
(cd "$work/vettree" && timed "$work/c.out" "$work/c.err" "$work/gobin/cue" vet -c .) || { cat "$work/c.err" >&2; exit 1; }
read -r c_wall c_kb < <(tail -n 1 "$work/c.out.time")
c_mb=$(mb "$c_kb")

run_bench() { # NAME
	say "$1 (-benchtime=1x)"
	timed "$work/$1.out" "$work/$1.err" "$work/bench.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime 1x -test.count 1 ||
		{ cat "$work/$1.out" "$work/$1.err" >&2; exit 1; }
	grep '^Benchmark' "$work/$1.out" >&2
}
for b in BenchmarkValidate10k BenchmarkPlan1k BenchmarkPlan10k BenchmarkApply1k; do
	run_bench "$b"
done

# peak NAME: peak RSS in MB of the benchmark's process.
peak() {
	local kb
	read -r _ kb < <(tail -n 1 "$work/$1.out.time")
	if [ -n "${kb:-}" ]; then mb "$kb"; else printf '%.0f' "$(metric "$work/$1.out" peak-RSS-MB)"; fi
}
secs() { awk -v ns="$(metric "$work/$1.out" ns/op)" 'BEGIN { printf "%.2f", ns / 1e9 }'; }

bv_s=$(secs BenchmarkValidate10k)
bv_mb=$(peak BenchmarkValidate10k)
bv_new=$(metric "$work/BenchmarkValidate10k.out" new-ms/op)
bv_load=$(metric "$work/BenchmarkValidate10k.out" loaddir-ms/op)

plan_row() { # NAME LABEL
	local s r g m n
	s=$(secs "$1")
	r=$(metric "$work/$1.out" wall/ideal)
	g=$(metric "$work/$1.out" GETs/resource)
	m=$(metric "$work/$1.out" max-GETs/path)
	n=$(metric "$work/$1.out" non-GETs/op)
	printf '| %s | %s s | %s MB | %.2f× (ideal %.2f s) | %g GET/resource (max %g per path, %g other calls) | <= 1.2× ideal; exactly 1 GET | %s |\n' \
		"$2" "$s" "$(peak "$1")" "$r" "$(metric "$work/$1.out" ideal-s/op)" "$g" "$m" "$n" \
		"$(yesno eval 'le "$r" 1.2 && eq "$g" 1 && eq "$m" 1 && eq "$n" 0')"
}

a_s=$(secs BenchmarkApply1k)
a_r=$(metric "$work/BenchmarkApply1k.out" wall/ideal)
a_w=$(metric "$work/BenchmarkApply1k.out" writes/change)
a_rb=$(metric "$work/BenchmarkApply1k.out" readback/change)
a_st=$(metric "$work/BenchmarkApply1k.out" stale-reads/change)
a_x=$(metric "$work/BenchmarkApply1k.out" unexpected-calls)

echo
echo "ztsync scale benchmarks — $(go env GOVERSION), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| benchmark | time | peak memory | ratio/ideal | calls per resource | target | met? |"
echo "|---|---|---|---|---|---|---|"
printf '| validate 10,000 scopes / 1,000 files (fresh process: loader.New + LoadDir) | %s s | %s MB | - | - | < 3 s and < 400 MB | %s |\n' \
	"$v_s" "$v_mb" "$(yesno eval 'le "$v_s" 3 && le "$v_mb" 400')"
printf '| validate 10,000 scopes (go test benchmark; New %.0f ms + LoadDir %.0f ms) | %s s | %s MB (test process) | - | - | < 3 s and < 400 MB | %s |\n' \
	"$bv_new" "$bv_load" "$bv_s" "$bv_mb" "$(yesno eval 'le "$bv_s" 3 && le "$bv_mb" 400')"
printf '| validate 10,000 scopes, 2 invalid entries (error path, fresh process; %s problems reported) | %s s | %s MB | - | - | - (informative) | n/a |\n' \
	"$e_n" "$e_wall" "${e_mb:-?}"
printf '| cue vet -c, same tree + schema (cue %s, for comparison) | %s s | %s MB | - | - | - | n/a |\n' \
	"$CUE_VERSION" "$c_wall" "${c_mb:-?}"
plan_row BenchmarkPlan1k "plan 1,000 scopes (200 accounts + 800 zones, 10% differ), 20 ms latency, concurrency 16"
plan_row BenchmarkPlan10k "plan 10,000 scopes (2,000 accounts + 8,000 zones, 10% differ), 20 ms latency, concurrency 16"
printf '| apply 1,000 changes (CheckStale + Apply), 20 ms latency, concurrency 16 | %s s | %s MB | %.2f× | %g write + %g read back per change; the stale check adds %g read per change; %g unexpected calls | 1 write + 1 read back per change | %s |\n' \
	"$a_s" "$(peak BenchmarkApply1k)" "$a_r" "$a_w" "$a_rb" "$a_st" "$a_x" \
	"$(yesno eval 'eq "$a_w" 1 && eq "$a_rb" 1 && eq "$a_x" 0')"
echo
echo "Peak memory of the plan and apply rows is the whole test process, emulator and its request log included."

# API budget benchmarks (issue 11): their own table, against the emulator
# enforcing Cloudflare's limit with the client's default flags. About 6
# minutes: the 2,000-resource plan waits for the 5-minute window to slide.
say "API budget benchmarks (bench/budget.sh)"
echo
bash bench/budget.sh
