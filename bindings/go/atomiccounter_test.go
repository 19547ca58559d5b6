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
// ATOMIC_COUNTER_INFO_SIZE_VER1, with the band slots and their table).
func TestSizesAreTheUapis(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"info", unsafe.Sizeof(info{}), 160},
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
	if iocInfo != 0xc0a0ac80 {
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

// withBands gives i the module's bands for a bank of its shape
// (kmod/wait.c's ac_bands_layout()): a u32 slot per counter, and a table
// of one 32-byte entry per 32 counters, at least one, each rounded up to
// a page; the slots after the counters, the table after the slots.
func withBands(i info) info {
	page := func(n uint64) uint64 { return (n + 4095) / 4096 * 4096 }
	nr, entries := nrBandSlots(&i), nrBandSlots(&i)/32
	if entries == 0 {
		entries = 1
	}
	i.Features = 127
	i.BandSlotOffset, i.BandSlotSize = i.MapSize, page(nr*bandSlotSize)
	i.BandOffset, i.BandSize = i.BandSlotOffset+i.BandSlotSize, page(entries*bandSize)
	return i
}

// The global bank's shape: both striped regions (user at 1024..1056,
// kernel at 2560..2592: 8 counters x 4 slots each), 4048 band slots after
// the counters (4 pages), then the table (a page: 128 entries).
func globalInfo() info {
	return withBands(info{
		API: 2, Features: 63, NrCounters: 512, MapSize: 4096 * 8, BatchMax: 256,
		NamedFirst: 512, NrNamed: 512, NrStriped: 8, NrStripes: 4,
		KernelFirst: 2048, NrKernel: 512, WaitersIndex: 2048, CacheLineBytes: 64,
		NrKernelStriped: 8,
	})
}

// A private bank's shape: no kernel striped region, the map ending with
// the kernel's plain region (2560 counters, 2536 band slots: 3 pages),
// then the table (a page).
func privateInfo() info {
	i := globalInfo()
	i.MapSize, i.NrKernelStriped = 2560*8, 0
	return withBands(i)
}

// withoutBands is INFO from a module that knows a smaller INFO: 128 bytes
// (no bands), or the unreleased 144 of one band per counter, which has a
// table but no slots; the tail it does not know stays zero.
func withoutBands() []info {
	old, perCounter := globalInfo(), globalInfo()
	old.Features, old.BandOffset, old.BandSize, old.BandSlotOffset, old.BandSlotSize = 63, 0, 0, 0, 0
	perCounter.BandOffset, perCounter.BandSize = perCounter.MapSize, nrBandSlots(&perCounter)*bandSize
	perCounter.BandSlotOffset, perCounter.BandSlotSize = 0, 0
	return []info{old, perCounter}
}

func TestFakeLayoutsAreTheModules(t *testing.T) {
	g, p := globalInfo(), privateInfo()
	for _, c := range []struct {
		what      string
		got, want uint64
	}{
		{"global: slots", nrBandSlots(&g), 4048},
		{"global: slot offset", g.BandSlotOffset, 4096 * 8},
		{"global: slot size", g.BandSlotSize, 4096 * 4},
		{"global: table offset", g.BandOffset, 4096 * 12},
		{"global: table size", g.BandSize, 4096},
		{"global: entries (4048/32 = 126, a page holds 128)", g.BandSize / bandSize, 128},
		{"private: slots", nrBandSlots(&p), 2536},
		{"private: slot offset", p.BandSlotOffset, 2560 * 8},
		{"private: slot size", p.BandSlotSize, 4096 * 3},
		{"private: table offset", p.BandOffset, 2560*8 + 4096*3},
		{"private: table size", p.BandSize, 4096},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
}

// slotsByWalking is the uapi's words, literally: one band slot per
// counter in index order, a slot past its CPU 0 row standing for no band
// slot of its own.
func slotsByWalking(i *info) []uint64 {
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

func TestBandSlotPositionIsTheUapis(t *testing.T) {
	g, p := globalInfo(), privateInfo()
	for _, i := range []*info{&g, &p} {
		if !checkInfo(i, 4096) {
			t.Fatalf("fake INFO refused: %+v", *i)
		}
	}
	for _, c := range []struct {
		what       string
		i          *info
		index, pos uint64
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
		if got := bandSlotPosition(c.i, c.index); got != c.pos {
			t.Errorf("%s: index %d has band slot %d, want %d", c.what, c.index, got, c.pos)
		}
	}
	if n := nrBandSlots(&g); n != 4096-2*8*3 {
		t.Errorf("global: %d band slots", n)
	}
	if n := nrBandSlots(&p); n != 2560-8*3 {
		t.Errorf("private: %d band slots", n)
	}
	for _, i := range []*info{&g, &p} {
		walked := slotsByWalking(i)
		if walked[len(walked)-1]+1 != nrBandSlots(i) {
			t.Errorf("%d band slots walked, nrBandSlots %d", walked[len(walked)-1]+1, nrBandSlots(i))
		}
		for index, want := range walked {
			if got := bandSlotPosition(i, uint64(index)); got != want {
				t.Fatalf("index %d: band slot %d, the uapi's %d", index, got, want)
			}
		}
	}
}

func TestBandsAreUsedOnlyWhenTheirSlotsCoverEveryCounter(t *testing.T) {
	g, p := globalInfo(), privateInfo()
	if !bandsUsable(&g) || !bandsUsable(&p) {
		t.Error("bands refused")
	}
	for _, i := range withoutBands() {
		if bandsUsable(&i) {
			t.Errorf("bands of a module without slots: %+v", i)
		}
	}
	i := globalInfo()
	i.Features &^= featureBands
	if bandsUsable(&i) {
		t.Error("bands without the feature")
	}
	i = globalInfo()
	i.BandSize = 0
	if bandsUsable(&i) {
		t.Error("no table")
	}
	// Slots that miss a counter, then just fit (the table moved along).
	i = globalInfo()
	i.BandSlotSize = (nrBandSlots(&i) - 1) * bandSlotSize
	i.BandOffset = i.BandSlotOffset + i.BandSlotSize
	if bandsUsable(&i) {
		t.Error("slots that miss a counter")
	}
	i.BandSlotSize += bandSlotSize
	i.BandOffset += bandSlotSize
	if !bandsUsable(&i) {
		t.Error("slots that just fit")
	}
	// A table that does not begin where the slots end: not one window.
	for _, move := range []func(*info){
		func(i *info) { i.BandOffset += 4096 },
		func(i *info) { i.BandOffset = i.BandSlotOffset },
		func(i *info) { i.BandSlotOffset = math.MaxUint64 - 4095 },
	} {
		i = globalInfo()
		move(&i)
		if bandsUsable(&i) {
			t.Errorf("slots at %#x+%#x, table at %#x", i.BandSlotOffset, i.BandSlotSize, i.BandOffset)
		}
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
		{band(0, math.MinInt64, math.MaxInt64), 0, false}, // entry 0: full
		{band(0, 1, 0), 0, true},                          // entry 1: empty, every value
		{band(3, -5, 10), 0, true},                        // changing
	} {
		if got := bandOutside(c.b, c.v); got != c.outside {
			t.Errorf("band %v, value %d: outside %v", c.b, c.v, got)
		}
	}
}

// A window of 4 band slots (16 bytes: 8-aligned) and a table of 3
// entries, in memory: the slot names the entry, and a slot past the table
// or a position past the slots means call.
func TestSlotOutsideReadsTheSlotThenItsEntry(t *testing.T) {
	words := new([2 + 3*4]uint64)
	window := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	slots := (*[4]uint32)(unsafe.Pointer(&words[0]))
	copy(window[16:], band(0, math.MinInt64, math.MaxInt64)) // entry 0: full
	copy(window[48:], band(0, 1, 0))                         // entry 1: empty
	copy(window[80:], band(2, -5, 10))                       // entry 2
	*slots = [4]uint32{0, 1, 2, 3}
	for _, c := range []struct {
		what    string
		pos     uint64
		v       int64
		outside bool
	}{
		{"slot 0, the full band", 0, 1 << 40, false},
		{"slot 1, the empty band", 1, 0, true},
		{"slot 2, inside", 2, 10, false},
		{"slot 2, outside", 2, 11, true},
		{"slot 3, past the table", 3, 0, true},
		{"a position past the slots", 4, 0, true},
	} {
		if got := slotOutside(window, 16, c.pos, c.v); got != c.outside {
			t.Errorf("%s: outside %v", c.what, got)
		}
	}
	slots[2] = 0
	if slotOutside(window, 16, 2, 11) {
		t.Error("slot 2 back to 0: still its old entry")
	}
	slots[2] = math.MaxUint32
	if !slotOutside(window, 16, 2, 0) {
		t.Error("slot 2 at 2^32-1: not outside")
	}
	copy(window[80:], band(3, -5, 10))
	slots[2] = 2
	if !slotOutside(window, 16, 2, 0) {
		t.Error("an odd seq: not outside")
	}
}

// A closed bank's Wake is EBADF, not a fault on its unmapped page.
func TestWakeOnAClosedBankIsEbadf(t *testing.T) {
	b := &Bank{info: globalInfo(), writable: true, closed: 1}
	if err := b.Wake(0); !errors.Is(err, syscall.EBADF) {
		t.Errorf("Wake: %v", err)
	}
}

// A read-only bank cannot have written the page: EBADF, even where the
// band would skip the call (every slot 0, the full band).
func TestWakeOnAReadOnlyBankIsEbadfInsideItsBandToo(t *testing.T) {
	b, _ := fileBank(t, globalInfo())
	if b.bands == nil {
		t.Fatal("no bands mapped")
	}
	b.writable = false
	if err := b.Wake(5); !errors.Is(err, syscall.EBADF) {
		t.Errorf("Wake: %v", err)
	}
}

// fileBank is a bank of i's shape on a regular file, not the device: its
// WAKE gets ENOTTY, so Wake's error tells whether it made the call. The
// returned file writes the band slots, the table and the kernel's words.
// The table starts as the module's: entry 0 the full band, entry 1 the
// empty one, every slot 0.
func fileBank(t *testing.T, i info) (*Bank, *os.File) {
	f, err := os.CreateTemp(t.TempDir(), "bank")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(int64(i.MapSize + i.BandSlotSize + i.BandSize)); err != nil {
		t.Fatal(err)
	}
	if i.BandSize != 0 {
		put(t, f, i.BandOffset, 0, math.MinInt64, math.MaxInt64, 0, 0, 1, 0)
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
	i := globalInfo()
	b, f := fileBank(t, i)
	if b.bands == nil {
		t.Fatal("bands not mapped")
	}
	// Band slot pos names entry e; entry e is (seq, lo, hi).
	slot := func(pos uint64, e uint32) {
		var buf [4]byte
		*(*uint32)(unsafe.Pointer(&buf[0])) = e
		if _, err := f.WriteAt(buf[:], int64(i.BandSlotOffset+pos*bandSlotSize)); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(e uint64, seq, lo, hi int64) { put(t, f, i.BandOffset+e*bandSize, seq, lo, hi) }
	store := func(index uint64, v int64) {
		c, err := b.Counter(index)
		if err != nil {
			t.Fatal(err)
		}
		c.Store(v)
	}
	const cpu2 = 1024 + 2*8 + 3 // CPU 2 slot of striped counter 1027
	for _, c := range []struct {
		what  string
		setup func()
		index uint64
		call  bool
	}{
		// Every slot 0, the full band: no call whatever the value and the
		// waiter count (5 waiters on other counters).
		{"slot 0, 5 waiters elsewhere", func() { put(t, f, 2048*8, 5); store(5, 1) }, 5, false},
		{"slot 1, the empty band", func() { slot(5, 1) }, 5, true},
		{"entry 2, inside [-10, 10]", func() { slot(5, 2); entry(2, 2, -10, 10) }, 5, false},
		{"entry 2, outside", func() { store(5, 11) }, 5, true},
		{"entry 2, the module changing it", func() { store(5, 1); entry(2, 3, -10, 10) }, 5, true},
		{"entry 2, changed", func() { entry(2, 4, -10, 10) }, 5, false},
		{"the table's last entry, full", func() { slot(5, 127); entry(127, 2, math.MinInt64, math.MaxInt64) }, 5, false},
		{"past the table (128 entries)", func() { slot(5, 128) }, 5, true},
		{"slot 2^32-1", func() { slot(5, math.MaxUint32) }, 5, true},
		{"slot 0 again: its last waiter left", func() { slot(5, 0) }, 5, false},
		{"another counter's slot", func() { slot(6, 1) }, 5, false},
		{"that counter", func() {}, 6, true},
		// A striped counter's slot by its own word against its counter's
		// entry: position 1027's, no other.
		{"a slot inside its counter's entry", func() { store(cpu2, 7); slot(1027, 3); entry(3, 2, -10, 10) }, cpu2, false},
		{"a slot outside it", func() { store(cpu2, 11) }, cpu2, true},
		{"a slot, its counter's slot empty", func() { store(cpu2, 7); slot(1027, 1) }, cpu2, true},
		{"its CPU 0 slot, the same", func() {}, 1024 + 3, true},
		{"after the user slots: position 1032", func() { store(1056, 50); slot(1032, 1) }, 1056, true},
		{"after the user slots, entry 4", func() { slot(1032, 4); entry(4, 2, 0, 100) }, 1056, false},
		{"a kernel slot (CPU 1 of 2565), slot 0", func() { put(t, f, (2560+8+5)*8, 3) }, 2560 + 8 + 5, false},
		{"a kernel slot, position 2541 empty", func() { slot(2541, 1) }, 2560 + 8 + 5, true},
		{"a kernel slot, entry 5", func() { slot(2541, 5); entry(5, 2, 3, 3) }, 2560 + 8 + 5, false},
		{"the last position", func() { slot(nrBandSlots(&i)-1, 1) }, 4095, true},
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
	for _, i := range withoutBands() {
		b, f := fileBank(t, i)
		if b.bands != nil {
			t.Fatalf("bands mapped: %+v", i)
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
}
