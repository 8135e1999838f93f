// Package planner turns the desired configuration and the live state into an
// ordered Plan of API calls (docs/plan-format.md).
//
// Fetch reads the live state through a Reader, one GET per declared
// resource, concurrently, and aborts on the first failed read: a plan is
// never made against a missing read. Build(desired, live, opts) is pure and
// deterministic: it normalises both sides, compares managed fields only,
// and produces update bodies that are the whole live object with the
// managed fields laid over it, creates (POST, then a PUT for custom_pages),
// DoH updates and, with a base configuration, revocations. Problems of the
// configuration found while planning are *ConfigError values. The planner
// holds no presentation; planner/render formats plans.
package planner
