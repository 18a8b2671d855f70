package main

import (
	"fmt"

	"github.com/cloutapp/clout/bench/internal/benchdb"
)

// summary is every target's and check's measured value.
type summary struct {
	benchdb.Summary
	verified bool // the database matched every delivery answered
}

func (s *summary) print(o options) {
	s.Summary.Print(fmt.Sprintf("%s, %d workers for %s; %.0f req/s for %s; %d creators, %d clicks",
		o.dialect, o.workers, o.duration, o.rate, o.rateDuration, o.creators, o.clicks))
}
