#!/usr/bin/env bash
# API budget benchmarks (issue 11): plans against the emulator enforcing
# Cloudflare's limit (1200 requests / 5 min per token, 429 and a block past
# it) with 50 ms latency, and a client with the command line's default
# flags (--api-budget 1000/5m, no --rate-limit, --concurrency 8). Prints one
# table against the targets; progress goes to stderr. Takes about 6
# minutes: the 2,000-resource plan must wait for the 5-minute window.
#
#   bench/budget.sh          (bench/run.sh runs it last)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-buildvcs=false

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "== $*" >&2; }

say "building the bench test binary"
go test -c -o "$work/bench.test" ./bench

# metric NAME UNIT: the value before UNIT on NAME's benchmark line.
metric() {
	awk -v unit="$2" '/^Benchmark/ { for (i = 3; i < NF; i += 2) if ($(i + 1) == unit) print $i }' "$work/$1.out" | tail -1
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
eq() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; }
secs() { awk -v ns="$(metric "$1" ns/op)" 'BEGIN { printf "%.2f", ns / 1e9 }'; }

for b in BenchmarkBudgetPlan700 BenchmarkBudgetPlan2000 BenchmarkBudgetPR1of1000 BenchmarkBudgetPRShared10; do
	say "$b (-benchtime=1x)"
	"$work/bench.test" -test.run '^$' -test.bench "^$b\$" -test.benchtime 1x -test.count 1 >"$work/$b.out" 2>&1 ||
		{ cat "$work/$b.out" >&2; exit 1; }
	grep '^Benchmark' "$work/$b.out" >&2
done

plan_row() { # NAME LABEL RATIO-UNIT BASE-UNIT BASE-WORD TARGET LIMIT
	local r n g met=NO
	r=$(metric "$1" "$3")
	n=$(metric "$1" 429s/op)
	g=$(metric "$1" GETs/resource)
	if le "$r" "$7" && eq "$n" 0 && eq "$g" 1; then met=yes; fi
	printf '| %s | %s s | %.3f× %s (%.2f s) | %g | %g GET/resource, %g budget waits | %s | %s |\n' \
		"$2" "$(secs "$1")" "$r" "$5" "$(metric "$1" "$4")" "$n" "$g" "$(metric "$1" budget-waits/op)" "$6" "$met"
}
pr_row() { # NAME LABEL
	local x n met=NO
	x=$(metric "$1" exact)
	n=$(metric "$1" 429s/op)
	if eq "$x" 1 && eq "$n" 0; then met=yes; fi
	printf '| %s | %.3f s | - | %g | %g GETs of %g scopes read (of %g); expected %g; %g changes | exactly the changed scopes'"'"' GETs | %s |\n' \
		"$2" "$(awk -v ms="$(metric "$1" wall-ms/op)" 'BEGIN { printf "%.3f", ms / 1000 }')" "$n" \
		"$(metric "$1" GETs/op)" "$(metric "$1" scopes-read)" "$(metric "$1" scopes)" "$(metric "$1" expected-GETs)" "$(metric "$1" changes/op)" "$met"
}

echo
echo "ztsync API budget benchmarks — $(go env GOVERSION), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "emulator: Cloudflare's limit 1200/5m per token, 50 ms latency; client: default flags (--api-budget 1000/5m, --concurrency 8, no --rate-limit)"
echo
echo "| benchmark | time | ratio | 429s | calls | target | met? |"
echo "|---|---|---|---|---|---|---|"
plan_row BenchmarkBudgetPlan700 "full plan, 700 resources (200 accounts + DoH, 300 zones)" wall/ideal ideal-s ideal "<= 1.2× ideal (GETs × 50 ms / 8), 0 429s" 1.2
plan_row BenchmarkBudgetPlan2000 "full plan, 2,000 resources (500 accounts + DoH, 1,000 zones)" wall/forced forced-s "of what the budget forces" "<= 1.1× what the budget forces (5 min + 1,000 × 50 ms / 8), 0 429s" 1.1
pr_row BenchmarkBudgetPR1of1000 "pull request changing 1 scope of 1,000 (--base)"
pr_row BenchmarkBudgetPRShared10 "pull request changing a shared default used by 10 of 1,000 scopes (--base)"
