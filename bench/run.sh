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
go build -o "$work/firstreq" ./bench/cmd/firstreq
go build -o "$work/ztsync" ./cmd/ztsync
GOBIN="$work/gobin" go install "cuelang.org/go/cmd/cue@${CUE_VERSION}"

say "generating 2,000 accounts + 8,000 zones in 1,000 files (and a copy with the schema for cue vet)"
"$work/gentree" -out "$work/tree" >/dev/null

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

# timedcpu OUT ERR CMD...: like timed, writing "WALL CPU MAXRSS_KB" (CPU =
# user + system seconds; CPU and MAXRSS_KB empty without GNU time).
timedcpu() {
	local out=$1 err=$2
	shift 2
	if [ -n "$TIME" ]; then
		"$TIME" -f '%e %U %S %M' -o "$out.time" "$@" >"$out" 2>"$err" || true
		awk '{ w = $1; c = $2 + $3; k = $4 } END { printf "%s %.2f %s\n", w, c, k }' "$out.time" >"$out.t"
	else
		timed "$out" "$err" "$@" || true
		echo "$(cat "$out.time")" >"$out.t"
	fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'; }

# versus NAME GENTREE-ARGS...: generates the tree (and a copy with the
# schema for cue vet), runs `ztsync validate` and `cue vet -c` on it one
# after the other, and sets z_wall z_cpu z_mb c_wall c_cpu c_mb; for a tree
# with broken values, pos_ok says whether ztsync reported every one at its
# FILE:LINE:COL (and exit 3) and cue vet failed too.
versus() {
	local name=$1
	shift
	"$work/gentree" -out "$work/$name" "$@" >"$work/$name.faults"
	"$work/gentree" -out "$work/$name-vet" -vet "$@" >/dev/null
	timedcpu "$work/$name.z" "$work/$name.zerr" "$work/ztsync" validate --dir "$work/$name"
	(cd "$work/$name-vet" && timedcpu "$work/$name.c" "$work/$name.cerr" "$work/gobin/cue" vet -c .)
	read -r z_wall z_cpu z_kb <"$work/$name.z.t"
	read -r c_wall c_cpu c_kb <"$work/$name.c.t"
	z_mb=$(mb "${z_kb:-}")
	c_mb=$(mb "${c_kb:-}")
	pos_ok=yes
	local zexit want got
	zexit=$(awk '/non-zero status/ { print $NF }' "$work/$name.z.time")
	if [ -s "$work/$name.faults" ]; then
		want=$(wc -l <"$work/$name.faults")
		got=0
		while read -r pos path; do
			if grep -qF "$pos: $path:" "$work/$name.zerr"; then got=$((got + 1)); fi
		done <"$work/$name.faults"
		if [ "${zexit:-0}" != 3 ] || [ "$got" != "$want" ] || [ "$(grep -c "^$work/$name/" "$work/$name.zerr")" != "$want" ]; then
			pos_ok=NO
		fi
		grep -q 'not a duration\|not a hostname' "$work/$name.cerr" || pos_ok="NO (cue vet found nothing)"
	elif [ -n "$zexit" ]; then
		cat "$work/$name.zerr" >&2
		pos_ok=NO
	fi
}

vs_rows=()
# vs_row LABEL TARGET_CPU_RATIO TARGET_MB [CHECK_POS]
vs_row() {
	local r rc met=yes
	r=$(ratio "$z_wall" "$c_wall")
	rc=$(ratio "$z_cpu" "$c_cpu")
	le "$rc" "$2" || met=NO
	if [ -n "$3" ]; then le "$z_mb" "$3" || met=NO; fi
	[ "$pos_ok" = yes ] || met=NO
	vs_rows+=("$(printf '| %s | %s s (CPU %s s), %s MB | %s s (CPU %s s), %s MB | %s× (CPU %s×) | %s | %s |' \
		"$1" "$z_wall" "$z_cpu" "${z_mb:-?}" "$c_wall" "$c_cpu" "${c_mb:-?}" "$r" "$rc" "$4" "$met")")
}

say "validate vs cue vet -c, 10,000 scopes in 1,000 files: plain, templated, one invalid scope each"
versus plain
vs_row "plain" 1.0 "" "CPU ≤ 1.0×"
versus tmpl -templated
vs_row "templated (#Baseline with defaults)" 1.0 500 "CPU ≤ 1.0×, < 500 MB"
versus plainbad -invalid 1
vs_row "plain, one invalid scope (reported at FILE:LINE:COL: $pos_ok)" 1.0 "" "CPU ≤ 1.0×, error at FILE:LINE:COL"
versus tmplbad -templated -invalid 1
vs_row "templated, one invalid scope (reported at FILE:LINE:COL: $pos_ok)" 1.0 "" "CPU ≤ 1.0×, error at FILE:LINE:COL"

say "plan up to its first API request vs validate (templated tree in a git repository)"
cp -r "$work/tmpl" "$work/gtmpl"
(cd "$work/gtmpl" && git init -q && git add -A && git -c user.email=bench@example.com -c user.name=bench commit -qm tree)
fr() { "$work/firstreq" -- "$work/ztsync" "$@" 2>/dev/null | tr ' ' '\n' | awk -F= '$1 == "cpu" { print $2 }'; }
fv1=$(fr validate --dir "$work/gtmpl")
fp1=$(fr plan --dir "$work/gtmpl")
fv2=$(fr validate --dir "$work/gtmpl")
fp2=$(fr plan --dir "$work/gtmpl")
fv=$(awk -v a="$fv1" -v b="$fv2" 'BEGIN { printf "%.2f", (a + b) / 2 }')
fp=$(awk -v a="$fp1" -v b="$fp2" 'BEGIN { printf "%.2f", (a + b) / 2 }')
fr_ratio=$(ratio "$fp" "$fv")

say "time per scope, templated, 1,000 / 10,000 / 50,000 scopes (10 per file), ztsync and cue vet"
scale_rows=()
declare -A per
for n in 1000 10000 50000; do
	versus "s$n" -templated -accounts $((n / 5)) -zones $((n * 4 / 5)) -files $((n / 10))
	per[z$n]=$(awk -v c="$z_cpu" -v n="$n" 'BEGIN { printf "%.0f", c * 1e6 / n }')
	per[c$n]=$(awk -v c="$c_cpu" -v n="$n" 'BEGIN { printf "%.0f", c * 1e6 / n }')
	scale_rows+=("$(printf '| %s scopes | %s µs/scope (%s s CPU, %s MB) | %s µs/scope (%s s CPU, %s MB) |' \
		"$n" "${per[z$n]}" "$z_cpu" "${z_mb:-?}" "${per[c$n]}" "$c_cpu" "${c_mb:-?}")")
done
z_growth=$(ratio "${per[z50000]}" "${per[z1000]}")
c_growth=$(ratio "${per[c50000]}" "${per[c1000]}")

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
plan_row BenchmarkPlan1k "plan 1,000 scopes (200 accounts + 800 zones, 10% differ), 20 ms latency, concurrency 16"
plan_row BenchmarkPlan10k "plan 10,000 scopes (2,000 accounts + 8,000 zones, 10% differ), 20 ms latency, concurrency 16"
printf '| apply 1,000 changes (CheckStale + Apply), 20 ms latency, concurrency 16 | %s s | %s MB | %.2f× | %g write + %g reads per change (re-read before the write + read back); the stale check adds %g read per change; %g unexpected calls | 1 write + 2 reads per change | %s |\n' \
	"$a_s" "$(peak BenchmarkApply1k)" "$a_r" "$a_w" "$a_rb" "$a_st" "$a_x" \
	"$(yesno eval 'eq "$a_w" 1 && eq "$a_rb" 2 && eq "$a_x" 0')"
echo
echo "Peak memory of the plan and apply rows is the whole test process, emulator and its request log included."
echo
echo "Validate against cue ${CUE_VERSION} (\`ztsync validate --dir T\` and \`cue vet -c\` on T plus the schema, one after the other; met? is judged on CPU time, user + system, which a busy machine disturbs less than wall time)"
echo
echo "| tree (10,000 scopes, 1,000 files) | ztsync validate | cue vet -c | ratio | target | met? |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${vs_rows[@]}"
printf '| plan up to its first request vs validate (templated, git repository; CPU, mean of 2) | %s s | validate %s s | %s× | < 1.10× | %s |\n' \
	"$fp" "$fv" "$fr_ratio" "$(yesno le "$fr_ratio" 1.0999)"
echo
echo "| templated tree | ztsync validate | cue vet -c |"
echo "|---|---|---|"
printf '%s\n' "${scale_rows[@]}"
printf '| growth of time per scope, 1,000 -> 50,000 (target: ztsync ≤ cue vet) | %s× | %s× (met? %s) |\n' \
	"$z_growth" "$c_growth" "$(yesno le "$z_growth" "$c_growth")"

# API budget benchmarks (issue 11): their own table, against the emulator
# enforcing Cloudflare's limit with the client's default flags. About 6
# minutes: the 2,000-resource plan waits for the 5-minute window to slide.
say "API budget benchmarks (bench/budget.sh)"
echo
bash bench/budget.sh
