// SPDX-License-Identifier: MIT

// Package atomiccounter gives Go programs the counters of the Linux
// atomic_counter module (/dev/atomic_counter): 64-bit counters shared by
// processes, updated on a shared page with sync/atomic.
//
// A Counter has the method set of sync/atomic's Int64 (Add, Load, Store,
// Swap, CompareAndSwap), sequentially consistent as Go's memory model says
// of sync/atomic; the kernel's operations Go lacks (FetchMax, FetchMin,
// the conditional ones) go through the module's ioctl. Named counters take
// the shape of the Go tour's SafeCounter, without its mutex:
//
//	bank, err := atomiccounter.Open()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer bank.Close()
//	names := bank.Names()
//	names.Inc("somekey")
//	fmt.Println(names.Value("somekey"))
//
// Errors wrap the module's syscall.Errno with what was being done:
// errors.Is(err, syscall.EPERM) tells a write to a kernel counter.
//
// Pure Go (CGO_ENABLED=0): the package makes its system calls with the
// standard library's syscall package.
package atomiccounter

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The ABI of <linux/atomic_counter.h> (API 2), which is its single source
// of truth; sizes as its ATOMIC_COUNTER_*_SIZE_VER0 say (INFO's as
// _VER1, 160 bytes, which has the band slots and their table).
const (
	api             = 2
	counterSize     = 8
	requiredFeature = 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 // MMAP BATCH NAMES WAIT STRIPED
	featureBands    = 1 << 6
	bandSize        = 32 // struct atomic_counter_band: seq, lo, hi, reserved
	bandSlotSize    = 4  // a band slot: the u32 number of an entry of the table
	nameMax         = 48
	waitStriped     = 1 << 0
	bankReopen      = 1 << 0
	infoPrivate     = 1 << 0
)

type info struct {
	API, Features, NrCounters, MapSize, Ops, BatchMax, CacheLineBytes uint64
	NamedFirst, NrNamed, KernelFirst, NrKernel, WaitersIndex          uint64
	NrStriped, NrStripes, Flags, NrKernelStriped                      uint64
	// ATOMIC_COUNTER_INFO_SIZE_VER1 (160 bytes): a module that knows a
	// smaller INFO (128 bytes without bands; 144, the unreleased layout
	// of one band per counter) reads this tail as zero and copies back
	// less, so what it does not know stays zero, as the uapi's "Extending
	// the ABI" says of a larger caller; BandSlotSize 0 then means no
	// bands. BandOffset and BandSize are the table of bands (BandSize/32
	// entries), BandSlotOffset and BandSlotSize the band slots, a u32 per
	// counter, which end where the table begins.
	BandOffset, BandSize         uint64
	BandSlotOffset, BandSlotSize uint64
}

type opArg struct {
	Index     uint64
	Op, Order uint32
	Value     int64
	Expected  int64
	Flags     uint32
	Reserved  uint32
	Result    int64
}

type nameArg struct {
	Name                               [nameMax]byte
	Index, Flags                       uint64
	Owner, Created, Generation, Reserv uint32
}

type waitArg struct {
	Index       uint64
	Cond, Flags uint32
	Value       int64
	TimeoutNs   int64
	Result      int64
	Reserved    uint64
}

type wakeArg struct{ Index, Flags uint64 }

type bankArg struct {
	Flags, NrCounters, NrNamed, NrStriped uint64
	Reserved                              [4]uint64
}

// _IOC() of <asm-generic/ioctl.h>, which amd64 and arm64 use.
func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 0xAC<<8 | nr }

var (
	iocInfo       = ioc(3, 0x80, unsafe.Sizeof(info{}))
	iocOp         = ioc(3, 0x81, unsafe.Sizeof(opArg{}))
	iocNameCreate = ioc(3, 0x83, unsafe.Sizeof(nameArg{}))
	iocNameLookup = ioc(3, 0x84, unsafe.Sizeof(nameArg{}))
	iocNameDelete = ioc(1, 0x85, unsafe.Sizeof(nameArg{}))
	iocWait       = ioc(3, 0x87, unsafe.Sizeof(waitArg{}))
	iocWake       = ioc(1, 0x88, unsafe.Sizeof(wakeArg{}))
	iocBank       = ioc(1, 0x8a, unsafe.Sizeof(bankArg{}))
)

