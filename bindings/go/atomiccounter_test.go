// SPDX-License-Identifier: MIT

package atomiccounter

import (
	"errors"
	"math"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// The sizes the uapi header publishes (ATOMIC_COUNTER_*_SIZE_VER0; INFO's
// ATOMIC_COUNTER_INFO_SIZE_VER1, with the bands).
func TestSizesAreTheUapis(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"info", unsafe.Sizeof(info{}), 144},
		{"op", unsafe.Sizeof(opArg{}), 48},
		{"name", unsafe.Sizeof(nameArg{}), 80},
		{"wait", unsafe.Sizeof(waitArg{}), 48},
		{"wake", unsafe.Sizeof(wakeArg{}), 16},
		{"bank", unsafe.Sizeof(bankArg{}), 64},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, the uapi says %d", c.name, c.got, c.want)
		}
	}
	if iocInfo != 0xc090ac80 {
		t.Errorf("INFO is %#x", iocInfo)
	}
}

func TestNoDeviceIsAnErrno(t *testing.T) {
	t.Setenv("ATOMIC_COUNTER_DEVICE", "/nonexistent/atomic_counter")
	if _, err := Open(); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Open: %v", err)
	}
	if _, err := FromFd(-1); !errors.Is(err, syscall.EBADF) {
		t.Errorf("FromFd(-1): %v", err)
	}
}

// The global bank's shape: both striped regions (user at 1024..1056,
// kernel at 2560..2592: 8 counters x 4 slots each), bands after the
// counters: 4048 of them, 32 bytes each, rounded up to a page.
func globalInfo() info {
	return info{
		API: 2, Features: 127, NrCounters: 512, MapSize: 4096 * 8, BatchMax: 256,
		NamedFirst: 512, NrNamed: 512, NrStriped: 8, NrStripes: 4,
		KernelFirst: 2048, NrKernel: 512, WaitersIndex: 2048, CacheLineBytes: 64,
		NrKernelStriped: 8, BandOffset: 4096 * 8, BandSize: 4096 * 32,
	}
}

// A private bank's shape: no kernel striped region, the map ending with
// the kernel's plain region (2560 counters, 2536 bands).
func privateInfo() info {
	i := globalInfo()
	i.MapSize, i.NrKernelStriped, i.BandOffset, i.BandSize = 2560*8, 0, 2560*8, 4096*20
	return i
}

// bandsByWalking is the uapi's words, literally: one band per counter in
// index order, a slot past its CPU 0 row standing for no band of its own.
func bandsByWalking(i *info) []uint64 {
	var out []uint64
	next := uint64(0)
	for index := uint64(0); index < i.MapSize/counterSize; index++ {
		if row := stripedRow(i, index); row > 0 {
			out = append(out, out[index-uint64(row)*i.NrStriped])
		} else {
			out = append(out, next)
			next++
		}
	}
	return out
}

