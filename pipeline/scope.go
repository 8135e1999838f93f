package pipeline

import (
	"flag"
	"fmt"
	"io"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// ScopeFlags choose the scopes a plan reads (docs/api-budget.md): with a
// base revision only the scopes whose evaluated configuration changed,
// unless All; with Shard only a stable slice of them.
type ScopeFlags struct {
	// All reads every scope even with a base revision.
	All bool
	// Shard, when N > 0, plans only the scopes in shard K of N.
	Shard planner.Shard
}

// AddScopeFlags registers --all and --shard on fs.
func AddScopeFlags(fs *flag.FlagSet) *ScopeFlags {
	s := &ScopeFlags{}
	fs.BoolVar(&s.All, "all", false, "with --base, still read and plan every scope (default: only the scopes whose evaluated configuration changed since the base)")
	fs.Var(shardValue{&s.Shard}, "shard", "plan only the scopes in slice `K/N` (1/4 … 4/4), stable by scope id, for drift checks larger than one API budget")
	return s
}

// shardValue is the --shard flag.
type shardValue struct{ s *planner.Shard }

func (v shardValue) String() string {
	if v.s == nil || v.s.N == 0 {
		return ""
	}
	return v.s.String()
}

func (v shardValue) Set(s string) error {
	sh, err := planner.ParseShard(s)
	if err != nil {
		return err
	}
	*v.s = sh
	return nil
}

// coverage chooses the scopes of a plan of desired: nil for every scope.
// base is the configuration at baseRef, nil without a base revision. It
// notes the choice on log.
func (s ScopeFlags) coverage(log io.Writer, desired, base *schema.Config, baseRef string) *planner.Coverage {
	if s.All {
		base = nil
	}
	cov := planner.Select(desired, base, baseRef, s.Shard)
	if cov != nil {
		hint := ""
		if base != nil {
			hint = " (--all reads every scope)"
		}
		fmt.Fprintf(log, "note: reading %d of %d scopes; %d left unread: %s%s\n",
			len(cov.Scopes), len(cov.Scopes)+cov.Unread, cov.Unread, cov.Reason, hint)
	}
	return cov
}