func ioctl(fd int, cmd uintptr, arg unsafe.Pointer) (int, error) {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), cmd, uintptr(arg))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(r), nil
	}
}

// Opcode is one of the kernel's operations, numbered as enum
// atomic_counter_opcode of the uapi header, for Counter.Op.
type Opcode uint32

// The kernel's operations (atomic64_<name>()).
const (
	OpRead Opcode = iota
	OpSet
	OpAdd
	OpSub
	OpInc
	OpDec
	OpAnd
	OpOr
	OpXor
	OpAndNot
	OpAddReturn
	OpSubReturn
	OpIncReturn
	OpDecReturn
	OpFetchAdd
	OpFetchSub
	OpFetchInc
	OpFetchDec
	OpFetchAnd
	OpFetchOr
	OpFetchXor
	OpFetchAndNot
	OpXchg
	OpCmpXchg
	OpFetchMax
	OpFetchMin
	OpAddUnless
	OpFetchAddUnless
	OpIncNotZero
	OpIncUnlessNegative
	OpDecUnlessPositive
	OpDecIfPositive
	OpSubAndTest
	OpDecAndTest
	OpIncAndTest
	OpAddNegative
	NumOps
)

// Order is the memory ordering of an operation through the ioctl.
type Order uint32

// The uapi's orderings. Full is the kernel's unsuffixed, fully ordered
// form, the one Go's sync/atomic matches.
const (
	Full Order = iota
	Relaxed
	Acquire
	Release
)

// Cond is a condition on a counter, for Wait.
type Cond uint32

// The conditions (signed comparisons with the value given to Wait).
const (
	Eq Cond = iota // counter == value
	Ne             // counter != value
	Ge             // counter >= value
	Le             // counter <= value
)

// Bank is a bank of counters, mapped: the global one of the device, or a
// private one. Safe for use by many goroutines; Close, which unmaps and
// closes it, must not overlap any other call on the bank.
type Bank struct {
	// First: sync/atomic's 64-bit functions need 8-byte alignment, which
	// on 386 and arm only the first word of an allocated struct has.
	fence    int64
	fd       int
	user     []byte // the counters userspace may write (nil when read-only)
	all      []byte // the kernel's regions, or the whole bank when read-only
	allFirst uint64 // index of all[0]
	bands    []byte // the band slots, then their table, read-only (nil without them: Wake's old rule)
	info     info
	writable bool
	closed   int32
}

func device() string {
	if p := os.Getenv("ATOMIC_COUNTER_DEVICE"); p != "" {
		return p
	}
	return "/dev/atomic_counter"
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("atomic_counter: %s: %w", what, err)
}

// Open opens the global bank of /dev/atomic_counter ($ATOMIC_COUNTER_DEVICE
// if set) for reading and writing; or the private bank a parent handed
// down through $ATOMIC_COUNTER_BANK_FD for this process
// ($ATOMIC_COUNTER_BANK_PID), as the C library's ac_open() does.
func Open() (*Bank, error) { return open(true) }

// OpenReadOnly opens the bank as Open does, read-only: Bank.Counter then
// fails with EBADF, and every counter is read through Bank.Reader.
func OpenReadOnly() (*Bank, error) { return open(false) }

func open(write bool) (*Bank, error) {
	if fds, pids := os.Getenv("ATOMIC_COUNTER_BANK_FD"), os.Getenv("ATOMIC_COUNTER_BANK_PID"); fds != "" && pids == strconv.Itoa(os.Getpid()) {
		fd, err := strconv.Atoi(fds)
		if err != nil || fd < 0 {
			return nil, wrap("$ATOMIC_COUNTER_BANK_FD", syscall.EBADF)
		}
		return reopen(fd, !write)
	}
	mode := syscall.O_RDONLY
	if write {
		mode = syscall.O_RDWR
	}
	fd, err := syscall.Open(device(), mode|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, wrap("open "+device(), err)
	}
	return setup(fd, write)
}

