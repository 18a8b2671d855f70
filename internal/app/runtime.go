package app

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target (GOGC) of a Clout server when
// the environment does not set GOGC: the heap may grow to five times the
// live data before a collection, instead of Go's twice. Clout's live heap is
// tens of megabytes (the link cache, the click queue, the dedupe window), so
// this costs that much memory again, and in return the collector runs a
// quarter as often; each run takes a share of the cores the redirects are
// answered on, which is what shows in their slowest answers. Measured with
// bench/redirect (README, "Redirect benchmark").
const GCPercent = 400

// TuneRuntime sets GCPercent unless GOGC is set. cmd/clout calls it before
// serving; so does the redirect benchmark, for both servers it measures.
func TuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
