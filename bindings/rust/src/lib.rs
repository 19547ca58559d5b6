// SPDX-License-Identifier: MIT
//! Counters shared by processes through the Linux `atomic_counter` module
//! (`/dev/atomic_counter`), with the API of [`std::sync::atomic::AtomicI64`].
//!
//! A [`Bank`] is the module's bank of 64-bit counters (the global one of
//! the device, or a private one), mapped into the process. A [`Counter`]
//! is one of its counters: its methods are `AtomicI64`'s, with
//! [`Ordering`], run with Rust's own atomics on the shared page, so a
//! `fetch_add(1, Relaxed)` costs what it costs on a local `AtomicI64`.
//! Counters the page does not let a process write (the kernel's region, a
//! read-only bank) are [`ReadOnlyCounter`]s, and every operation of the
//! kernel is also available through the module's ioctl ([`Counter::op`]).
//!
//! ```no_run
//! use std::sync::atomic::Ordering;
//! use linux_atomic_counter::Bank;
//!
//! let bank = Bank::open()?;
//! let requests = bank.named("requests")?;
//! let before = requests.fetch_add(1, Ordering::Relaxed);
//! println!("request number {}", before + 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Errors are [`std::io::Error`]s carrying the module's errno
//! ([`io::Error::raw_os_error`]), the same the C library returns for the
//! same mistake.
//!
//! Waiting: [`Counter::wait_until`] blocks until a condition holds. An
//! update made on the page wakes nobody by itself (that would cost every
//! update a fence); the updater calls [`Counter::wake`] afterwards, which
//! makes a system call only when the value may satisfy a waiter of that
//! counter (outside the counter's band, which the module maps read-only:
//! a slot per counter names its entry of a table of bands), or, from a
//! module without bands, while anyone waits: as the C library's `ac_wake()`
//! does.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod sys;

use std::fmt;
use std::io;
use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use std::sync::atomic::Ordering as MemoryOrdering;

fn errno(e: i32) -> io::Error {
    io::Error::from_raw_os_error(e)
}

/// The kernel's operations, numbered as `enum atomic_counter_opcode` of
/// the uapi header; for [`Counter::op`], which runs them through the
/// module's ioctl.
///
/// ```
/// use linux_atomic_counter::Opcode;
/// assert_eq!(Opcode::FetchAdd as u32, 14);
/// assert_eq!(Opcode::ALL.len(), 36);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[allow(missing_docs)]
pub enum Opcode {
    Read = 0,
    Set,
    Add,
    Sub,
    Inc,
    Dec,
    And,
    Or,
    Xor,
    AndNot,
    AddReturn,
    SubReturn,
    IncReturn,
    DecReturn,
    FetchAdd,
    FetchSub,
    FetchInc,
    FetchDec,
    FetchAnd,
    FetchOr,
    FetchXor,
    FetchAndNot,
    Xchg,
    CmpXchg,
    FetchMax,
    FetchMin,
    AddUnless,
    FetchAddUnless,
    IncNotZero,
    IncUnlessNegative,
    DecUnlessPositive,
    DecIfPositive,
    SubAndTest,
    DecAndTest,
    IncAndTest,
    AddNegative,
}

impl Opcode {
    /// Every opcode, in the uapi's order.
    pub const ALL: [Opcode; 36] = {
        use Opcode::*;
        [
            Read, Set, Add, Sub, Inc, Dec, And, Or, Xor, AndNot, AddReturn, SubReturn,
            IncReturn, DecReturn, FetchAdd, FetchSub, FetchInc, FetchDec, FetchAnd, FetchOr,
            FetchXor, FetchAndNot, Xchg, CmpXchg, FetchMax, FetchMin, AddUnless,
            FetchAddUnless, IncNotZero, IncUnlessNegative, DecUnlessPositive, DecIfPositive,
            SubAndTest, DecAndTest, IncAndTest, AddNegative,
        ]
    };
}

/// The uapi's ordering for a Rust [`Ordering`]: `Relaxed`, `Acquire` and
/// `Release` are the module's own; `AcqRel` and `SeqCst` are its fully
/// ordered form (`ATOMIC_COUNTER_FULL`, the kernel's unsuffixed
/// operations, which are at least as strong as either).
///
/// ```
/// use std::sync::atomic::Ordering;
/// use linux_atomic_counter::uapi_order;
/// assert_eq!(uapi_order(Ordering::Relaxed), 1);
/// assert_eq!(uapi_order(Ordering::SeqCst), 0);
/// ```
pub fn uapi_order(order: Ordering) -> u32 {
    match order {
        Ordering::Relaxed => sys::ORDER_RELAXED,
        Ordering::Acquire => sys::ORDER_ACQUIRE,
        Ordering::Release => sys::ORDER_RELEASE,
        _ => sys::ORDER_FULL,
    }
}

/// A condition on a counter, for [`Counter::wait_until`] and
/// [`Bank::arm`] (signed comparisons).
///
/// ```
/// use linux_atomic_counter::Cond;
/// assert!(Cond::Ge(10).holds(12));
/// assert!(!Cond::Eq(3).holds(4));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// The counter equals the value.
    Eq(i64),
    /// The counter differs from the value.
    Ne(i64),
    /// The counter is at least the value.
    Ge(i64),
    /// The counter is at most the value.
    Le(i64),
}

impl Cond {
    fn raw(self) -> (u32, i64) {
        match self {
            Cond::Eq(v) => (0, v),
            Cond::Ne(v) => (1, v),
            Cond::Ge(v) => (2, v),
            Cond::Le(v) => (3, v),
        }
    }

    /// Whether `value` satisfies the condition.
    pub fn holds(self, value: i64) -> bool {
        match self {
            Cond::Eq(v) => value == v,
            Cond::Ne(v) => value != v,
            Cond::Ge(v) => value >= v,
            Cond::Le(v) => value <= v,
        }
    }
}

struct Inner {
    fd: OwnedFd,
    map: sys::Mapping,
    /// The band slots and their table, when the module has them and they
    /// mapped (for wake).
    bands: Option<sys::Bands>,
    info: sys::Info,
    writable: bool,
}


/// A bank of counters: the global one of `/dev/atomic_counter`, or a
/// private one, mapped. Cheap to clone (the clones share the file and the
/// mapping), `Send + Sync`; unmapped and closed when the last clone and
/// the last [`Counter`] taken from it are dropped.
///
/// ```no_run
/// use linux_atomic_counter::Bank;
/// let bank = Bank::open()?;
/// println!("{} counters by number", bank.nr_counters());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Bank(Arc<Inner>);

impl fmt::Debug for Bank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bank")
            .field("fd", &self.0.fd.as_raw_fd())
            .field("private", &self.is_private())
            .field("writable", &self.0.writable)
            .finish()
    }
}

/// Whether `[first, first + n)` lies within `total`, without overflow.
fn region_ok(first: u64, n: u64, total: u64) -> bool {
    first <= total && n <= total - first
}

