// SPDX-License-Identifier: MIT

// Command go_bindings_test is the Go binding in the guest, TAP on stdout as
// the C selftests print it: the Go tour's SafeCounter program ported to
// processes with its exact total, every operation's result against the C
// library's (ac-ref, beside it in /bin) on the same counter, and the C
// library's errno for every bad input. A missing device is a SKIP (exit
// 4), never a pass. Workers are this program again ("worker ..."); on a
// private bank handed down they reach it by the inherited descriptor.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	ac "github.com/atomic-counter/atomic_counter/bindings/go"
)

var n, failed int

func check(name string, ok bool, why string) {
	n++
	if ok {
		fmt.Printf("ok %d go.%s\n", n, name)
		return
	}
	failed++
	fmt.Printf("# %s\nnot ok %d go.%s\n", why, n, name)
}

func skip(name, why string) {
	n++
	fmt.Printf("ok %d go.%s # SKIP %s\n", n, name, why)
}

// moduleHasBands tells whether the module keeps bands
// (ATOMIC_COUNTER_FEATURE_BANDS), from its own INFO: the package does not
// say which rule its Wake follows.
func moduleHasBands(bank *ac.Bank) bool {
	// struct atomic_counter_info, ATOMIC_COUNTER_INFO_SIZE_VER1 (with the
	// band slots and their table): api in, features out; the rest zero on
	// input.
	var info [20]uint64
	info[0] = 2
	const cmd = 0xc0a0ac80 // _IOWR(0xAC, 0x80, 160 bytes)
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, bank.Fd(), cmd, uintptr(unsafe.Pointer(&info[0])))
	return e == 0 && info[1]&(1<<6) != 0
}

// wakeCalls is the module's WAKE calls so far (debugfs wait_stats'
// wake_calls, as the C selftests' wait_stats() reads it); false without
// debugfs.
func wakeCalls() (int64, bool) {
	b, err := os.ReadFile("/sys/kernel/debug/atomic_counter/wait_stats")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "wake_calls ") {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(l, "wake_calls ")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func workerBank() *ac.Bank {
	if fd, err := strconv.Atoi(os.Getenv("ATOMIC_COUNTER_BANK_FD")); err == nil {
		b, err := ac.FromFd(fd)
		if err != nil {
			panic(err)
		}
		return b
	}
	b, err := ac.Open()
	if err != nil {
		panic(err)
	}
	return b
}

// The Go tour's SafeCounter program: 1000 goroutines, c.Inc("somekey").
func worker(args []string) int {
	bank := workerBank()
	switch args[0] {
	case "inc":
		c := bank.Names()
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.Inc(args[1]); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			fmt.Fprintln(os.Stderr, <-errs)
			return 1
		}
		return 0
	}
	return 2
}

func spawn(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"worker"}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	return cmd
}

// The C library, in its own process: one request, one answer.
type cref struct {
	w io.Writer
	r *bufio.Reader
}

func startCRef() (*cref, error) {
	dir := filepath.Dir(os.Args[0])
	if exe, err := os.Executable(); err == nil {
		dir = filepath.Dir(exe)
	}
	cmd := exec.Command("/bin/sh", "-c", `ATOMIC_COUNTER_BANK_PID=$$; export ATOMIC_COUNTER_BANK_PID; exec "$0"`,
		filepath.Join(dir, "ac-ref"))
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &cref{w: w, r: bufio.NewReader(r)}
	_, err = c.answer()
	return c, err
}

func (c *cref) answer() (int64, error) {
	v, _, err := c.answer2()
	return v, err
}

// "ok RESULT [AFTER]" or "err ERRNO".
func (c *cref) answer2() (int64, int64, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("ac-ref: %q", line)
	}
	v, _ := strconv.ParseInt(f[1], 10, 64)
	if f[0] == "err" {
		return 0, 0, syscall.Errno(v)
	}
	var after int64
	if len(f) > 2 {
		after, _ = strconv.ParseInt(f[2], 10, 64)
	}
	return v, after, nil
}

// The C library's result of an operation, and the value just after.
func (c *cref) op(index uint64, op ac.Opcode, order ac.Order, v, e int64) (int64, int64, error) {
	fmt.Fprintf(c.w, "op %d %d %d %d %d\n", index, op, order, v, e)
	return c.answer2()
}

