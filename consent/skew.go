package consent

import "time"

// otherProofDays returns the UTC dates, other than now's, of the instants
// in [issued - ClockSkew, now + ClockSkew], limited to the days either
// side of now's: the dates a gate accepts for a proof besides its own.
// Usually none; near midnight, one.
func otherProofDays(issued, now time.Time) []time.Time {
	day := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	today := day(now)
	var out []time.Time
	if from := day(issued.Add(-ClockSkew)); from.Before(today) {
		out = append(out, today.AddDate(0, 0, -1))
	}
	if to := day(now.Add(ClockSkew)); to.After(today) {
		out = append(out, today.AddDate(0, 0, 1))
	}
	return out
}
