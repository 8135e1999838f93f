package planner

// CountChanges counts changes by action; Unchanged is left 0 (it needs the
// configuration). Build fills Plan.Summary with it, ReadPlan checks a plan
// file's summary against it, and renderings count with it.
func CountChanges(changes []Change) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Revoke:
			s.Revoke++
		}
	}
	return s
}