func reopen(fd int, readonly bool) (*Bank, error) {
	b := bankArg{Flags: bankReopen}
	if readonly {
		b.Flags |= 2
	}
	nfd, err := ioctl(fd, iocBank, unsafe.Pointer(&b))
	if err != nil {
		return nil, wrap("reopen", err)
	}
	return setup(nfd, !readonly)
}

// NewPrivate creates a private bank (512 counters by number, 512 named,
// 64 striped, as the C library's defaults), reached only through this
// Bank and whoever its descriptor is handed to.
func NewPrivate() (*Bank, error) {
	dev, err := syscall.Open(device(), syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, wrap("open "+device(), err)
	}
	defer syscall.Close(dev)
	b := bankArg{NrCounters: 512, NrNamed: 512, NrStriped: 64}
	fd, err := ioctl(dev, iocBank, unsafe.Pointer(&b))
	if err != nil {
		return nil, wrap("new private bank", err)
	}
	return setup(fd, true)
}

// FromFd opens the bank of descriptor fd (the device or a private bank's
// file), which it duplicates: the caller keeps fd. EBADF for a descriptor
// that is not open, as the C library's ac_open_fd().
func FromFd(fd int) (*Bank, error) {
	fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e != 0 {
		return nil, wrap("descriptor "+strconv.Itoa(fd), e)
	}
	nfd, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if e != 0 {
		return nil, wrap("descriptor "+strconv.Itoa(fd), e)
	}
	return setup(int(nfd), fl&syscall.O_ACCMODE != syscall.O_RDONLY)
}

func regionOK(first, n, total uint64) bool { return first <= total && n <= total-first }

// checkInfo is the C library's ac__check_info(): a module the package was
// not built for fails at open (EPROTO).
func checkInfo(i *info, page uint64) bool {
	total, perPage := i.MapSize/counterSize, page/counterSize
	if i.API != api || i.Features&requiredFeature != requiredFeature {
		return false
	}
	if i.MapSize == 0 || perPage == 0 || i.MapSize%page != 0 {
		return false
	}
	if i.NrCounters == 0 || i.NrCounters > i.NamedFirst || i.NamedFirst%perPage != 0 || !regionOK(i.NamedFirst, i.NrNamed, total) {
		return false
	}
	if i.NrStripes == 0 || i.NrStriped == 0 || i.NrStriped > total || i.NrStripes > total/i.NrStriped {
		return false
	}
	slots := i.NrStriped * i.NrStripes
	sf := i.NamedFirst + i.NrNamed
	if !regionOK(sf, slots, total) || i.KernelFirst < sf+slots || i.KernelFirst == 0 || i.KernelFirst%perPage != 0 ||
		!regionOK(i.KernelFirst, i.NrKernel, total) || !regionOK(i.KernelFirst+i.NrKernel, i.NrKernelStriped*i.NrStripes, total) {
		return false
	}
	if i.NrKernelStriped != 0 && i.NrKernelStriped != i.NrStriped {
		return false
	}
	return i.WaitersIndex >= i.KernelFirst && i.WaitersIndex < i.KernelFirst+i.NrKernel && i.BatchMax != 0
}