func (c *cref) ask(format string, a ...interface{}) (int64, error) {
	fmt.Fprintf(c.w, format+"\n", a...)
	return c.answer()
}

// waitInBackground starts a goroutine waiting (a minute at most) until c
// is at least v, and returns its result channel once the module's waiter
// count shows it queued; seen is false when it never did.
func waitInBackground(c *ac.Counter, v int64, waiters *ac.ReadOnly) (chan error, bool) {
	before := waiters.Load()
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(ac.Ge, v, time.Minute)
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for waiters.Load() <= before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return done, waiters.Load() > before
}

func errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// memfdWord is a sync/atomic Int64 on a shared page of its own (a memfd,
// MAP_SHARED): the baseline the page path is measured against.
func memfdWord() *atomic.Int64 {
	nr := uintptr(319) // memfd_create, amd64 (not in package syscall)
	if runtime.GOARCH == "arm64" {
		nr = 279
	}
	name := []byte("bench\x00")
	fd, _, e := syscall.Syscall(nr, uintptr(unsafe.Pointer(&name[0])), 0, 0)
	if e != 0 {
		panic(e)
	}
	if err := syscall.Ftruncate(int(fd), 4096); err != nil {
		panic(err)
	}
	mem, err := syscall.Mmap(int(fd), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		panic(err)
	}
	syscall.Close(int(fd))
	return (*atomic.Int64)(unsafe.Pointer(&mem[0]))
}

// perOp is the nanoseconds per call of f over iters calls, the median of 5.
func perOp(iters int, f func()) float64 {
	s := make([]float64, 5)
	for i := range s {
		t := time.Now()
		for j := 0; j < iters; j++ {
			f()
		}
		s[i] = float64(time.Since(t).Nanoseconds()) / float64(iters)
	}
	sort.Float64s(s)
	return s[2]
}

