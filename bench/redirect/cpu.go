package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// USER_HZ: the unit of /proc CPU times on Linux.
const clockTick = 10 * time.Millisecond

// cpuMark is a reading of the CPU time used by this process, by PostgreSQL's
// processes and by the whole machine, so that a phase can say how busy the
// cores were and whether something else was competing for them.
type cpuMark struct {
	at                   time.Time
	self, postgres, busy time.Duration // busy: every process (0 if /proc is unreadable)
}

func markCPU() cpuMark {
	m := cpuMark{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
		if len(f) > 8 && f[0] == "cpu" {
			var ticks int64
			for i, v := range f[1:9] {
				if i == 3 || i == 4 { // idle, iowait
					continue
				}
				n, _ := strconv.ParseInt(v, 10, 64)
				ticks += n
			}
			m.busy = time.Duration(ticks) * clockTick
		}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		f := strings.Fields(s[end+1:]) // from field 3 (state); utime and stime are fields 14 and 15
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			m.postgres += time.Duration(u+st) * clockTick
		}
	}
	return m
}

// cpuUse is CPU used over a phase, in cores.
type cpuUse struct{ self, postgres, other float64 }

// since is the CPU used from m to now: by this process, by PostgreSQL, and
// by everything else on the machine.
func (m cpuMark) since() cpuUse {
	n := markCPU()
	wall := n.at.Sub(m.at).Seconds()
	u := cpuUse{self: (n.self - m.self).Seconds() / wall, postgres: (n.postgres - m.postgres).Seconds() / wall}
	if m.busy > 0 && n.busy > 0 {
		u.other = max(0, (n.busy-m.busy).Seconds()/wall-u.self-u.postgres)
	}
	return u
}

func (u cpuUse) String() string {
	s := fmt.Sprintf("cpu: this process %.2f", u.self)
	if u.postgres > 0.005 {
		s += fmt.Sprintf(", postgres %.2f", u.postgres)
	}
	return s + fmt.Sprintf(", others %.2f cores", u.other)
}

// noisyAbove is how much CPU other processes may use in a phase before the
// summary warns that the figures are not trustworthy.
const noisyAbove = 0.25

// noise remembers the busiest phase for other processes.
type noise struct {
	max   float64
	phase string
}

func (n *noise) note(phase string, u cpuUse) {
	if u.other > n.max {
		n.max, n.phase = u.other, phase
	}
}
