package benchdb

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// USER_HZ: the unit of /proc CPU times on Linux.
const clockTick = 10 * time.Millisecond

// CPUMark is a reading of the CPU time used by this process, by PostgreSQL's
// processes (those that have exited included) and by the whole machine, so that a phase can say how busy the
// cores were and whether something else was competing for them.
type CPUMark struct {
	at                        time.Time
	self, postgres, gen, busy time.Duration // busy: every process (0 if /proc is unreadable)
}

// generatorPID is a load generator process started by this one (0: none),
// whose CPU time is reported apart from "others".
var generatorPID atomic.Int64

// WatchGenerator reports pid's CPU time as the load generator's in every
// later reading.
func WatchGenerator(pid int) { generatorPID.Store(int64(pid)) }

// procTicks is utime+stime (and, with children, cutime+cstime) of a
// /proc/PID/stat line, and the process's name.
func procTicks(stat string, children bool) (name string, ticks int64, ok bool) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	// From field 3 (state): utime and stime are fields 14 and 15, and
	// cutime and cstime (16 and 17) the times of children that have
	// exited.
	f := strings.Fields(stat[end+1:])
	last := 13
	if children {
		last = 15
	}
	if len(f) < last {
		return "", 0, false
	}
	for _, v := range f[11:last] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return stat[open+1 : end], ticks, true
}

// MarkCPU reads the CPU times now.
func MarkCPU() CPUMark {
	m := CPUMark{at: time.Now()}
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
	if pid := generatorPID.Load(); pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if _, ticks, ok := procTicks(string(b), false); ok {
				m.gen = time.Duration(ticks) * clockTick
			}
		}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// A backend closed during a phase still counts: the postmaster's
		// children's times include it.
		if name, ticks, ok := procTicks(string(b), true); ok && name == "postgres" {
			m.postgres += time.Duration(ticks) * clockTick
		}
	}
	return m
}

// CPUUse is CPU used over a phase, in cores.
type CPUUse struct{ Self, Postgres, Generator, Other float64 }

// Since is the CPU used from m to now: by this process, by PostgreSQL, and
// by everything else on the machine.
func (m CPUMark) Since() CPUUse {
	n := MarkCPU()
	wall := n.at.Sub(m.at).Seconds()
	u := CPUUse{Self: (n.self - m.self).Seconds() / wall, Postgres: (n.postgres - m.postgres).Seconds() / wall,
		Generator: max(0, (n.gen-m.gen).Seconds()/wall)}
	if m.busy > 0 && n.busy > 0 {
		u.Other = max(0, (n.busy-m.busy).Seconds()/wall-u.Self-u.Postgres-u.Generator)
	}
	return u
}

func (u CPUUse) String() string {
	s := fmt.Sprintf("cpu: this process %.2f", u.Self)
	if u.Postgres > 0.005 {
		s += fmt.Sprintf(", postgres %.2f", u.Postgres)
	}
	if u.Generator > 0.005 {
		s += fmt.Sprintf(", load generator %.2f", u.Generator)
	}
	return s + fmt.Sprintf(", others %.2f cores", u.Other)
}

// NoisyAbove is how much CPU other processes may use in a phase before the
// figures are called untrustworthy.
const NoisyAbove = 0.25

// Noise remembers the phase in which other processes used the most CPU.
type Noise struct {
	Max   float64
	Phase string
}

// Note records a phase's CPU use.
func (n *Noise) Note(phase string, u CPUUse) {
	if u.Other > n.Max {
		n.Max, n.Phase = u.Other, phase
	}
}

// Report prints how many CPUs the run had and whether the machine was quiet.
func (n Noise) Report() {
	if generatorPID.Load() > 0 {
		fmt.Printf("(%d CPUs, GOMAXPROCS %d: the load generator, a process of its own, competes with the servers for them.)\n",
			runtime.NumCPU(), runtime.GOMAXPROCS(0))
	} else {
		fmt.Printf("(%d CPUs, GOMAXPROCS %d: the load generator runs in the same process and competes with the servers for them.)\n",
			runtime.NumCPU(), runtime.GOMAXPROCS(0))
	}
	if n.Max > NoisyAbove {
		fmt.Printf("WARNING: other processes used up to %.2f cores during %s: the machine was not quiet, figures are not\n"+
			"         trustworthy. Run again when nothing else is running.\n", n.Max, n.Phase)
	} else {
		fmt.Printf("Machine quiet: other processes (PostgreSQL excluded) used at most %.2f cores in any phase.\n", n.Max)
	}
}