// make bench: Counter.Add against sync/atomic's Int64.Add on a shared
// memfd page, one process, interleaved.
func bench(iters int) int {
	bank, err := ac.Open()
	if err != nil {
		fmt.Println("# go bench:", err)
		return 4
	}
	c, err := bank.Counter(0)
	if err != nil {
		fmt.Println("# go bench:", err)
		return 1
	}
	plain, plain2 := memfdWord(), memfdWord()
	var tc, tp, tq []float64
	for i := 0; i < 3; i++ {
		tc = append(tc, perOp(iters, func() { c.Add(1) }))
		tp = append(tp, perOp(iters, func() { plain.Add(1) }))
		tq = append(tq, perOp(iters, func() { plain2.Add(1) }))
	}
	sort.Float64s(tc)
	sort.Float64s(tp)
	sort.Float64s(tq)
	a, b, q := tc[1], tp[1], tq[1]
	c.Store(0)
	fmt.Printf("bench go Counter.Add(1) on the bank's page                  %8.2f ns/op\n", a)
	fmt.Printf("bench go atomic.Int64.Add(1) on a memfd page                %8.2f ns/op\n", b)
	fmt.Printf("bench go the same on a second memfd page (the control)      %8.2f ns/op\n", q)
	goal := "met"
	if a/b > 1.1 {
		goal = "not met"
	}
	fmt.Printf("bench go ratio %.3f (goal <= 1.1: %s); control: memfd / memfd %.3f\n", a/b, goal, q/b)
	return 0
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(worker(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		iters := 2000000
		if len(os.Args) > 2 {
			iters, _ = strconv.Atoi(os.Args[2])
		}
		os.Exit(bench(iters))
	}
	fmt.Println("TAP version 13")
	bank, err := ac.Open()
	if errors.Is(err, syscall.ENOENT) {
		fmt.Println("1..1\nok 1 go.open # SKIP /dev/atomic_counter absent: module not loaded")
		os.Exit(4)
	} else if err != nil {
		fmt.Printf("1..1\nnot ok 1 go.open # %v\n", err)
		os.Exit(1)
	}
	if bank.IsPrivate() {
		fmt.Println("# bank: private")
	} else {
		fmt.Println("# bank: global")
	}
	names := bank.Names()

	// SafeCounter: 1000 goroutines x Inc("somekey") in each of 4 processes.
	key := "go.somekey"
	c0, _ := bank.Named(key)
	c0.Store(0)
	var cmds []*exec.Cmd
	for i := 0; i < 4; i++ {
		cmds = append(cmds, spawn("inc", key))
	}
	ok := true
	for _, c := range cmds {
		ok = c.Wait() == nil && ok
	}
	v, err := names.Value(key)
	check("seed.safecounter_1000_goroutines_x_4_processes_is_4000", ok && err == nil && v == 4000,
		fmt.Sprintf("value %d, err %v, workers ok %v", v, err, ok))

	ref, err := startCRef()
	if err != nil {
		check("c_library_reference_starts", false, err.Error())
		os.Exit(1)
	}
	c, _ := bank.Named("go.ops")
	idx := c.Index()
	starts := []int64{0, 5, -3, math.MaxInt64, math.MinInt64}
	operands := []int64{1, -3, math.MaxInt64}

	// The sync/atomic method set on the page against the C library's
	// fully ordered (or acquire/release) operation on the same counter.
	type pageOp struct {
		name   string
		op     ac.Opcode
		order  ac.Order
		expect bool
		run    func(v, e int64) int64
	}
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	pageOps := []pageOp{
		{"load", ac.OpRead, ac.Acquire, false, func(v, e int64) int64 { return c.Load() }},
		{"store", ac.OpSet, ac.Release, false, func(v, e int64) int64 { c.Store(v); return 0 }},
		{"add", ac.OpAddReturn, ac.Full, false, func(v, e int64) int64 { return c.Add(v) }},
		{"swap", ac.OpXchg, ac.Full, false, func(v, e int64) int64 { return c.Swap(v) }},
		{"compare_and_swap", ac.OpCmpXchg, ac.Full, true, func(v, e int64) int64 { return b2i(c.CompareAndSwap(e, v)) }},
	}
	for _, p := range pageOps {
		why, cases := "", 0
		for _, s := range starts {
			for _, v := range operands {
				for _, e := range []int64{s, v} {
					if !p.expect {
						e = 0
					}
					if p.op == ac.OpRead {
						v = 0
					}
					c.Store(s)
					cr, cafter, cerr := ref.op(idx, p.op, p.order, v, e)
					c.Store(s)
					gr := p.run(v, e)
					gafter := c.Load()
					if p.op == ac.OpCmpXchg {
						cr = b2i(cr == e)
					}
					cases++
					if cerr != nil || cr != gr || cafter != gafter {
						why = fmt.Sprintf("start %d (%d, %d): C %d %v then %d, Go %d then %d", s, v, e, cr, cerr, cafter, gr, gafter)
					}
				}
			}
		}
		check("page."+p.name+"_matches_the_c_library", why == "", fmt.Sprintf("%s (%d cases)", why, cases))
	}

	// Every kernel operation through the ioctl, every ordering, and the
	// named methods for the ones Go lacks.
	named := map[ac.Opcode]func(v, e int64) (int64, error){
		ac.OpFetchMax:          func(v, e int64) (int64, error) { return c.FetchMax(v) },
		ac.OpFetchMin:          func(v, e int64) (int64, error) { return c.FetchMin(v) },
		ac.OpFetchAddUnless:    func(v, e int64) (int64, error) { return c.FetchAddUnless(v, e) },
		ac.OpAddUnless:         func(v, e int64) (int64, error) { b, err := c.AddUnless(v, e); return b2i(b), err },
		ac.OpIncNotZero:        func(v, e int64) (int64, error) { b, err := c.IncNotZero(); return b2i(b), err },
		ac.OpIncUnlessNegative: func(v, e int64) (int64, error) { b, err := c.IncUnlessNegative(); return b2i(b), err },
		ac.OpDecUnlessPositive: func(v, e int64) (int64, error) { b, err := c.DecUnlessPositive(); return b2i(b), err },
		ac.OpDecIfPositive:     func(v, e int64) (int64, error) { return c.DecIfPositive() },
		ac.OpSubAndTest:        func(v, e int64) (int64, error) { b, err := c.SubAndTest(v); return b2i(b), err },
		ac.OpDecAndTest:        func(v, e int64) (int64, error) { b, err := c.DecAndTest(); return b2i(b), err },
		ac.OpIncAndTest:        func(v, e int64) (int64, error) { b, err := c.IncAndTest(); return b2i(b), err },
		ac.OpAddNegative:       func(v, e int64) (int64, error) { b, err := c.AddNegative(v); return b2i(b), err },
	}
	for op := ac.Opcode(0); op < ac.NumOps; op++ {
		why, cases := "", 0
		for _, s := range starts {
			for _, v0 := range operands {
				for ei, e0 := range []int64{s, 5} {
					v, e := v0, e0
					switch op {
					case ac.OpRead, ac.OpInc, ac.OpDec, ac.OpIncReturn, ac.OpDecReturn, ac.OpFetchInc, ac.OpFetchDec,
						ac.OpIncNotZero, ac.OpIncUnlessNegative, ac.OpDecUnlessPositive, ac.OpDecIfPositive,
						ac.OpDecAndTest, ac.OpIncAndTest:
						v, e = 0, 0
					case ac.OpCmpXchg, ac.OpAddUnless, ac.OpFetchAddUnless:
					default:
						e = 0
					}
					if ei > 0 && e == 0 {
						continue // the same case again
					}
					for order := ac.Full; order <= ac.Release; order++ {
						c.Store(s)
						cr, cafter, cerr := ref.op(idx, op, order, v, e)
						c.Store(s)
						gr, gerr := c.Op(op, order, v, e)
						gafter := c.Load()
						// A refused call changes nothing; its "after" is not asked.
						if errno(cerr) != errno(gerr) || cr != gr || (cerr == nil && cafter != gafter) || (gerr != nil && gafter != s) {
							why = fmt.Sprintf("op %d order %d start %d (%d, %d): C %d %v then %d, Go %d %v then %d", op, order, s, v, e, cr, cerr, cafter, gr, gerr, gafter)
						}
						if cerr == nil {
							cases++
						}
						if f := named[op]; f != nil && order == ac.Full && cerr == nil {
							c.Store(s)
							nr, nerr := f(v, e)
							if nerr != nil || nr != cr || c.Load() != cafter {
								why = fmt.Sprintf("named op %d start %d (%d, %d): C %d then %d, Go %d %v then %d", op, s, v, e, cr, cafter, nr, nerr, c.Load())
							}
						}
					}
				}
			}
		}
		check(fmt.Sprintf("op.%d_ioctl_matches_the_c_library", op), why == "" && cases > 0, fmt.Sprintf("%s (%d cases)", why, cases))
	}

	// Waiting: a goroutine waits; an update on the page and Wake wake it.
	w, _ := bank.Named("go.wait")
	w.Store(0)
	waiters, err := bank.Kernel("atomic_counter.waiters")
	if err != nil {
		check("kernel_counter_found", false, err.Error())
		os.Exit(1)
	}
	done, seen := waitInBackground(w, 1, waiters)
	w.Add(1)
	werr := w.Wake()
	err = <-done
	check("wait_returns_after_a_page_update_and_wake", seen && werr == nil && err == nil,
		fmt.Sprintf("waiter counted %v, wake %v, wait %v", seen, werr, err))
	_, err = w.Wait(ac.Eq, -12345, 0)
	check("wait_times_out_with_etimedout", errors.Is(err, syscall.ETIMEDOUT) && errors.Is(err, ac.ErrTimeout), fmt.Sprint(err))

	// The band rule (the uapi's "Waiting"), as the C selftest
	// a_waiter_on_another_counter_costs_page_wakes_no_system_call: a
	// waiter on another counter costs page updates and Wake no WAKE call;
	// its own counter's update still wakes it.
	var bandNames []string
	const bandTest = "wake_with_a_waiter_on_another_counter_makes_no_system_call"
	if _, stats := wakeCalls(); !moduleHasBands(bank) {
		skip(bandTest, "module without ATOMIC_COUNTER_FEATURE_BANDS")
	} else if !stats {
		skip(bandTest, "no wait_stats (debugfs not mounted)")
	} else {
		bandNames = []string{"go.band.other", "go.band.mine"}
		other, err1 := bank.Named("go.band.other")
		mine, err2 := bank.Named("go.band.mine")
		if err1 != nil || err2 != nil {
			check(bandTest, false, fmt.Sprint(err1, err2))
			os.Exit(1)
		}
		other.Store(0)
		done, seen := waitInBackground(other, 2, waiters)
		calls0, _ := wakeCalls()
		var werr error
		for i := 0; i < 1000; i++ {
			mine.Add(1)
			if err := mine.Wake(); err != nil {
				werr = err
			}
		}
		calls1, _ := wakeCalls()
		// The waiter's own counter, past its condition: a WAKE call.
		other.Add(1)
		if err := other.Wake(); err != nil {
			werr = err
		}
		other.Add(1)
		if err := other.Wake(); err != nil {
			werr = err
		}
		calls2, _ := wakeCalls()
		err = <-done
		// calls2 > calls1 is not required: the waiter count rises before
		// the waiter narrows its band, and a waiter still joining sees the
		// value itself (it then returns unwoken).
		check(bandTest, seen && werr == nil && err == nil && calls1 == calls0,
			fmt.Sprintf("waiter counted %v, wake %v, wait %v; wake_calls %d, %d after 1000 updates of another counter, %d after its own",
				seen, werr, err, calls0, calls1, calls2))
	}

	// Bad input: the C library's errno.
	total := bank.NumTotal()
	_, gerr := bank.Counter(total)
	_, _, cerr := ref.op(total, ac.OpAdd, ac.Relaxed, 1, 0)
	check("errno.bad_index_is_the_c_librarys_einval", errno(gerr) == syscall.EINVAL && errno(cerr) == syscall.EINVAL,
		fmt.Sprintf("Go %v, C %v", gerr, cerr))
	k := waiters.Index()
	_, gerr = bank.Counter(k)
	_, ierr := waiters.Op(ac.OpAdd, ac.Relaxed, 1, 0)
	_, _, cerr = ref.op(k, ac.OpAdd, ac.Relaxed, 1, 0)
	check("errno.read_only_counter_is_the_c_librarys_eperm",
		errno(gerr) == syscall.EPERM && errno(ierr) == syscall.EPERM && errno(cerr) == syscall.EPERM,
		fmt.Sprintf("Go %v / ioctl %v, C %v", gerr, ierr, cerr))
	f, _ := os.Open("/dev/null")
	closed := int(f.Fd())
	f.Close()
	_, gerr = ac.FromFd(closed)
	_, cerr = ref.ask("openfd %d", closed)
	other, _ := ac.Open()
	oc, _ := other.Counter(0)
	other.Close()
	_, oerr := oc.FetchMax(1)
	_, oerr2 := other.Counter(0)
	_, cerr2 := ref.ask("closed 0")
	check("errno.closed_bank_is_the_c_librarys_ebadf",
		errno(gerr) == syscall.EBADF && errno(cerr) == syscall.EBADF && errno(oerr) == syscall.EBADF &&
			errno(oerr2) == syscall.EBADF && errno(cerr2) == syscall.EBADF,
		fmt.Sprintf("Go FromFd %v, op %v, Counter %v; C %v, %v", gerr, oerr, oerr2, cerr, cerr2))
	_, gerr = bank.Named("9 bad name")
	_, cerr = ref.ask("create 9bad")
	check("errno.malformed_name_is_the_c_librarys_einval", errno(gerr) == syscall.EINVAL && errno(cerr) == syscall.EINVAL,
		fmt.Sprintf("Go %v, C %v", gerr, cerr))

	// Leave the bank as found: the other suites list its nonzero counters.
	var left []string
	for _, name := range append([]string{key, "go.ops", "go.wait"}, bandNames...) {
		if err := bank.Delete(name); err != nil {
			left = append(left, name)
		}
	}
	check("names_deleted_after_use", len(left) == 0, fmt.Sprint("left: ", left))

	fmt.Printf("1..%d\n", n)
	if failed > 0 {
		os.Exit(1)
	}
}
