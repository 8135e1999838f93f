package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/ztsync/ztsync/loader"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile (pprof) of the load to this file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: validate-rss [-cpuprofile FILE] DIR")
		os.Exit(3)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "validate-rss:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "validate-rss:", err)
			os.Exit(1)
		}
	}
	code := run(flag.Arg(0))
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	os.Exit(code)
}

func run(dir string) int {
	t0 := time.Now()
	l, err := loader.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate-rss:", err)
		return 1
	}
	t1 := time.Now()
	res, err := l.LoadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate-rss:", err)
		return 1
	}
	t2 := time.Now()
	fmt.Printf("accounts=%d zones=%d files=%d new_s=%.3f loaddir_s=%.3f total_s=%.3f vmhwm_kb=%s\n",
		len(res.Config.Accounts), len(res.Config.Zones), len(res.Files),
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds(), vmHWM())
	return 0
}

// vmHWM is the process's peak resident set size in kB, from /proc.
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSuffix(strings.TrimSpace(rest), " kB")
		}
	}
	return "?"
}
