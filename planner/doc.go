// Package planner turns the desired configuration and the live state into an
// ordered Plan of API calls (DESIGN.md §3, §4).
//
// Fetch reads the live state through a Reader, one GET per declared
// resource, concurrently. Build(desired, live) is pure and deterministic: it
// normalises both sides, compares managed fields only, and produces update
// bodies that are the whole live object with the managed fields laid over
// it. The planner holds no presentation; planner/render formats plans.
package planner