/// The C library's `ac__check_info()`: whatever the crate relies on, or
/// EPROTO (a module it was not built for).
fn check_info(i: &sys::Info, page: u64) -> io::Result<()> {
    let bad = || Err(errno(libc::EPROTO));
    let total = i.map_size / sys::SIZE;
    let per_page = page / sys::SIZE;
    if i.api != sys::API || i.features & sys::REQUIRED_FEATURES != sys::REQUIRED_FEATURES {
        return bad();
    }
    if i.map_size == 0 || per_page == 0 || i.map_size % page != 0 {
        return bad();
    }
    if i.nr_counters == 0
        || i.nr_counters > i.named_first
        || i.named_first % per_page != 0
        || !region_ok(i.named_first, i.nr_named, total)
    {
        return bad();
    }
    if i.nr_stripes == 0
        || i.nr_striped == 0
        || i.nr_striped > total
        || i.nr_stripes > total / i.nr_striped
    {
        return bad();
    }
    let slots = i.nr_striped * i.nr_stripes;
    let striped_first = i.named_first + i.nr_named;
    if !region_ok(striped_first, slots, total)
        || i.kernel_first < striped_first + slots
        || i.kernel_first == 0
        || i.kernel_first % per_page != 0
        || !region_ok(i.kernel_first, i.nr_kernel, total)
        || i.nr_kernel_striped.checked_mul(i.nr_stripes).map_or(true, |s| {
            !region_ok(i.kernel_first + i.nr_kernel, s, total)
        })
    {
        return bad();
    }
    if i.nr_kernel_striped != 0 && i.nr_kernel_striped != i.nr_striped {
        return bad();
    }
    if i.waiters_index < i.kernel_first || i.waiters_index >= i.kernel_first + i.nr_kernel {
        return bad();
    }
    if i.batch_max == 0 {
        return bad();
    }
    Ok(())
}

/// The CPU row of `index` in a striped region, or None outside both
/// (the C library's `ac_striped_row()`).
fn striped_row(i: &sys::Info, index: u64) -> Option<u64> {
    let slots = i.nr_striped * i.nr_stripes;
    let firsts = [i.named_first + i.nr_named, i.kernel_first + i.nr_kernel];
    // A private bank has no kernel striped region (nr_kernel_striped 0):
    // its map ends with the kernel's plain region.
    let sizes = [slots, if i.map_size / sys::SIZE <= firsts[1] { 0 } else { slots }];
    (0..2)
        .find(|&r| index >= firsts[r] && index < firsts[r] + sizes[r])
        .map(|r| (index - firsts[r]) / i.nr_striped)
}

/// Slots of the striped regions that have no band slot of their own:
/// every row but CPU 0's, of the regions that end at or before `counter`
/// (the C library's `bands_skipped()`; "Waiting" in the uapi header).
fn bands_skipped(i: &sys::Info, counter: u64) -> u64 {
    let rows = i.nr_stripes - 1;
    let mut skipped = 0;
    if counter >= i.named_first + i.nr_named + i.nr_striped * i.nr_stripes {
        skipped += i.nr_striped * rows;
    }
    if counter >= i.kernel_first + i.nr_kernel + i.nr_kernel_striped * i.nr_stripes {
        skipped += i.nr_kernel_striped * rows;
    }
    skipped
}

/// How many band slots the module keeps for the bank `i` describes (the
/// C library's `ac__nr_band_slots()`).
fn nr_band_slots(i: &sys::Info) -> u64 {
    let total = i.map_size / sys::SIZE;
    total - bands_skipped(i, total)
}

/// The position among the band slots of index `index` (below the bank's
/// total): its counter's, a striped counter's slot standing for its CPU 0
/// slot.
fn band_slot_position(i: &sys::Info, index: u64) -> u64 {
    let counter = match striped_row(i, index) {
        Some(row) => index - row * i.nr_striped,
        None => index,
    };
    counter - bands_skipped(i, counter)
}

/// Whether `v` may satisfy a waiter of the entry's counter: outside the
/// band, or the band was changing. A seqcount's read without the retry,
/// as the C library's `band_outside()` and the module's own check.
///
/// Every load is Relaxed with an Acquire fence after it where the order
/// matters: Rust's atomics promise only Relaxed loads on read-only memory.
fn band_outside(b: &sys::Band, v: i64) -> bool {
    let seq = b.seq.load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    let lo = b.lo.load(Ordering::Relaxed);
    let hi = b.hi.load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    if seq & 1 != 0 || seq != b.seq.load(Ordering::Relaxed) {
        return true;
    }
    v < lo || v > hi
}

/// Whether `v`, the value of index `index` (below the bank's total), may
/// satisfy a waiter of its counter: the counter's band slot, an Acquire
/// fence (pairing with the module's smp_store_release() of the slot, so
/// that the entry it names is read after it), then that entry of the
/// table. A slot past the table (or past the slots) is outside: call.
fn slot_outside(bands: &sys::Bands, i: &sys::Info, index: u64, v: i64) -> bool {
    match bands.slot(band_slot_position(i, index)) {
        Some(slot) => {
            let nr = slot.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            bands.entry(nr).map_or(true, |b| band_outside(b, v))
        }
        None => true,
    }
}

/// The band slots and their table, mapped as the C library's
/// `map_bands()` maps them: one window from `band_slot_offset`, only from
/// a module with the feature whose slots cover every counter and end where
/// the table begins. None otherwise, or when the map fails: wake then
/// keeps the waiter-count rule, which every module honours. Only on
/// 64-bit targets: Rust promises a Relaxed 8-byte load on read-only memory
/// only where 8-byte atomics are native.
fn map_bands(fd: &OwnedFd, i: &sys::Info) -> Option<sys::Bands> {
    if !bands_usable(i) || cfg!(not(target_pointer_width = "64")) {
        return None;
    }
    sys::Bands::new(fd, i.band_slot_offset, i.band_slot_size, i.band_size, nr_band_slots(i)).ok()
}

/// Whether INFO offers a table of bands and slots that cover every
/// counter, in one window. A module that knows a smaller INFO leaves
/// `band_slot_size` zero: no.
fn bands_usable(i: &sys::Info) -> bool {
    i.features & sys::FEATURE_BANDS != 0
        && i.band_size != 0
        && i.band_slot_size / std::mem::size_of::<u32>() as u64 >= nr_band_slots(i)
        && i.band_slot_offset.checked_add(i.band_slot_size) == Some(i.band_offset)
}

impl Bank {
    fn setup(fd: OwnedFd, writable: bool) -> io::Result<Bank> {
        let mut info = sys::Info {
            api: sys::API,
            ..Default::default()
        };
        if let Err(e) = sys::ioctl(fd.as_raw_fd(), sys::IOC_INFO, &mut info) {
            // A module that does not speak API 2 answers EINVAL.
            return Err(if e.raw_os_error() == Some(libc::EINVAL) {
                errno(libc::EPROTO)
            } else {
                e
            });
        }
        check_info(&info, sys::page_size())?;
        let map = sys::Mapping::new(&fd, info.map_size, info.kernel_first * sys::SIZE, writable)?;
        let bands = map_bands(&fd, &info);
        Ok(Bank(Arc::new(Inner {
            fd,
            map,
            bands,
            info,
            writable,
        })))
    }

    /// The bank a parent handed down ($ATOMIC_COUNTER_BANK_FD, for the
    /// process $ATOMIC_COUNTER_BANK_PID names, as the C library reads
    /// them), if any.
    fn handed_down(write: bool) -> Option<io::Result<Bank>> {
        let fd = std::env::var("ATOMIC_COUNTER_BANK_FD").ok()?;
        let pid = std::env::var("ATOMIC_COUNTER_BANK_PID").ok()?;
        if fd.is_empty() || pid.parse::<u32>().ok()? != sys::getpid() {
            return None;
        }
        Some(match fd.parse::<i32>() {
            Ok(fd) if fd >= 0 => Self::reopen_raw(fd, !write),
            _ => Err(errno(libc::EBADF)),
        })
    }

    fn reopen_raw(fd: RawFd, readonly: bool) -> io::Result<Bank> {
        let mut b = sys::BankArg {
            flags: sys::BANK_REOPEN | if readonly { sys::BANK_RDONLY } else { 0 },
            ..Default::default()
        };
        let new = sys::ioctl(fd, sys::IOC_BANK, &mut b)?;
        Self::setup(sys::own_fd(new), !readonly)
    }

    fn open_mode(write: bool) -> io::Result<Bank> {
        if let Some(b) = Self::handed_down(write) {
            return b;
        }
        let path = std::env::var("ATOMIC_COUNTER_DEVICE")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/dev/atomic_counter".to_string());
        Self::setup(sys::open(&path, write)?, write)
    }

