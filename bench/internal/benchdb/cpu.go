package benchdb

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// USER_HZ: the unit of /proc CPU times on Linux.
const clockTick = 10 * time.Millisecond

// CPUMark is a reading of the CPU time used by this process, by PostgreSQL's
// processes (those that have exited included) and by the whole machine, so that a phase can say how busy the
// cores were and whether something else was competing for them.
type CPUMark struct {
	at                   time.Time
	self, postgres, busy time.Duration // busy: every process (0 if /proc is unreadable)
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
		// From field 3 (state): utime and stime are fields 14 and 15, and
		// cutime and cstime (16 and 17) the times of children that have
		// exited, so that backends closed during a phase still count.
		f := strings.Fields(s[end+1:])
		if len(f) > 14 {
			var ticks int64
			for _, v := range f[11:15] {
				n, _ := strconv.ParseInt(v, 10, 64)
				ticks += n
			}
			m.postgres += time.Duration(ticks) * clockTick
		}
	}
	return m
}

// CPUUse is CPU used over a phase, in cores.
type CPUUse struct{ Self, Postgres, Other float64 }

// Since is the CPU used from m to now: by this process, by PostgreSQL, and
// by everything else on the machine.
func (m CPUMark) Since() CPUUse {
	n := MarkCPU()
	wall := n.at.Sub(m.at).Seconds()
	u := CPUUse{Self: (n.self - m.self).Seconds() / wall, Postgres: (n.postgres - m.postgres).Seconds() / wall}
	if m.busy > 0 && n.busy > 0 {
		u.Other = max(0, (n.busy-m.busy).Seconds()/wall-u.Self-u.Postgres)
	}
	return u
}

func (u CPUUse) String() string {
	s := fmt.Sprintf("cpu: this process %.2f", u.Self)
	if u.Postgres > 0.005 {
		s += fmt.Sprintf(", postgres %.2f", u.Postgres)
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
	fmt.Printf("(%d CPUs, GOMAXPROCS %d: the load generator runs in the same process and competes with the servers for them.)\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if n.Max > NoisyAbove {
		fmt.Printf("WARNING: other processes used up to %.2f cores during %s: the machine was not quiet, figures are not\n"+
			"         trustworthy. Run again when nothing else is running.\n", n.Max, n.Phase)
	} else {
		fmt.Printf("Machine quiet: other processes (PostgreSQL excluded) used at most %.2f cores in any phase.\n", n.Max)
	}
}
