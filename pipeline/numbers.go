package pipeline

import (
	"math"
	"strconv"
)

// Number prints f as people write it: 0.5, 30, 1000000, never 1e+06 or
// 0.30000000000000004 (at most four decimals).
func Number(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}

// CheckPercent refuses a percentage flag outside 0–100 (or NaN).
func CheckPercent(flagName string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 100 {
		return Usagef("--%s must be a percentage from 0 to 100, not %s", flagName, Number(v))
	}
	return nil
}