    /// The global bank of `/dev/atomic_counter` (or of
    /// `$ATOMIC_COUNTER_DEVICE`), read-write; or the private bank a parent
    /// handed down through `$ATOMIC_COUNTER_BANK_FD`, as the C library's
    /// `ac_open()` does.
    ///
    /// Errors: the open's (ENOENT without the module, EACCES), EPROTO for
    /// a module of another API.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn open() -> io::Result<Bank> {
        Self::open_mode(true)
    }

    /// As [`Bank::open`], read-only: every counter is a
    /// [`ReadOnlyCounter`], and [`Bank::counter`] fails with EBADF.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open_readonly()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn open_readonly() -> io::Result<Bank> {
        Self::open_mode(false)
    }

    /// A new private bank (the C library's default sizes: 512 counters by
    /// number, 512 named, 64 striped), reached only through this value and
    /// what it is shared with (its descriptor across `fork`/`exec`, or by
    /// `SCM_RIGHTS`).
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::private()?;
    /// assert!(bank.is_private());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn private() -> io::Result<Bank> {
        Self::private_with(512, 512, 64)
    }

    /// A new private bank with `nr_counters` counters by number,
    /// `nr_named` named ones and `nr_striped` striped ones (each rounded
    /// up by the module).
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::private_with(4096, 64, 8)?;
    /// assert!(bank.nr_counters() >= 4096);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn private_with(nr_counters: u64, nr_named: u64, nr_striped: u64) -> io::Result<Bank> {
        let path = std::env::var("ATOMIC_COUNTER_DEVICE")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/dev/atomic_counter".to_string());
        let dev = sys::open(&path, true)?;
        let mut b = sys::BankArg {
            nr_counters,
            nr_named,
            nr_striped,
            ..Default::default()
        };
        let fd = sys::ioctl(dev.as_raw_fd(), sys::IOC_BANK, &mut b)?;
        Self::setup(sys::own_fd(fd), true)
    }

    /// The bank of descriptor `fd` (the device, or a private bank's file),
    /// which is duplicated: the caller keeps `fd`. Read-only when `fd` was
    /// opened read-only. EBADF when `fd` is not open, as the C library's
    /// `ac_open_fd()`.
    ///
    /// ```no_run
    /// use std::os::unix::io::AsRawFd;
    /// let file = std::fs::File::open("/dev/atomic_counter")?;
    /// let bank = linux_atomic_counter::Bank::from_fd(file.as_raw_fd())?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_fd(fd: RawFd) -> io::Result<Bank> {
        let (fd, writable) = sys::dup(fd)?;
        Self::setup(fd, writable)
    }

    /// Another file of the same bank, read-only if asked: each armed
    /// condition ([`Bank::arm`]) belongs to one file.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// let reader = bank.reopen(true)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reopen(&self, readonly: bool) -> io::Result<Bank> {
        Self::reopen_raw(self.0.fd.as_raw_fd(), readonly)
    }

    /// Whether this is a private bank.
    pub fn is_private(&self) -> bool {
        self.0.info.flags & 1 != 0
    }

    /// Whether counters may be written (the file was opened read-write).
    pub fn is_writable(&self) -> bool {
        self.0.writable
    }

    /// Counters used by number: indices `0..nr_counters()`.
    pub fn nr_counters(&self) -> u64 {
        self.0.info.nr_counters
    }

    /// First index of the kernel's read-only region: every index below it
    /// may be written on the page.
    pub fn kernel_first(&self) -> u64 {
        self.0.info.kernel_first
    }

    /// Every index is below this.
    pub fn nr_total(&self) -> u64 {
        self.0.info.map_size / sys::SIZE
    }

    fn word(&self, index: u64) -> &AtomicI64 {
        self.0.map.word(index).expect("index checked when the counter was made")
    }

    /// The CPU row of `index` in a striped region, or None outside both
    /// (the C library's `ac_striped_row()`).
    fn striped_row(&self, index: u64) -> Option<u64> {
        striped_row(&self.0.info, index)
    }

    /// Counter `index`, writable on the page.
    ///
    /// Errors, the module's for a write there, in its order: EINVAL past
    /// the bank, EBADF for a read-only bank, EPERM in the kernel's
    /// region (use [`Bank::reader`]).
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::SeqCst;
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// let c = bank.counter(3)?;
    /// c.store(0, SeqCst);
    /// assert_eq!(c.fetch_add(5, SeqCst), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn counter(&self, index: u64) -> io::Result<Counter> {
        if index >= self.nr_total() {
            return Err(errno(libc::EINVAL));
        }
        if !self.0.writable {
            return Err(errno(libc::EBADF));
        }
        if index >= self.0.info.kernel_first {
            return Err(errno(libc::EPERM));
        }
        Ok(Counter {
            word: sys::Word::new(self.clone(), index).ok_or_else(|| errno(libc::EINVAL))?,
            index,
        })
    }

    /// Counter `index` for reading, in any region (EINVAL past the bank).
    /// A striped counter reads as the sum of its slots.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open_readonly()?;
    /// println!("{}", bank.reader(0)?.load(std::sync::atomic::Ordering::Acquire));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reader(&self, index: u64) -> io::Result<ReadOnlyCounter> {
        if index >= self.nr_total() {
            return Err(errno(libc::EINVAL));
        }
        Ok(ReadOnlyCounter {
            bank: self.clone(),
            index,
            striped: self.striped_row(index) == Some(0),
        })
    }

    fn name_ioctl(&self, cmd: u64, name: &str, flags: u64) -> io::Result<sys::Name> {
        let mut n = sys::Name {
            name: [0; sys::NAME_MAX],
            index: 0,
            flags,
            owner: 0,
            created: 0,
            generation: 0,
            reserved: 0,
        };
        let b = name.as_bytes();
        if b.len() >= sys::NAME_MAX || b.contains(&0) {
            return Err(errno(libc::EINVAL));
        }
        n.name[..b.len()].copy_from_slice(b);
        sys::ioctl(self.0.fd.as_raw_fd(), cmd, &mut n)?;
        Ok(n)
    }

    /// The counter called `name`, created (zeroed) if it does not exist.
    ///
    /// Errors: EINVAL for a malformed name, EEXIST for a striped counter
    /// of that name, ENOSPC when the named region is full, EPERM for a
    /// `kernel.` name (see [`Bank::kernel`]), EBADF for a read-only bank.
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::Relaxed;
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// bank.named("requests")?.fetch_add(1, Relaxed);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn named(&self, name: &str) -> io::Result<Counter> {
        if !self.0.writable {
            return Err(errno(libc::EBADF));
        }
        let n = self.name_ioctl(sys::IOC_NAME_CREATE, name, 0)?;
        self.counter(n.index)
    }

    /// Deletes the name of a user counter: its counter is free for the
    /// next name (zeroed then). EPERM for a kernel counter's name, ENOENT
    /// for an unknown one. Whoever still holds the counter can still
    /// write it: processes that share a name agree on when it goes.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// bank.named("scratch")?;
    /// bank.delete("scratch")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn delete(&self, name: &str) -> io::Result<()> {
        self.name_ioctl(sys::IOC_NAME_DELETE, name, 0).map(|_| ())
    }

    /// The existing counter called `name`, for reading: a kernel counter
    /// (`kernel.forks`), or any other name (ENOENT when there is none).
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::Relaxed;
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// let forks = bank.kernel("kernel.forks")?;
    /// println!("{} forks", forks.load(Relaxed));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kernel(&self, name: &str) -> io::Result<ReadOnlyCounter> {
        let n = self.name_ioctl(sys::IOC_NAME_LOOKUP, name, 0)?;
        self.reader(n.index)
    }

    /// The striped counter called `name`, created if it does not exist:
    /// one slot per CPU, for counts that many CPUs bump at once.
    ///
    /// ```no_run
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// let hits = bank.striped("http.requests")?;
    /// hits.inc();
    /// println!("{}", hits.load());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn striped(&self, name: &str) -> io::Result<Striped> {
        if !self.0.writable {
            return Err(errno(libc::EBADF));
        }
        let n = self.name_ioctl(sys::IOC_NAME_CREATE, name, sys::NAME_STRIPED)?;
        if self.striped_row(n.index) != Some(0) {
            return Err(errno(libc::EPROTO));
        }
        Ok(Striped {
            bank: self.clone(),
            index: n.index,
        })
    }

    /// After an update of counter `index` on the page, wake its waiters:
    /// the uapi's rule for page updates, as the C library's `ac_wake()`
    /// applies it. A full fence, then a look at the counter's band (the
    /// values no waiter of that counter waits for, which the module maps
    /// read-only: the counter's band slot names its entry of a table of
    /// bands; a striped counter's for all its slots): the WAKE system
    /// call only when the value of `index` lies outside it, so a waiter on
    /// another counter, or one whose condition the value cannot meet,
    /// costs the update no system call. From a module without bands, a
    /// look at the waiter count on the page instead, and the call while
    /// anyone waits. EBADF for a read-only bank, always.
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::Relaxed;
    /// let bank = linux_atomic_counter::Bank::open()?;
    /// bank.counter(7)?.fetch_add(1, Relaxed);
    /// bank.wake(7)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wake(&self, index: u64) -> io::Result<()> {
        // The whole rule is here, and only here: a waiter narrows its
        // counter's band (or, without bands, raises the count) and then
        // reads the counter; the updater has written the counter and now
        // reads the band's slot and entry (the count): a Dekker pattern,
        // so a full fence, on x86 too, before anything else.
        fence(Ordering::SeqCst);
        let i = &self.0.info;
        let waiting = match &self.0.bands {
            // The slot's own word, not the sum: the module reads the sum
            // for a striped counter's waiters, whose band is kept empty.
            Some(bands) if index < self.nr_total() => {
                slot_outside(bands, i, index, self.word(index).load(Ordering::Relaxed))
            }
            _ => self.word(i.waiters_index).load(Ordering::Relaxed) != 0,
        };
        if !self.0.writable {
            return Err(errno(libc::EBADF));
        }
        if !waiting {
            return Ok(());
        }
        let mut w = sys::Wake { index, flags: 0 };
        sys::ioctl(self.0.fd.as_raw_fd(), sys::IOC_WAKE, &mut w).map(|_| ())
    }

    fn wait_raw(
        &self,
        cmd: u64,
        index: u64,
        cond: Cond,
        timeout: Option<Duration>,
    ) -> io::Result<i64> {
        let (c, value) = cond.raw();
        let mut w = sys::Wait {
            index,
            cond: c,
            flags: if self.striped_row(index) == Some(0) {
                sys::WAIT_STRIPED
            } else {
                0
            },
            value,
            timeout_ns: match (cmd == sys::IOC_ARM, timeout) {
                (true, _) => 0,
                (false, None) => -1,
                (false, Some(d)) => d.as_nanos().min(i64::MAX as u128) as i64,
            },
            ..Default::default()
        };
        loop {
            match sys::ioctl(self.0.fd.as_raw_fd(), cmd, &mut w) {
                Ok(_) => return Ok(w.result),
                // The module left the time remaining in timeout_ns.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Make `poll`/`epoll` (and so `mio` or `tokio`'s `AsyncFd`) on this
    /// bank's descriptor report readable while counter `index` satisfies
    /// `cond`. The condition belongs to the file: give each one a file
    /// of its own with [`Bank::reopen`].
    ///
    /// ```no_run
    /// use linux_atomic_counter::{Bank, Cond};
    /// use std::os::unix::io::AsRawFd;
    /// let bank = Bank::open()?.reopen(true)?;
    /// bank.arm(0, Cond::Ge(100))?;
    /// let mut pfd = libc::pollfd { fd: bank.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    /// // poll(&mut pfd, 1, -1) returns once counter 0 reaches 100.
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn arm(&self, index: u64, cond: Cond) -> io::Result<()> {
        self.wait_raw(sys::IOC_ARM, index, cond, None).map(|_| ())
    }

    /// Drop the condition [`Bank::arm`] attached to this file.
    pub fn disarm(&self) -> io::Result<()> {
        sys::ioctl_none(self.0.fd.as_raw_fd(), sys::IOC_DISARM)
    }
}

impl sys::HasMapping for Bank {
    fn mapping(&self) -> &sys::Mapping {
        &self.0.map
    }
}

impl AsRawFd for Bank {
    /// The bank's descriptor, for `poll`, `epoll`, `mio` and `tokio`'s
    /// `AsyncFd` (with [`Bank::arm`]).
    fn as_raw_fd(&self) -> RawFd {
        self.0.fd.as_raw_fd()
    }
}

impl AsFd for Bank {
    /// The bank's descriptor, borrowed.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.fd.as_fd()
    }
}

/// One counter of a bank, writable on the mapped page: the method set of
/// [`AtomicI64`] with the same [`Ordering`] rules (an ordering `AtomicI64`
/// refuses panics here too), plus the kernel's conditional operations.
/// `Send + Sync + Clone`; it keeps its bank mapped.
///
/// ```no_run
/// use std::sync::atomic::Ordering::*;
/// let bank = linux_atomic_counter::Bank::open()?;
/// let c = bank.counter(0)?;
/// c.store(10, Release);
/// assert_eq!(c.compare_exchange(10, 11, AcqRel, Acquire), Ok(10));
/// assert_eq!(c.fetch_max(20, SeqCst), 11);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Counter {
    word: sys::Word<Bank>,
    index: u64,
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("index", &self.index)
            .field("value", &self.load(Ordering::Relaxed))
            .finish()
    }
}