func setup(fd int, write bool) (*Bank, error) {
	b := &Bank{fd: fd, writable: write}
	b.info.API = api
	if _, err := ioctl(fd, iocInfo, unsafe.Pointer(&b.info)); err != nil {
		syscall.Close(fd)
		if err == syscall.EINVAL {
			err = syscall.EPROTO
		}
		return nil, wrap("handshake", err)
	}
	if !checkInfo(&b.info, uint64(os.Getpagesize())) {
		syscall.Close(fd)
		return nil, wrap("handshake", syscall.EPROTO)
	}
	var err error
	user := int(b.info.KernelFirst * counterSize)
	if write {
		b.user, err = syscall.Mmap(fd, 0, user, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		if err == nil {
			b.allFirst = b.info.KernelFirst
			b.all, err = syscall.Mmap(fd, int64(user), int(b.info.MapSize)-user, syscall.PROT_READ, syscall.MAP_SHARED)
		}
	} else {
		b.all, err = syscall.Mmap(fd, 0, int(b.info.MapSize), syscall.PROT_READ, syscall.MAP_SHARED)
	}
	if err != nil {
		b.unmap()
		syscall.Close(fd)
		return nil, wrap("mmap", err)
	}
	b.mapBands()
	return b, nil
}

// stripedRow is the CPU row of index in a striped region, or -1 outside
// both (the C library's ac_striped_row()).
func stripedRow(i *info, index uint64) int64 {
	slots := i.NrStriped * i.NrStripes
	firsts := [2]uint64{i.NamedFirst + i.NrNamed, i.KernelFirst + i.NrKernel}
	sizes := [2]uint64{slots, slots}
	// A private bank has no kernel striped region (NrKernelStriped 0):
	// its map ends with the kernel's plain region.
	if i.MapSize/counterSize <= firsts[1] {
		sizes[1] = 0
	}
	for r := 0; r < 2; r++ {
		if index >= firsts[r] && index < firsts[r]+sizes[r] {
			return int64((index - firsts[r]) / i.NrStriped)
		}
	}
	return -1
}

// bandsSkipped counts the slots of the striped regions that have no band
// slot of their own: every row but CPU 0's, of the regions that end at or
// before counter (the C library's bands_skipped(); "Waiting" in the uapi
// header).
func bandsSkipped(i *info, counter uint64) uint64 {
	rows, skipped := i.NrStripes-1, uint64(0)
	if counter >= i.NamedFirst+i.NrNamed+i.NrStriped*i.NrStripes {
		skipped += i.NrStriped * rows
	}
	if counter >= i.KernelFirst+i.NrKernel+i.NrKernelStriped*i.NrStripes {
		skipped += i.NrKernelStriped * rows
	}
	return skipped
}

// nrBandSlots is how many band slots the module keeps for the bank i
// describes (the C library's ac__nr_band_slots()).
func nrBandSlots(i *info) uint64 {
	total := i.MapSize / counterSize
	return total - bandsSkipped(i, total)
}

// bandSlotPosition is the position among the band slots of index (below
// the bank's total): its counter's, a striped counter's slot standing for
// its CPU 0 slot.
func bandSlotPosition(i *info, index uint64) uint64 {
	counter := index
	if row := stripedRow(i, index); row > 0 {
		counter -= uint64(row) * i.NrStriped
	}
	return counter - bandsSkipped(i, counter)
}

// bandsUsable tells whether INFO offers a table of bands and slots that
// cover every counter, in one window. A module that knows a smaller INFO
// leaves BandSlotSize zero: no.
func bandsUsable(i *info) bool {
	return i.Features&featureBands != 0 && i.BandSize != 0 &&
		i.BandSlotSize/bandSlotSize >= nrBandSlots(i) &&
		i.BandSlotOffset <= ^uint64(0)-i.BandSlotSize && i.BandOffset == i.BandSlotOffset+i.BandSlotSize
}

// mapBands maps the band slots and their table read-only, in one window
// from BandSlotOffset, as the C library's map_bands() does; a failure is
// no error: Wake then keeps the waiter-count rule, which every module
// honours. The table must be 8-aligned in the window (the slots' size is
// a multiple of the page size) for the 64-bit loads of its entries.
func (b *Bank) mapBands() {
	i, most := &b.info, uint64(^uint(0)>>1)
	if !bandsUsable(i) || i.BandSlotSize%8 != 0 || i.BandSlotSize > most || i.BandSize > most-i.BandSlotSize ||
		i.BandSlotOffset > 1<<63-1 {
		return
	}
	p, err := syscall.Mmap(b.fd, int64(i.BandSlotOffset), int(i.BandSlotSize+i.BandSize), syscall.PROT_READ, syscall.MAP_SHARED)
	if err == nil {
		b.bands = p
	}
}

// slotOutside tells whether v may satisfy a waiter of the counter whose
// band slot is at position pos of window (the band slots, slotBytes of
// them, then the table of bands): the slot (sync/atomic's load, which
// acquires, so the entry it names is read after it), then that entry of
// the table. A slot past the table, or a position past the slots, is
// outside: call.
func slotOutside(window []byte, slotBytes, pos uint64, v int64) bool {
	if slotBytes > uint64(len(window)) || pos >= slotBytes/bandSlotSize {
		return true
	}
	slot := uint64(atomic.LoadUint32((*uint32)(unsafe.Pointer(&window[pos*bandSlotSize]))))
	table := window[slotBytes:]
	if slot >= uint64(len(table))/bandSize {
		return true
	}
	return bandOutside(table[slot*bandSize:(slot+1)*bandSize], v)
}

// bandOutside tells whether v may satisfy a waiter of the band in band
// (an entry of the table): outside it, or the band was changing. A
// seqcount's read without the retry, as the C library's band_outside():
// seq, lo and hi, then seq again; sync/atomic's loads are sequentially
// consistent, so they keep that order (the acquire fence of the C
// library's is implied).
func bandOutside(band []byte, v int64) bool {
	seqp := (*uint64)(unsafe.Pointer(&band[0]))
	seq := atomic.LoadUint64(seqp)
	lo := atomic.LoadInt64((*int64)(unsafe.Pointer(&band[8])))
	hi := atomic.LoadInt64((*int64)(unsafe.Pointer(&band[16])))
	if seq&1 != 0 || seq != atomic.LoadUint64(seqp) {
		return true
	}
	return v < lo || v > hi
}

func (b *Bank) unmap() {
	if b.user != nil {
		syscall.Munmap(b.user)
		b.user = nil
	}
	if b.all != nil {
		syscall.Munmap(b.all)
		b.all = nil
	}
	if b.bands != nil {
		syscall.Munmap(b.bands)
		b.bands = nil
	}
}

// Close unmaps the bank and closes its descriptor. Counters taken from it
// must not be used afterwards: page operations would fault, and those
// through the ioctl get EBADF.
func (b *Bank) Close() error {
	if !atomic.CompareAndSwapInt32(&b.closed, 0, 1) {
		return wrap("close", syscall.EBADF)
	}
	b.unmap()
	return wrap("close", syscall.Close(b.fd))
}

// Fd is the bank's descriptor, for poll and epoll.
func (b *Bank) Fd() uintptr { return uintptr(b.fd) }

// IsPrivate tells whether this is a private bank.
func (b *Bank) IsPrivate() bool { return b.info.Flags&infoPrivate != 0 }

// NumCounters is the number of counters used by number (indices below it).
func (b *Bank) NumCounters() uint64 { return b.info.NrCounters }

// KernelFirst is the first index of the kernel's read-only region.
func (b *Bank) KernelFirst() uint64 { return b.info.KernelFirst }

// NumTotal is one past the last index of the bank.
func (b *Bank) NumTotal() uint64 { return b.info.MapSize / counterSize }

func (b *Bank) word(index uint64) *int64 {
	if index < b.allFirst {
		return (*int64)(unsafe.Pointer(&b.user[index*counterSize]))
	}
	return (*int64)(unsafe.Pointer(&b.all[(index-b.allFirst)*counterSize]))
}

func (b *Bank) isClosed() bool { return atomic.LoadInt32(&b.closed) != 0 }

// Counter is counter index, writable on the page. Errors, the module's for
// a write there, in its order: EINVAL past the bank, EBADF for a
// read-only or closed bank, EPERM in the kernel's region.
func (b *Bank) Counter(index uint64) (*Counter, error) {
	what := "counter " + strconv.FormatUint(index, 10)
	if b.isClosed() {
		return nil, wrap(what, syscall.EBADF)
	}
	if index >= b.NumTotal() {
		return nil, wrap(what, syscall.EINVAL)
	}
	if !b.writable {
		return nil, wrap(what, syscall.EBADF)
	}
	if index >= b.info.KernelFirst {
		return nil, wrap(what, syscall.EPERM)
	}
	return &Counter{bank: b, index: index, v: b.word(index)}, nil
}

// Reader is counter index for reading, in any region (EINVAL past the
// bank).
func (b *Bank) Reader(index uint64) (*ReadOnly, error) {
	what := "counter " + strconv.FormatUint(index, 10)
	if b.isClosed() {
		return nil, wrap(what, syscall.EBADF)
	}
	if index >= b.NumTotal() {
		return nil, wrap(what, syscall.EINVAL)
	}
	return &ReadOnly{bank: b, index: index, v: b.word(index)}, nil
}

func (b *Bank) name(cmd uintptr, name string, flags uint64) (nameArg, error) {
	n := nameArg{Flags: flags}
	if b.isClosed() {
		return n, wrap("name "+strconv.Quote(name), syscall.EBADF)
	}
	if len(name) >= nameMax {
		return n, wrap("name "+strconv.Quote(name), syscall.EINVAL)
	}
	copy(n.Name[:], name)
	_, err := ioctl(b.fd, cmd, unsafe.Pointer(&n))
	return n, wrap("name "+strconv.Quote(name), err)
}

// Named is the counter called name, created (zeroed) if it does not exist.
func (b *Bank) Named(name string) (*Counter, error) {
	if !b.writable {
		return nil, wrap("name "+strconv.Quote(name), syscall.EBADF)
	}
	n, err := b.name(iocNameCreate, name, 0)
	if err != nil {
		return nil, err
	}
	return b.Counter(n.Index)
}

// Delete deletes the name of a user counter, whose counter is then free
// for the next name (EPERM for a kernel counter's, ENOENT for an unknown
// one). Whoever still holds the counter can still write it.
func (b *Bank) Delete(name string) error {
	_, err := b.name(iocNameDelete, name, 0)
	return err
}

// Kernel is the existing counter called name, read-only: a kernel
// counter ("kernel.forks") or any other (ENOENT when there is none).
func (b *Bank) Kernel(name string) (*ReadOnly, error) {
	n, err := b.name(iocNameLookup, name, 0)
	if err != nil {
		return nil, err
	}
	return b.Reader(n.Index)
}

// Wake wakes the waiters of counter index after updates on the page: the
// uapi's rule for page updates as the C library's ac_wake() applies it. A
// full barrier (here a sequentially consistent read-modify-write), then a
// look at the counter's band (the values no waiter of that counter waits
// for, which the module maps read-only: the counter's band slot names its
// entry of a table of bands; a striped counter's for all its slots): the
// system call only when the value of index lies outside it,
// so a waiter on another counter, or one whose condition the value cannot
// meet, costs the update no system call. From a module without bands, a
// look at the waiter count on the page instead, and the call while anyone
// waits. EBADF for a read-only or closed bank, always.
func (b *Bank) Wake(index uint64) error {
	// A waiter narrows its counter's band (without bands, raises the
	// count) and then reads the counter; the updater has written the
	// counter and now reads the band's slot and entry (the count): a
	// Dekker pattern, so a full barrier first, before anything else. The
	// page only while the bank is open (Close unmaps it).
	atomic.AddInt64(&b.fence, 0)
	if b.isClosed() || !b.writable {
		return wrap("wake", syscall.EBADF)
	}
	var waiting bool
	if b.bands != nil && index < b.NumTotal() {
		// The slot's own word, not the sum: the module reads the sum for
		// a striped counter's waiters, whose band it keeps empty.
		v := atomic.LoadInt64(b.word(index))
		waiting = slotOutside(b.bands, b.info.BandSlotSize, bandSlotPosition(&b.info, index), v)
	} else {
		waiting = atomic.LoadInt64(b.word(b.info.WaitersIndex)) != 0
	}
	if !waiting {
		return nil
	}
	w := wakeArg{Index: index}
	_, err := ioctl(b.fd, iocWake, unsafe.Pointer(&w))
	return wrap("wake", err)
}

func (b *Bank) wait(index uint64, cond Cond, value int64, timeout time.Duration) (int64, error) {
	if b.isClosed() {
		return 0, wrap("wait", syscall.EBADF)
	}
	w := waitArg{Index: index, Cond: uint32(cond), Value: value, TimeoutNs: int64(timeout)}
	if timeout < 0 {
		w.TimeoutNs = -1
	}
	if b.isStriped(index) {
		w.Flags = waitStriped
	}
	// EINTR: ioctl() calls again, and the module left the time remaining.
	_, err := ioctl(b.fd, iocWait, unsafe.Pointer(&w))
	if err != nil {
		return 0, wrap("wait", err)
	}
	return w.Result, nil
}

func (b *Bank) isStriped(index uint64) bool {
	i := &b.info
	slots := i.NrStriped * i.NrStripes
	if f := i.NamedFirst + i.NrNamed; index >= f && index < f+slots {
		return (index-f)%slots < i.NrStriped
	}
	if f := i.KernelFirst + i.NrKernel; b.NumTotal() > f && index >= f && index < f+slots {
		return (index-f)%slots < i.NrStriped
	}
	return false
}

// Counter is one counter of a bank, updated on the mapped page with
// sync/atomic: the method set of atomic.Int64, sequentially consistent.
type Counter struct {
	bank  *Bank
	index uint64
	v     *int64
}

// Index is the counter's index in its bank.
func (c *Counter) Index() uint64 { return c.index }

// Load atomically loads the value.
func (c *Counter) Load() int64 { return atomic.LoadInt64(c.v) }

// Store atomically stores val.
func (c *Counter) Store(val int64) { atomic.StoreInt64(c.v, val) }

// Swap atomically stores new and returns the old value.
func (c *Counter) Swap(new int64) (old int64) { return atomic.SwapInt64(c.v, new) }

// CompareAndSwap stores new if the value is old, and says whether it did.
func (c *Counter) CompareAndSwap(old, new int64) (swapped bool) {
	return atomic.CompareAndSwapInt64(c.v, old, new)
}

// Add atomically adds delta (wrapping) and returns the new value.
func (c *Counter) Add(delta int64) (new int64) { return atomic.AddInt64(c.v, delta) }

// Wake wakes the counter's waiters after updates on the page (Bank.Wake):
// a system call only when the value may satisfy one of them (while anyone
// waits, with a module without bands).
func (c *Counter) Wake() error { return c.bank.Wake(c.index) }

// Wait blocks until the counter satisfies cond against value, or timeout
// passes (an error wrapping ETIMEDOUT; a negative timeout waits for ever,
// 0 checks once), and returns the value that satisfied it. Updates
// through the ioctl wake it; updates on the page once their author calls
// Wake.
func (c *Counter) Wait(cond Cond, value int64, timeout time.Duration) (int64, error) {
	return c.bank.wait(c.index, cond, value, timeout)
}

// Op runs a kernel operation through the module's ioctl, in the uapi's
// ordering, and returns what the kernel primitive returned (the uapi's
// opcode table). value is the operand, expected cmpxchg's old value or
// add_unless's u.
func (c *Counter) Op(op Opcode, order Order, value, expected int64) (int64, error) {
	return c.bank.op(c.index, op, order, value, expected)
}

func (b *Bank) op(index uint64, op Opcode, order Order, value, expected int64) (int64, error) {
	what := fmt.Sprintf("op %d on counter %d", op, index)
	if b.isClosed() {
		return 0, wrap(what, syscall.EBADF)
	}
	o := opArg{Index: index, Op: uint32(op), Order: uint32(order), Value: value, Expected: expected}
	if _, err := ioctl(b.fd, iocOp, unsafe.Pointer(&o)); err != nil {
		return 0, wrap(what, err)
	}
	return o.Result, nil
}

// FetchMax stores max(old, v) and returns old (through the ioctl, fully
// ordered).
func (c *Counter) FetchMax(v int64) (old int64, err error) { return c.Op(OpFetchMax, Full, v, 0) }

// FetchMin stores min(old, v) and returns old (through the ioctl).
func (c *Counter) FetchMin(v int64) (old int64, err error) { return c.Op(OpFetchMin, Full, v, 0) }

// FetchAddUnless adds a unless the value is u, and returns the old value.
func (c *Counter) FetchAddUnless(a, u int64) (old int64, err error) {
	return c.Op(OpFetchAddUnless, Full, a, u)
}

func (c *Counter) test(op Opcode, v, e int64) (bool, error) {
	r, err := c.Op(op, Full, v, e)
	return r != 0, err
}

// AddUnless adds a unless the value is u; true if it added.
func (c *Counter) AddUnless(a, u int64) (bool, error) { return c.test(OpAddUnless, a, u) }

// IncNotZero adds one unless the value is zero; true if it added.
func (c *Counter) IncNotZero() (bool, error) { return c.test(OpIncNotZero, 0, 0) }

// IncUnlessNegative adds one unless the value is negative; true if it added.
func (c *Counter) IncUnlessNegative() (bool, error) { return c.test(OpIncUnlessNegative, 0, 0) }

// DecUnlessPositive subtracts one unless the value is positive; true if it did.
func (c *Counter) DecUnlessPositive() (bool, error) { return c.test(OpDecUnlessPositive, 0, 0) }

// DecIfPositive subtracts one if the value is positive, and returns the old
// value minus one (wrapping), stored or not.
func (c *Counter) DecIfPositive() (int64, error) { return c.Op(OpDecIfPositive, Full, 0, 0) }

// SubAndTest subtracts v; true if the value is now zero.
func (c *Counter) SubAndTest(v int64) (bool, error) { return c.test(OpSubAndTest, v, 0) }

// DecAndTest subtracts one; true if the value is now zero.
func (c *Counter) DecAndTest() (bool, error) { return c.test(OpDecAndTest, 0, 0) }

// IncAndTest adds one; true if the value is now zero.
func (c *Counter) IncAndTest() (bool, error) { return c.test(OpIncAndTest, 0, 0) }

// AddNegative adds v; true if the value is now negative.
func (c *Counter) AddNegative(v int64) (bool, error) { return c.test(OpAddNegative, v, 0) }

// ReadOnly is a counter this process may only read: a kernel counter, or
// any counter of a read-only bank.
type ReadOnly struct {
	bank  *Bank
	index uint64
	v     *int64
}

// Index is the counter's index in its bank.
func (r *ReadOnly) Index() uint64 { return r.index }

// Load atomically loads the value from the page.
func (r *ReadOnly) Load() int64 { return atomic.LoadInt64(r.v) }

// Wait is Counter.Wait.
func (r *ReadOnly) Wait(cond Cond, value int64, timeout time.Duration) (int64, error) {
	return r.bank.wait(r.index, cond, value, timeout)
}

// Op runs a kernel operation through the ioctl; writes get EPERM (the
// kernel's region) or EBADF (a read-only bank).
func (r *ReadOnly) Op(op Opcode, order Order, value, expected int64) (int64, error) {
	return r.bank.op(r.index, op, order, value, expected)
}

// Names is the bank's named counters in the shape of the Go tour's
// SafeCounter, without the mutex: each update is one atomic add on the
// shared page (the name is resolved once, then cached).
type Names struct {
	bank  *Bank
	cache sync.Map // string -> *Counter
}

// Names returns the bank's named counters.
func (b *Bank) Names() *Names { return &Names{bank: b} }

func (n *Names) counter(key string) (*Counter, error) {
	if c, ok := n.cache.Load(key); ok {
		return c.(*Counter), nil
	}
	c, err := n.bank.Named(key)
	if err != nil {
		return nil, err
	}
	n.cache.Store(key, c)
	return c, nil
}

// Inc adds one to the counter called key, creating it if needed.
func (n *Names) Inc(key string) error {
	c, err := n.counter(key)
	if err == nil {
		c.Add(1)
	}
	return err
}

// Value is the current value of the counter called key.
func (n *Names) Value(key string) (int64, error) {
	c, err := n.counter(key)
	if err != nil {
		return 0, err
	}
	return c.Load(), nil
}

// ErrTimeout is what Wait's timeout wraps (errors.Is(err, ErrTimeout)).
var ErrTimeout error = syscall.ETIMEDOUT