func TestBandIndexIsTheUapis(t *testing.T) {
	g, p := globalInfo(), privateInfo()
	for _, i := range []*info{&g, &p} {
		if !checkInfo(i, 4096) {
			t.Fatalf("fake INFO refused: %+v", *i)
		}
	}
	for _, c := range []struct {
		what        string
		i           *info
		index, band uint64
	}{
		{"by number", &g, 5, 5},
		{"named, before the slots", &g, 1023, 1023},
		{"a striped counter", &g, 1024 + 3, 1027},
		{"its CPU 2 slot", &g, 1024 + 2*8 + 3, 1027},
		{"the last slot, CPU 3", &g, 1024 + 3*8 + 7, 1031},
		{"after the user slots", &g, 1056, 1056 - 24},
		{"the waiter count", &g, 2048, 2048 - 24},
		{"a kernel slot, CPU 1", &g, 2560 + 8 + 5, 2565 - 24},
		{"after both", &g, 2592, 2592 - 48},
		{"the last", &g, 4095, 4096 - 48 - 1},
		{"private: a slot, CPU 1", &p, 1024 + 8 + 1, 1025},
		{"private: the waiter count", &p, 2048, 2048 - 24},
		{"private: the last", &p, 2559, 2560 - 24 - 1},
	} {
		if got := bandIndex(c.i, c.index); got != c.band {
			t.Errorf("%s: index %d has band %d, want %d", c.what, c.index, got, c.band)
		}
	}
	if n := nrBands(&g); n != 4096-2*8*3 {
		t.Errorf("global: %d bands", n)
	}
	if n := nrBands(&p); n != 2560-8*3 {
		t.Errorf("private: %d bands", n)
	}
	for _, i := range []*info{&g, &p} {
		walked := bandsByWalking(i)
		if walked[len(walked)-1]+1 != nrBands(i) {
			t.Errorf("%d bands walked, nrBands %d", walked[len(walked)-1]+1, nrBands(i))
		}
		for index, want := range walked {
			if got := bandIndex(i, uint64(index)); got != want {
				t.Fatalf("index %d: band %d, the uapi's %d", index, got, want)
			}
		}
	}
}

func TestBandsAreUsedOnlyWhenTheyCoverEveryCounter(t *testing.T) {
	g, p := globalInfo(), privateInfo()
	if !bandsUsable(&g) || !bandsUsable(&p) {
		t.Error("bands refused")
	}
	old := globalInfo() // a module without bands: the 128-byte INFO's tail stays zero
	old.Features, old.BandOffset, old.BandSize = 63, 0, 0
	if bandsUsable(&old) {
		t.Error("bands of a module without them")
	}
	i := globalInfo()
	i.Features &^= featureBands
	if bandsUsable(&i) {
		t.Error("bands without the feature")
	}
	i = globalInfo()
	i.BandSize = (nrBands(&i) - 1) * bandSize
	if bandsUsable(&i) {
		t.Error("bands that miss a counter")
	}
	i.BandSize += bandSize
	if !bandsUsable(&i) {
		t.Error("bands that just fit")
	}
}

func band(seq uint64, lo, hi int64) []byte {
	b := new([4]uint64)
	b[0], b[1], b[2] = seq, uint64(lo), uint64(hi)
	return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), bandSize)
}

func TestBandOutsideIsASeqcountRead(t *testing.T) {
	for _, c := range []struct {
		b       []byte
		v       int64
		outside bool
	}{
		{band(2, -5, 10), -5, false},
		{band(2, -5, 10), 10, false},
		{band(2, -5, 10), -6, true},
		{band(2, -5, 10), 11, true},
		{band(0, math.MinInt64, math.MaxInt64), 0, false}, // nobody waits
		{band(4, 1, 0), 0, true},                          // empty: every value
		{band(3, -5, 10), 0, true},                        // changing
	} {
		if got := bandOutside(c.b, c.v); got != c.outside {
			t.Errorf("band %v, value %d: outside %v", c.b, c.v, got)
		}
	}
}

// A closed bank's Wake is EBADF, not a fault on its unmapped page.
func TestWakeOnAClosedBankIsEbadf(t *testing.T) {
	b := &Bank{info: globalInfo(), writable: true, closed: 1}
	if err := b.Wake(0); !errors.Is(err, syscall.EBADF) {
		t.Errorf("Wake: %v", err)
	}
}

// fileBank is a bank of i's shape on a regular file, not the device: its
// WAKE gets ENOTTY, so Wake's error tells whether it made the call. The
// returned file writes the bands and the kernel's words.
func fileBank(t *testing.T, i info) (*Bank, *os.File) {
	f, err := os.CreateTemp(t.TempDir(), "bank")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(int64(i.MapSize + i.BandSize)); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	b := &Bank{fd: fd, info: i, writable: true, allFirst: i.KernelFirst}
	user := int(i.KernelFirst * counterSize)
	if b.user, err = syscall.Mmap(fd, 0, user, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED); err != nil {
		t.Fatal(err)
	}
	if b.all, err = syscall.Mmap(fd, int64(user), int(i.MapSize)-user, syscall.PROT_READ, syscall.MAP_SHARED); err != nil {
		t.Fatal(err)
	}
	b.mapBands()
	t.Cleanup(func() { b.Close() })
	return b, f
}