macro_rules! std_rmw {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(&self, val: i64, order: Ordering) -> i64 {
            self.atomic().$name(val, order)
        }
    )*};
}

// The page path is always inlined: a call would keep the ordering a
// run-time value (a jump table before the atomic instruction), where
// inlined it folds into the one instruction AtomicI64 itself compiles to.
impl Counter {
    #[inline(always)]
    fn atomic(&self) -> &AtomicI64 {
        self.word.get()
    }

    /// The counter's index in its bank.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The bank the counter belongs to.
    pub fn bank(&self) -> &Bank {
        self.word.owner()
    }

    /// Loads the value ([`AtomicI64::load`]; panics on `Release`, `AcqRel`).
    ///
    /// ```no_run
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// let v = c.load(std::sync::atomic::Ordering::Acquire);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline(always)]
    pub fn load(&self, order: Ordering) -> i64 {
        self.atomic().load(order)
    }

    /// Stores a value ([`AtomicI64::store`]; panics on `Acquire`, `AcqRel`).
    ///
    /// ```no_run
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.store(0, std::sync::atomic::Ordering::Release);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline(always)]
    pub fn store(&self, val: i64, order: Ordering) {
        self.atomic().store(val, order)
    }

    std_rmw! {
        /// Adds, wrapping, and returns the old value ([`AtomicI64::fetch_add`]).
        ///
        /// ```no_run
        /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
        /// let before = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        /// # Ok::<(), std::io::Error>(())
        /// ```
        fetch_add;
        /// Subtracts, wrapping, and returns the old value ([`AtomicI64::fetch_sub`]).
        fetch_sub;
        /// Bitwise and; returns the old value ([`AtomicI64::fetch_and`]).
        fetch_and;
        /// Bitwise nand; returns the old value ([`AtomicI64::fetch_nand`]).
        fetch_nand;
        /// Bitwise or; returns the old value ([`AtomicI64::fetch_or`]).
        fetch_or;
        /// Bitwise xor; returns the old value ([`AtomicI64::fetch_xor`]).
        fetch_xor;
        /// Stores the maximum; returns the old value ([`AtomicI64::fetch_max`]).
        fetch_max;
        /// Stores the minimum; returns the old value ([`AtomicI64::fetch_min`]).
        fetch_min;
        /// Stores a value and returns the old one ([`AtomicI64::swap`]).
        swap;
    }

    /// Clears the bits of `val` (the kernel's `fetch_andnot`); returns the
    /// old value.
    #[inline(always)]
    pub fn fetch_andnot(&self, val: i64, order: Ordering) -> i64 {
        self.atomic().fetch_and(!val, order)
    }

    /// Stores `new` if the value is `current` ([`AtomicI64::compare_exchange`]).
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::*;
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.store(5, SeqCst);
    /// assert_eq!(c.compare_exchange(5, 6, SeqCst, Relaxed), Ok(5));
    /// assert_eq!(c.compare_exchange(5, 7, SeqCst, Relaxed), Err(6));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline(always)]
    pub fn compare_exchange(
        &self,
        current: i64,
        new: i64,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i64, i64> {
        self.atomic().compare_exchange(current, new, success, failure)
    }

    /// As [`Counter::compare_exchange`], but may fail spuriously
    /// ([`AtomicI64::compare_exchange_weak`]), for loops.
    #[inline(always)]
    pub fn compare_exchange_weak(
        &self,
        current: i64,
        new: i64,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i64, i64> {
        self.atomic().compare_exchange_weak(current, new, success, failure)
    }

    /// Applies `f` until it stores or declines ([`AtomicI64::fetch_update`]).
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering::*;
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.store(7, SeqCst);
    /// assert_eq!(c.fetch_update(SeqCst, SeqCst, |x| Some(x * 2)), Ok(7));
    /// assert_eq!(c.load(SeqCst), 14);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: F,
    ) -> Result<i64, i64>
    where
        F: FnMut(i64) -> Option<i64>,
    {
        self.atomic().fetch_update(set_order, fetch_order, f)
    }

    // The kernel's conditional and testing forms: fully ordered when they
    // change the counter (a failed attempt orders nothing), as in the
    // kernel and the C library.

    /// Adds `a` unless the value is `u`; returns the old value
    /// (`atomic64_fetch_add_unless`).
    ///
    /// ```no_run
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.store(0, std::sync::atomic::Ordering::SeqCst);
    /// assert_eq!(c.fetch_add_unless(1, 0), 0); // nothing added
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn fetch_add_unless(&self, a: i64, u: i64) -> i64 {
        match self.fetch_update(Ordering::SeqCst, Ordering::Relaxed, |old| {
            if old == u {
                None
            } else {
                Some(old.wrapping_add(a))
            }
        }) {
            Ok(v) | Err(v) => v,
        }
    }

    /// Adds `a` unless the value is `u`; true if it added
    /// (`atomic64_add_unless`).
    pub fn add_unless(&self, a: i64, u: i64) -> bool {
        self.fetch_add_unless(a, u) != u
    }

    /// Adds one unless the value is zero; true if it added
    /// (`atomic64_inc_not_zero`: taking a reference on a live object).
    pub fn inc_not_zero(&self) -> bool {
        self.add_unless(1, 0)
    }

    /// Adds one unless the value is negative; true if it added.
    pub fn inc_unless_negative(&self) -> bool {
        self.fetch_update(Ordering::SeqCst, Ordering::Relaxed, |v| {
            if v < 0 {
                None
            } else {
                Some(v.wrapping_add(1))
            }
        })
        .is_ok()
    }

    /// Subtracts one unless the value is positive; true if it did.
    pub fn dec_unless_positive(&self) -> bool {
        self.fetch_update(Ordering::SeqCst, Ordering::Relaxed, |v| {
            if v > 0 {
                None
            } else {
                Some(v.wrapping_sub(1))
            }
        })
        .is_ok()
    }

    /// Subtracts one if the value is positive; returns the old value minus
    /// one (wrapping) whether or not it stored: it stored iff the old
    /// value was positive (`atomic64_dec_if_positive`).
    ///
    /// ```no_run
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.store(1, std::sync::atomic::Ordering::SeqCst);
    /// assert_eq!(c.dec_if_positive(), 0);
    /// assert_eq!(c.dec_if_positive(), -1); // not stored
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dec_if_positive(&self) -> i64 {
        match self.fetch_update(Ordering::SeqCst, Ordering::Relaxed, |v| {
            if v > 0 {
                Some(v - 1)
            } else {
                None
            }
        }) {
            Ok(v) | Err(v) => v.wrapping_sub(1),
        }
    }

    /// Subtracts `i`; true if the value is now zero.
    pub fn sub_and_test(&self, i: i64) -> bool {
        self.fetch_sub(i, Ordering::SeqCst).wrapping_sub(i) == 0
    }

    /// Subtracts one; true if the value is now zero (the last reference).
    pub fn dec_and_test(&self) -> bool {
        self.sub_and_test(1)
    }

    /// Adds one; true if the value is now zero.
    pub fn inc_and_test(&self) -> bool {
        self.fetch_add(1, Ordering::SeqCst).wrapping_add(1) == 0
    }

    /// Adds `i`; true if the value is now negative.
    pub fn add_negative(&self, i: i64) -> bool {
        self.fetch_add(i, Ordering::SeqCst).wrapping_add(i) < 0
    }

    /// Runs `op` through the module's ioctl instead of the page, in the
    /// uapi ordering for `order` (see [`uapi_order`]); returns what the
    /// kernel primitive returned (the uapi's opcode table: 0 for the void
    /// operations, 1/0 for the testing ones). `value` is the operand,
    /// `expected` cmpxchg's old value or add_unless's `u`. Errors are the
    /// module's: EINVAL for an ordering the operation does not take or an
    /// operand it does not use.
    ///
    /// ```no_run
    /// use linux_atomic_counter::Opcode;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// let old = c.op(Opcode::FetchAdd, SeqCst, 5, 0)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn op(&self, op: Opcode, order: Ordering, value: i64, expected: i64) -> io::Result<i64> {
        raw_op(self.bank(), self.index, op as u32, uapi_order(order), value, expected)
    }

    /// Wakes the counter's waiters after updates on the page
    /// ([`Bank::wake`]): a system call only when the value may satisfy
    /// one of them (while anyone waits, with a module without bands).
    ///
    /// ```no_run
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    /// c.wake()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wake(&self) -> io::Result<()> {
        self.bank().wake(self.index)
    }

    /// Blocks until the value satisfies `cond`, or `timeout` passes
    /// (ETIMEDOUT, [`io::ErrorKind::TimedOut`]; `None` waits for ever;
    /// `Some(Duration::ZERO)` checks once). Returns the value that
    /// satisfied it. Updates through the ioctls wake it; updates on the
    /// page do once their author calls [`Counter::wake`].
    ///
    /// ```no_run
    /// use linux_atomic_counter::Cond;
    /// use std::time::Duration;
    /// # let c = linux_atomic_counter::Bank::open()?.counter(0)?;
    /// let v = c.wait_until(Cond::Ge(10), Some(Duration::from_secs(5)))?;
    /// assert!(v >= 10);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wait_until(&self, cond: Cond, timeout: Option<Duration>) -> io::Result<i64> {
        self.bank().wait_raw(sys::IOC_WAIT, self.index, cond, timeout)
    }
}

fn raw_op(bank: &Bank, index: u64, op: u32, order: u32, value: i64, expected: i64) -> io::Result<i64> {
    let mut o = sys::Op {
        index,
        op,
        order,
        value,
        expected,
        ..Default::default()
    };
    sys::ioctl(bank.as_raw_fd(), sys::IOC_OP, &mut o)?;
    Ok(o.result)
}

/// A counter this process may only read: one of the kernel's, or any
/// counter of a read-only bank. A striped one reads as its sum.
///
/// ```no_run
/// use std::sync::atomic::Ordering::Relaxed;
/// let bank = linux_atomic_counter::Bank::open()?;
/// let forks = bank.kernel("kernel.forks")?;
/// println!("{} forks so far", forks.load(Relaxed));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct ReadOnlyCounter {
    bank: Bank,
    index: u64,
    striped: bool,
}

impl fmt::Debug for ReadOnlyCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOnlyCounter")
            .field("index", &self.index)
            .field("value", &self.load(Ordering::Relaxed))
            .finish()
    }
}

impl ReadOnlyCounter {
    /// The counter's index in its bank.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Loads the value from the page ([`AtomicI64::load`]'s rules); the
    /// sum of the slots for a striped counter.
    pub fn load(&self, order: Ordering) -> i64 {
        if self.striped {
            return striped_sum(&self.bank, self.index, order);
        }
        self.bank.word(self.index).load(order)
    }