func put(t *testing.T, f *os.File, at uint64, words ...int64) {
	for k, w := range words {
		var buf [8]byte
		*(*int64)(unsafe.Pointer(&buf[0])) = w
		if _, err := f.WriteAt(buf[:], int64(at)+8*int64(k)); err != nil {
			t.Fatal(err)
		}
	}
}

// calls tells whether Wake made the WAKE call (ENOTTY from the file).
func calls(t *testing.T, b *Bank, index uint64) bool {
	err := b.Wake(index)
	if err != nil && !errors.Is(err, syscall.ENOTTY) {
		t.Fatalf("Wake(%d): %v", index, err)
	}
	return err != nil
}

func TestWakeCallsOnlyForAValueOutsideItsCountersBand(t *testing.T) {
	b, f := fileBank(t, globalInfo())
	if b.bands == nil {
		t.Fatal("bands not mapped")
	}
	band := func(n uint64, seq, lo, hi int64) { put(t, f, 4096*8+n*bandSize, seq, lo, hi) }
	store := func(index uint64, v int64) {
		c, err := b.Counter(index)
		if err != nil {
			t.Fatal(err)
		}
		c.Store(v)
	}
	for _, c := range []struct {
		what  string
		setup func()
		index uint64
		call  bool
	}{
		// Every band [0, 0]: a zero counter is inside, whatever the count.
		{"zero, 5 waiters elsewhere", func() { put(t, f, 2048*8, 5) }, 5, false},
		{"outside [0, 0]", func() { store(5, 1) }, 5, true},
		{"inside [-10, 10]", func() { band(5, 2, -10, 10) }, 5, false},
		{"the module changing it", func() { band(5, 3, -10, 10) }, 5, true},
		{"empty", func() { band(5, 4, 2, 1) }, 5, true},
		// A slot (CPU 2 of striped counter 1027) by its own word against
		// its counter's band: any other band, [0, 0], puts 7 outside.
		{"a slot inside its counter's band", func() { band(1027, 2, -10, 10); store(1024+2*8+3, 7) }, 1024 + 2*8 + 3, false},
		{"a slot outside it", func() { store(1024+2*8+3, 11) }, 1024 + 2*8 + 3, true},
		{"after the user slots, band 1032", func() { band(1032, 2, 0, 100); store(1056, 50) }, 1056, false},
		{"a kernel slot, outside", func() { put(t, f, (2560+8+5)*8, 3) }, 2560 + 8 + 5, true},
		{"a kernel slot, band 2541", func() { band(2541, 2, 3, 3) }, 2560 + 8 + 5, false},
		// Past the bank: the waiter count's rule, as ac_wake().
		{"past the bank, 5 waiters", func() {}, 4096, true},
	} {
		c.setup()
		if got := calls(t, b, c.index); got != c.call {
			t.Errorf("%s: Wake(%d) called %v", c.what, c.index, got)
		}
	}
}

func TestWakeWithoutBandsReadsTheWaiterCount(t *testing.T) {
	old := globalInfo() // a module without bands: the 128-byte INFO's tail stays zero
	old.Features, old.BandOffset, old.BandSize = 63, 0, 0
	b, f := fileBank(t, old)
	if b.bands != nil {
		t.Fatal("bands mapped")
	}
	c, _ := b.Counter(5)
	c.Store(1)
	if calls(t, b, 5) {
		t.Error("a call with no waiter")
	}
	put(t, f, 2048*8, 1)
	if !calls(t, b, 5) || !calls(t, b, 6) {
		t.Error("no call with a waiter")
	}
}