    /// As [`Counter::wait_until`].
    pub fn wait_until(&self, cond: Cond, timeout: Option<Duration>) -> io::Result<i64> {
        self.bank.wait_raw(sys::IOC_WAIT, self.index, cond, timeout)
    }

    /// Runs a kernel operation through the ioctl, as [`Counter::op`]: a
    /// write is refused (EPERM in the kernel's region, EBADF through a
    /// read-only bank).
    pub fn op(&self, op: Opcode, order: Ordering, value: i64, expected: i64) -> io::Result<i64> {
        raw_op(&self.bank, self.index, op as u32, uapi_order(order), value, expected)
    }
}

fn striped_sum(bank: &Bank, index: u64, order: Ordering) -> i64 {
    let i = &bank.0.info;
    (0..i.nr_stripes).fold(0i64, |s, c| {
        s.wrapping_add(bank.word(index + c * i.nr_striped).load(order))
    })
}

/// A striped counter: one slot per CPU, each update a relaxed add on the
/// slot of the CPU the thread runs on, the value the sum of the slots
/// (wrapping). For counts many CPUs bump at once; while updates only add,
/// [`Striped::load`] is a value the counter passed through.
///
/// ```no_run
/// let bank = linux_atomic_counter::Bank::open()?;
/// let s = bank.striped("jobs.done")?;
/// s.add(3);
/// s.dec();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Striped {
    bank: Bank,
    index: u64,
}

impl fmt::Debug for Striped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Striped")
            .field("index", &self.index)
            .field("value", &self.load())
            .finish()
    }
}

impl Striped {
    /// The counter's index (its CPU 0 slot).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Adds `i` (wrapping) to this CPU's slot.
    pub fn add(&self, i: i64) {
        let info = &self.bank.0.info;
        let cpu = sys::cpu() % info.nr_stripes;
        self.bank
            .word(self.index + cpu * info.nr_striped)
            .fetch_add(i, Ordering::Relaxed);
    }

    /// Subtracts `i`.
    pub fn sub(&self, i: i64) {
        self.add(i.wrapping_neg())
    }

    /// Adds one.
    pub fn inc(&self) {
        self.add(1)
    }

    /// Subtracts one.
    pub fn dec(&self) {
        self.add(-1)
    }

    /// The sum of the slots.
    pub fn load(&self) -> i64 {
        striped_sum(&self.bank, self.index, Ordering::Relaxed)
    }

    /// Wakes the waiters on the sum after updates ([`Bank::wake`]).
    pub fn wake(&self) -> io::Result<()> {
        self.bank.wake(self.index)
    }

    /// Blocks until the sum is at least `at_least` (the only condition a
    /// sum can be waited on with), or `timeout` passes.
    pub fn wait_until(&self, at_least: i64, timeout: Option<Duration>) -> io::Result<i64> {
        self.bank.wait_raw(sys::IOC_WAIT, self.index, Cond::Ge(at_least), timeout)
    }
}

/// The trait of the `atomic_counter` crate, with its method names and
/// `usize` values, so that code written for its counters compiles with
/// these (change the `use` line and how the counter is made).
///
/// ```no_run
/// use linux_atomic_counter::{AtomicCounter, Bank, RelaxedCounter};
/// let bank = Bank::open()?;
/// let counter = RelaxedCounter::new(bank.named("events")?);
/// counter.inc();
/// counter.add(5);
/// println!("{}", counter.get());
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait AtomicCounter: Send + Sync {
    /// The counted type: `usize`, as in the `atomic_counter` crate.
    type PrimitiveType;
    /// Adds one; returns the previous value.
    fn inc(&self) -> Self::PrimitiveType;
    /// Adds `amount`; returns the previous value.
    fn add(&self, amount: Self::PrimitiveType) -> Self::PrimitiveType;
    /// The current value.
    fn get(&self) -> Self::PrimitiveType;
    /// Sets the value to zero; returns the value it replaced.
    fn reset(&self) -> Self::PrimitiveType;
    /// The value, consuming the counter handle (the shared counter itself
    /// stays in the bank).
    fn into_inner(self) -> Self::PrimitiveType;
}

/// A counter with relaxed operations (the `atomic_counter` crate's
/// `RelaxedCounter`): for statistics read now and then, ordering nothing
/// else.
///
/// ```no_run
/// use linux_atomic_counter::{AtomicCounter, Bank, RelaxedCounter};
/// let c = RelaxedCounter::new(Bank::open()?.named("hits")?);
/// assert_eq!(c.add(2) + 2, c.get());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RelaxedCounter(Counter);

/// A counter with sequentially consistent operations (the
/// `atomic_counter` crate's `ConsistentCounter`): for counts that order
/// other memory, such as an `a > b` invariant across two counters.
///
/// ```no_run
/// use linux_atomic_counter::{AtomicCounter, Bank, ConsistentCounter};
/// let bank = Bank::open()?;
/// let a = ConsistentCounter::new(bank.named("a")?);
/// let b = ConsistentCounter::new(bank.named("b")?);
/// a.inc();
/// b.inc();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConsistentCounter(Counter);

macro_rules! crate_counter {
    ($t:ident, $rmw:expr, $load:expr) => {
        impl $t {
            /// Wraps a counter of a bank.
            pub fn new(counter: Counter) -> Self {
                $t(counter)
            }

            /// The counter underneath.
            pub fn counter(&self) -> &Counter {
                &self.0
            }
        }

        impl From<Counter> for $t {
            fn from(c: Counter) -> Self {
                $t(c)
            }
        }

        impl AtomicCounter for $t {
            type PrimitiveType = usize;
            fn inc(&self) -> usize {
                self.0.fetch_add(1, $rmw) as usize
            }
            fn add(&self, amount: usize) -> usize {
                self.0.fetch_add(amount as i64, $rmw) as usize
            }
            fn get(&self) -> usize {
                self.0.load($load) as usize
            }
            fn reset(&self) -> usize {
                self.0.swap(0, $rmw) as usize
            }
            fn into_inner(self) -> usize {
                self.0.load($load) as usize
            }
        }
    };
}

crate_counter!(RelaxedCounter, Ordering::Relaxed, Ordering::Relaxed);
crate_counter!(ConsistentCounter, Ordering::SeqCst, Ordering::SeqCst);

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> sys::Info {
        sys::Info {
            api: 2,
            features: 63,
            nr_counters: 512,
            map_size: 4096 * 8,
            batch_max: 256,
            named_first: 512,
            nr_named: 512,
            nr_striped: 8,
            nr_stripes: 4,
            kernel_first: 2048,
            nr_kernel: 512,
            waiters_index: 2048,
            cache_line_bytes: 64,
            ..Default::default()
        }
    }

    #[test]
    fn check_info_is_the_c_librarys() {
        assert!(check_info(&good(), 4096).is_ok());
        let mut i = good();
        i.api = 1;
        assert_eq!(check_info(&i, 4096).unwrap_err().raw_os_error(), Some(libc::EPROTO));
        let mut i = good();
        i.waiters_index = 0;
        assert!(check_info(&i, 4096).is_err());
        let mut i = good();
        i.kernel_first = 1030;
        assert!(check_info(&i, 4096).is_err());
    }

    /// The module's sizes for the bands of a bank of `i`'s shape
    /// (kmod/wait.c's `ac_bands_layout()`): a u32 slot per counter, and a
    /// table of one 32-byte entry per 32 counters, at least one, each
    /// rounded up to a page; the slots after the counters, the table
    /// after the slots.
    fn with_bands(i: sys::Info) -> sys::Info {
        let page = |n: u64| (n + 4095) / 4096 * 4096;
        let nr = nr_band_slots(&i);
        sys::Info {
            features: 127,
            band_slot_offset: i.map_size,
            band_slot_size: page(nr * 4),
            band_offset: i.map_size + page(nr * 4),
            band_size: page(std::cmp::max(nr / 32, 1) * 32),
            ..i
        }
    }

    /// The global bank's shape: both striped regions (user at 1024..1056,
    /// kernel at 2560..2592: 8 counters x 4 slots each), 4048 band slots
    /// after the counters (4 pages), then the table (a page: 128 entries).
    fn global() -> sys::Info {
        with_bands(sys::Info {
            nr_kernel_striped: 8,
            ..good()
        })
    }

    /// A private bank's shape: no kernel striped region, the map ends with
    /// the kernel's plain region (2560 counters); 2536 band slots (3
    /// pages), then the table (a page).
    fn private() -> sys::Info {
        with_bands(sys::Info {
            map_size: 2560 * 8,
            nr_kernel_striped: 0,
            ..good()
        })
    }

    #[test]
    fn the_fake_layouts_are_the_modules() {
        let g = global();
        assert_eq!(nr_band_slots(&g), 4048);
        assert_eq!((g.band_slot_offset, g.band_slot_size), (4096 * 8, 4096 * 4));
        assert_eq!((g.band_offset, g.band_size), (4096 * 12, 4096));
        assert_eq!(g.band_size / 32, 128); // 4048 / 32 = 126, a page holds 128
        let p = private();
        assert_eq!(nr_band_slots(&p), 2536);
        assert_eq!((p.band_slot_offset, p.band_slot_size), (2560 * 8, 4096 * 3));
        assert_eq!((p.band_offset, p.band_size), (2560 * 8 + 4096 * 3, 4096));
    }

    /// The uapi's words, literally: one band slot per counter in index
    /// order, a slot past its CPU 0 row standing for no band slot of its
    /// own.
    fn slots_by_walking(i: &sys::Info) -> Vec<u64> {
        let mut next = 0;
        let mut out = Vec::new();
        for index in 0..i.map_size / sys::SIZE {
            match striped_row(i, index) {
                Some(row) if row > 0 => out.push(out[(index - row * i.nr_striped) as usize]),
                _ => {
                    out.push(next);
                    next += 1;
                }
            }
        }
        out
    }

    #[test]
    fn band_slot_position_is_the_uapis() {
        let g = global();
        assert!(check_info(&g, 4096).is_ok());
        // 4096 counters less 3 rows of 8 slots in each striped region.
        assert_eq!(nr_band_slots(&g), 4096 - 2 * 8 * 3);
        let pos = band_slot_position;
        assert_eq!(pos(&g, 5), 5); // by number
        assert_eq!(pos(&g, 1023), 1023); // named, before the slots
        assert_eq!(pos(&g, 1024 + 3), 1027); // a striped counter
        assert_eq!(pos(&g, 1024 + 2 * 8 + 3), 1027); // its CPU 2 slot
        assert_eq!(pos(&g, 1024 + 3 * 8 + 7), 1031); // last slot, CPU 3
        assert_eq!(pos(&g, 1056), 1056 - 24); // after the user slots
        assert_eq!(pos(&g, 2048), 2048 - 24); // the waiter count
        assert_eq!(pos(&g, 2560 + 8 + 5), 2565 - 24); // a kernel slot, CPU 1
        assert_eq!(pos(&g, 2592), 2592 - 48); // after both
        assert_eq!(pos(&g, 4095), nr_band_slots(&g) - 1);
        let p = private();
        assert!(check_info(&p, 4096).is_ok());
        assert_eq!(nr_band_slots(&p), 2560 - 8 * 3);
        assert_eq!(pos(&p, 1024 + 8 + 1), 1025);
        assert_eq!(pos(&p, 2048), 2048 - 24);
        assert_eq!(pos(&p, 2559), nr_band_slots(&p) - 1);
        for i in [g, p] {
            let walked = slots_by_walking(&i);
            assert_eq!(*walked.last().unwrap() + 1, nr_band_slots(&i));
            for (index, &want) in walked.iter().enumerate() {
                assert_eq!(pos(&i, index as u64), want, "index {}", index);
            }
        }
    }

    #[test]
    fn bands_are_used_only_when_their_slots_cover_every_counter() {
        assert!(bands_usable(&global()));
        assert!(bands_usable(&private()));
        // A module without bands (a 128-byte INFO leaves the tail zero).
        assert!(!bands_usable(&good()));
        // The unreleased module of one band per counter (a 144-byte INFO:
        // no slots).
        let mut i = global();
        i.band_offset = i.band_slot_offset;
        i.band_size = nr_band_slots(&i) * 32;
        i.band_slot_offset = 0;
        i.band_slot_size = 0;
        assert!(!bands_usable(&i));
        let mut i = global();
        i.features &= !sys::FEATURE_BANDS;
        assert!(!bands_usable(&i));
        let mut i = global();
        i.band_size = 0;
        assert!(!bands_usable(&i));
        // Slots that miss a counter, then just fit (the table moved along).
        let mut i = global();
        i.band_slot_size = (nr_band_slots(&i) - 1) * 4;
        i.band_offset = i.band_slot_offset + i.band_slot_size;
        assert!(!bands_usable(&i));
        i.band_slot_size += 4;
        i.band_offset += 4;
        assert!(bands_usable(&i));
        // A table that does not begin where the slots end: not one window.
        let mut i = global();
        i.band_offset += 4096;
        assert!(!bands_usable(&i));
        let mut i = global();
        i.band_offset = i.band_slot_offset;
        assert!(!bands_usable(&i));
        let mut i = global();
        i.band_slot_offset = u64::MAX - 4095;
        assert!(!bands_usable(&i));
    }

    fn band(seq: u64, lo: i64, hi: i64) -> sys::Band {
        sys::Band {
            seq: seq.into(),
            lo: lo.into(),
            hi: hi.into(),
            reserved: 0.into(),
        }
    }

    #[test]
    fn band_outside_is_a_seqcount_read() {
        let b = band(2, -5, 10);
        assert!(!band_outside(&b, -5));
        assert!(!band_outside(&b, 10));
        assert!(band_outside(&b, -6));
        assert!(band_outside(&b, 11));
        assert!(!band_outside(&band(0, i64::MIN, i64::MAX), 0)); // entry 0: full
        assert!(band_outside(&band(0, 1, 0), 0)); // entry 1: empty, every value
        assert!(band_outside(&band(3, -5, 10), 0)); // changing
    }

    /// A bank of `info`'s shape on a regular file, not the device: its
    /// WAKE gets ENOTTY, so wake's error tells whether it made the call.
    /// The file's second handle writes the band slots, the table and the
    /// kernel's words. The table starts as the module's: entry 0 the full
    /// band, entry 1 the empty one, every slot 0.
    fn file_bank(info: sys::Info) -> (Bank, std::fs::File) {
        let f = sys::scratch_file();
        f.set_len(info.map_size + info.band_slot_size + info.band_size).unwrap();
        if info.band_size != 0 {
            put(&f, info.band_offset, &[0, i64::MIN, i64::MAX, 0, 0, 1, 0]);
        }
        let writer = f.try_clone().unwrap();
        let fd = OwnedFd::from(f);
        let map = sys::Mapping::new(&fd, info.map_size, info.kernel_first * sys::SIZE, true).unwrap();
        let bands = map_bands(&fd, &info);
        let bank = Bank(Arc::new(Inner {
            fd,
            map,
            bands,
            info,
            writable: true,
        }));
        (bank, writer)
    }

    fn put(f: &std::fs::File, at: u64, words: &[i64]) {
        use std::os::unix::fs::FileExt;
        for (k, w) in words.iter().enumerate() {
            f.write_all_at(&w.to_ne_bytes(), at + 8 * k as u64).unwrap();
        }
    }

    /// Whether wake made the WAKE call (ENOTTY from the file), or not (Ok).
    fn calls(bank: &Bank, index: u64) -> bool {
        match bank.wake(index) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(libc::ENOTTY) => true,
            Err(e) => panic!("wake({}): {}", index, e),
        }
    }

    #[test]
    fn wake_calls_only_for_a_value_outside_its_counters_band() {
        use std::os::unix::fs::FileExt;
        let i = global();
        let (bank, f) = file_bank(i);
        assert!(bank.0.bands.is_some());
        // Band slot `pos` names entry `e`; entry `e` is (seq, lo, hi).
        let slot = |pos: u64, e: u32| {
            f.write_all_at(&e.to_ne_bytes(), i.band_slot_offset + pos * 4).unwrap()
        };
        let entry = |e: u64, seq: i64, lo: i64, hi: i64| {
            put(&f, i.band_offset + e * 32, &[seq, lo, hi])
        };
        // Every slot 0, the full band: no call whatever the value and the
        // waiter count (5 waiters on other counters).
        put(&f, 2048 * 8, &[5]);
        bank.counter(5).unwrap().store(1, Ordering::Relaxed);
        assert!(!calls(&bank, 5));
        slot(5, 1); // the empty band (the table was full)
        assert!(calls(&bank, 5));
        slot(5, 2);
        entry(2, 2, -10, 10);
        assert!(!calls(&bank, 5));
        bank.counter(5).unwrap().store(11, Ordering::Relaxed);
        assert!(calls(&bank, 5));
        bank.counter(5).unwrap().store(1, Ordering::Relaxed);
        entry(2, 3, -10, 10); // the module is changing it
        assert!(calls(&bank, 5));
        entry(2, 4, -10, 10);
        assert!(!calls(&bank, 5));
        slot(5, 127); // the table's last entry, a full band
        entry(127, 2, i64::MIN, i64::MAX);
        assert!(!calls(&bank, 5));
        slot(5, 128); // past the table (a page: 128 entries): call
        assert!(calls(&bank, 5));
        slot(5, u32::MAX);
        assert!(calls(&bank, 5));
        slot(5, 0); // its last waiter left
        assert!(!calls(&bank, 5));
        // Another counter's slot is not counter 5's.
        slot(6, 1);
        assert!(!calls(&bank, 5));
        assert!(calls(&bank, 6));
        // A slot (CPU 2 of striped counter 1027) by its own word against
        // its counter's entry: position 1027's, no other.
        bank.counter(1024 + 2 * 8 + 3).unwrap().store(7, Ordering::Relaxed);
        slot(1027, 3);
        entry(3, 2, -10, 10);
        assert!(!calls(&bank, 1024 + 2 * 8 + 3));
        bank.counter(1024 + 2 * 8 + 3).unwrap().store(11, Ordering::Relaxed);
        assert!(calls(&bank, 1024 + 2 * 8 + 3));
        slot(1027, 1);
        bank.counter(1024 + 2 * 8 + 3).unwrap().store(7, Ordering::Relaxed);
        assert!(calls(&bank, 1024 + 2 * 8 + 3));
        assert!(calls(&bank, 1024 + 3)); // its CPU 0 slot, the same
        // After the user slots: counter 1056 is at position 1032.
        bank.counter(1056).unwrap().store(50, Ordering::Relaxed);
        slot(1032, 1);
        assert!(calls(&bank, 1056));
        slot(1032, 4);
        entry(4, 2, 0, 100);
        assert!(!calls(&bank, 1056));
        // A kernel slot (CPU 1 of kernel striped counter 2565): position
        // 2541.
        put(&f, (2560 + 8 + 5) * 8, &[3]);
        assert!(!calls(&bank, 2560 + 8 + 5));
        slot(2541, 1);
        assert!(calls(&bank, 2560 + 8 + 5));
        slot(2541, 5);
        entry(5, 2, 3, 3);
        assert!(!calls(&bank, 2560 + 8 + 5));
        // The last position.
        slot(nr_band_slots(&i) - 1, 1);
        assert!(calls(&bank, 4095));
        // Past the bank: the waiter count's rule (5 waiters), as
        // ac_wake(); the module answers EINVAL.
        assert!(calls(&bank, 4096));
    }

    #[test]
    fn wake_without_bands_reads_the_waiter_count() {
        // A module without bands, and the unreleased one of one band per
        // counter (144 bytes of INFO, which leave the slots zero).
        let g = global();
        let per_counter = sys::Info {
            band_offset: g.band_slot_offset,
            band_size: nr_band_slots(&g) * 32,
            band_slot_offset: 0,
            band_slot_size: 0,
            ..g
        };
        for info in [good(), per_counter] {
            let (bank, f) = file_bank(info);
            assert!(bank.0.bands.is_none());
            bank.counter(5).unwrap().store(1, Ordering::Relaxed);
            assert!(!calls(&bank, 5));
            put(&f, 2048 * 8, &[1]);
            assert!(calls(&bank, 5));
            assert!(calls(&bank, 6));
        }
    }

    /// A read-only bank cannot have written the page: EBADF, even where
    /// the band would skip the call (every slot 0, the full band).
    #[test]
    fn wake_on_a_read_only_bank_is_ebadf_inside_its_band_too() {
        let (bank, _f) = file_bank(global());
        let mut inner = Arc::try_unwrap(bank.0).ok().unwrap();
        inner.writable = false;
        let ro = Bank(Arc::new(inner));
        assert!(ro.0.bands.is_some());
        assert_eq!(ro.wake(5).unwrap_err().raw_os_error(), Some(libc::EBADF));
    }

    #[test]
    fn orders_map_to_the_uapis() {
        assert_eq!(uapi_order(Ordering::Relaxed), sys::ORDER_RELAXED);
        assert_eq!(uapi_order(Ordering::Acquire), sys::ORDER_ACQUIRE);
        assert_eq!(uapi_order(Ordering::Release), sys::ORDER_RELEASE);
        assert_eq!(uapi_order(Ordering::AcqRel), sys::ORDER_FULL);
        assert_eq!(uapi_order(Ordering::SeqCst), sys::ORDER_FULL);
    }

    #[test]
    fn no_device_is_an_io_error() {
        std::env::set_var("ATOMIC_COUNTER_DEVICE", "/nonexistent/atomic_counter");
        assert_eq!(Bank::open().unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(Bank::from_fd(-1).unwrap_err().raw_os_error(), Some(libc::EBADF));
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_are_send_and_sync() {
        assert_send_sync::<Bank>();
        assert_send_sync::<Counter>();
        assert_send_sync::<ReadOnlyCounter>();
        assert_send_sync::<Striped>();
        assert_send_sync::<RelaxedCounter>();
    }
}

// The README's example is compiled as a doc test too (no_run: it needs the
// device), so the crate's front page cannot show code that does not build.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
