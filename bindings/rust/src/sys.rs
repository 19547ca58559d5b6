// SPDX-License-Identifier: MIT
//! The ABI of `<linux/atomic_counter.h>` (API 2) and every `unsafe` block
//! of the crate: the system calls and the mapped bank.
//!
//! The uapi header is the single source of truth: the layouts and numbers
//! below restate it, and the unit tests check the sizes it publishes
//! (`ATOMIC_COUNTER_*_SIZE_VER0`; INFO's `_VER1`, 160 bytes, which has the
//! band slots and their table).

use std::ffi::CString;
use std::io;
use std::os::unix::io::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64};

pub const API: u64 = 2;
pub const SIZE: u64 = 8;

pub const FEATURE_MMAP: u64 = 1 << 0;
pub const FEATURE_BATCH: u64 = 1 << 1;
pub const FEATURE_NAMES: u64 = 1 << 2;
pub const FEATURE_WAIT: u64 = 1 << 3;
pub const FEATURE_STRIPED: u64 = 1 << 4;
pub const FEATURE_BANDS: u64 = 1 << 6;
/// What the C library requires of the module (`AC_REQUIRED_FEATURES`).
pub const REQUIRED_FEATURES: u64 =
    FEATURE_MMAP | FEATURE_BATCH | FEATURE_NAMES | FEATURE_WAIT | FEATURE_STRIPED;

pub const ORDER_FULL: u32 = 0;
pub const ORDER_RELAXED: u32 = 1;
pub const ORDER_ACQUIRE: u32 = 2;
pub const ORDER_RELEASE: u32 = 3;

pub const NAME_STRIPED: u64 = 1 << 1;
pub const NAME_MAX: usize = 48;
pub const WAIT_STRIPED: u32 = 1 << 0;
pub const BANK_REOPEN: u64 = 1 << 0;
pub const BANK_RDONLY: u64 = 1 << 1;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Info {
    pub api: u64,
    pub features: u64,
    pub nr_counters: u64,
    pub map_size: u64,
    pub ops: u64,
    pub batch_max: u64,
    pub cache_line_bytes: u64,
    pub named_first: u64,
    pub nr_named: u64,
    pub kernel_first: u64,
    pub nr_kernel: u64,
    pub waiters_index: u64,
    pub nr_striped: u64,
    pub nr_stripes: u64,
    pub flags: u64,
    pub nr_kernel_striped: u64,
    // ATOMIC_COUNTER_INFO_SIZE_VER1 (160 bytes): a module that knows a
    // smaller INFO (128 bytes without bands; 144, the unreleased layout
    // of one band per counter) reads this tail as zero on input and
    // copies back less, so what it does not know stays zero, as the
    // uapi's "Extending the ABI" says of a larger caller; band_slot_size
    // 0 then means no bands.
    //
    // The table of bands: band_size / 32 entries.
    pub band_offset: u64,
    pub band_size: u64,
    // The band slots, a u32 per counter; they end where the table begins.
    pub band_slot_offset: u64,
    pub band_slot_size: u64,
}

/// `struct atomic_counter_band`, an entry of the table of bands, as
/// atomics: the module writes it, the process only loads it (the mapping
/// is read-only).
#[repr(C)]
pub struct Band {
    pub seq: AtomicU64,
    pub lo: AtomicI64,
    pub hi: AtomicI64,
    pub reserved: AtomicU64,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Op {
    pub index: u64,
    pub op: u32,
    pub order: u32,
    pub value: i64,
    pub expected: i64,
    pub flags: u32,
    pub reserved: u32,
    pub result: i64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Name {
    pub name: [u8; NAME_MAX],
    pub index: u64,
    pub flags: u64,
    pub owner: u32,
    pub created: u32,
    pub generation: u32,
    pub reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Wait {
    pub index: u64,
    pub cond: u32,
    pub flags: u32,
    pub value: i64,
    pub timeout_ns: i64,
    pub result: i64,
    pub reserved: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Wake {
    pub index: u64,
    pub flags: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct BankArg {
    pub flags: u64,
    pub nr_counters: u64,
    pub nr_named: u64,
    pub nr_striped: u64,
    pub reserved: [u64; 4],
}

// _IOC() of <asm-generic/ioctl.h>, which x86 and arm64 both use.
const fn ioc(dir: u64, nr: u64, size: usize) -> u64 {
    (dir << 30) | ((size as u64) << 16) | (0xAC << 8) | nr
}
const W: u64 = 1;
const R: u64 = 2;
pub const IOC_INFO: u64 = ioc(R | W, 0x80, std::mem::size_of::<Info>());
pub const IOC_OP: u64 = ioc(R | W, 0x81, std::mem::size_of::<Op>());
pub const IOC_NAME_CREATE: u64 = ioc(R | W, 0x83, std::mem::size_of::<Name>());
pub const IOC_NAME_LOOKUP: u64 = ioc(R | W, 0x84, std::mem::size_of::<Name>());
pub const IOC_NAME_DELETE: u64 = ioc(W, 0x85, std::mem::size_of::<Name>());
pub const IOC_WAIT: u64 = ioc(R | W, 0x87, std::mem::size_of::<Wait>());
pub const IOC_WAKE: u64 = ioc(W, 0x88, std::mem::size_of::<Wake>());
pub const IOC_ARM: u64 = ioc(W, 0x89, std::mem::size_of::<Wait>());
pub const IOC_BANK: u64 = ioc(W, 0x8a, std::mem::size_of::<BankArg>());
pub const IOC_DISARM: u64 = ioc(0, 0x8b, 0);

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// One ioctl whose argument is `T`; `Ok` with what it returned.
pub fn ioctl<T>(fd: RawFd, cmd: u64, arg: &mut T) -> io::Result<i32> {
    // SAFETY: every command above is declared with the size of the struct
    // passed for it, which is #[repr(C)] as the uapi lays it out; the
    // kernel reads and writes only within that size, and `arg` is a live
    // exclusive reference for the call's duration.
    let r = unsafe { libc::ioctl(fd, cmd as _, arg as *mut T) };
    if r < 0 {
        Err(last_error())
    } else {
        Ok(r)
    }
}

/// An ioctl without argument (DISARM).
pub fn ioctl_none(fd: RawFd, cmd: u64) -> io::Result<()> {
    // SAFETY: a command with no argument: the kernel reads no memory.
    let r = unsafe { libc::ioctl(fd, cmd as _, 0usize) };
    if r < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// A descriptor an ioctl returned (IOC_BANK), now owned.
pub fn own_fd(fd: i32) -> OwnedFd {
    // SAFETY: the kernel just created `fd` for this process and nothing
    // else owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// open(2) with O_CLOEXEC.
pub fn open(path: &str, write: bool) -> io::Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let flags = if write { libc::O_RDWR } else { libc::O_RDONLY } | libc::O_CLOEXEC;
    // SAFETY: `c` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::open(c.as_ptr(), flags) };
    if fd < 0 {
        Err(last_error())
    } else {
        Ok(own_fd(fd))
    }
}

/// A close-on-exec duplicate of `fd` (any number, which may be closed:
/// EBADF then), and whether it was opened for writing.
pub fn dup(fd: RawFd) -> io::Result<(OwnedFd, bool)> {
    // SAFETY: fcntl on a number only reads the descriptor table; a number
    // that is not open gets EBADF.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if fl < 0 {
        return Err(last_error());
    }
    // SAFETY: as above; F_DUPFD_CLOEXEC returns a new descriptor we own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(last_error());
    }
    Ok((own_fd(new), fl & libc::O_ACCMODE != libc::O_RDONLY))
}

pub fn getpid() -> u32 {
    std::process::id()
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf has no memory effect.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as u64 }
}

/// The CPU this thread runs on, or ran on a moment ago (0 when unknown).
pub fn cpu() -> u64 {
    // SAFETY: sched_getcpu() takes nothing and returns a number or -1.
    let c = unsafe { libc::sched_getcpu() };
    if c < 0 {
        0
    } else {
        c as u64
    }
}

/// The bank mapped as the C library maps it: the regions userspace may
/// write with `PROT_READ | PROT_WRITE` (when the file may write), the
/// kernel's regions read-only, side by side.
pub struct Mapping {
    base: NonNull<AtomicI64>,
    len: usize,
    words: u64,
}

// SAFETY: the mapping is shared memory that is only ever reached through
// `&AtomicI64`, which is Sync; the pointer is never written after
// creation, and munmap happens once, on drop.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    pub fn new(fd: &OwnedFd, map_size: u64, writable_bytes: u64, write: bool) -> io::Result<Self> {
        let len = map_size as usize;
        let user = if write { writable_bytes as usize } else { 0 };
        let fd = fd.as_raw_fd();
        // SAFETY: a fresh anonymous reservation; nothing else maps there.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(last_error());
        }
        let fail = |base: *mut libc::c_void| {
            let e = last_error();
            // SAFETY: `base` is our reservation of `len` bytes.
            unsafe { libc::munmap(base, len) };
            Err(e)
        };
        if user > 0 {
            // SAFETY: MAP_FIXED within our own reservation.
            let p = unsafe {
                libc::mmap(
                    base,
                    user,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_FIXED,
                    fd,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return fail(base);
            }
        }
        if len > user {
            // SAFETY: MAP_FIXED within our own reservation, after the
            // writable part.
            let p = unsafe {
                libc::mmap(
                    (base as *mut u8).add(user) as *mut libc::c_void,
                    len - user,
                    libc::PROT_READ,
                    libc::MAP_SHARED | libc::MAP_FIXED,
                    fd,
                    user as libc::off_t,
                )
            };
            if p == libc::MAP_FAILED {
                return fail(base);
            }
        }
        Ok(Mapping {
            base: NonNull::new(base as *mut AtomicI64).expect("mmap returned NULL"),
            len,
            words: map_size / SIZE,
        })
    }

    /// Counter `index` on the page, or None past the map.
    pub fn word(&self, index: u64) -> Option<&AtomicI64> {
        if index >= self.words {
            return None;
        }
        // SAFETY: index < words, so the word lies within the mapping, which
        // is page-aligned (so 8-aligned) and lives as long as `self`.
        // AtomicI64 has the layout of i64, and the kernel's atomic64_t is
        // an aligned i64 updated only atomically, so every access here is
        // an atomic one (loads only, on the read-only pages, which Counter
        // never stores to: it writes only below kernel_first).
        Some(unsafe { &*self.base.as_ptr().add(index as usize) })
    }
}

/// The band slots and the table of bands they name (the uapi's
/// "Waiting"): a `u32` per counter, the number of its entry of the table
/// of `struct atomic_counter_band`, which begins where the slots end; one
/// read-only window from INFO's `band_slot_offset`.
pub struct Bands {
    base: NonNull<u8>,
    len: usize,
    /// Slots reachable, at `base`.
    nr_slots: u64,
    /// Where the table begins: the slots' bytes.
    table: usize,
    /// Entries of the table.
    entries: u64,
}

// SAFETY: as for Mapping: shared memory only ever reached through
// `&AtomicU32` and `&Band`, whose fields are atomics (Sync); the pointer
// never changes, and munmap happens once, on drop.
unsafe impl Send for Bands {}
// SAFETY: as above.
unsafe impl Sync for Bands {}

impl Bands {
    /// Maps `slot_size + table_size` bytes at `offset` of `fd`, read-only:
    /// the slots, then the table. `nr_slots` slots are reachable, and must
    /// fit in `slot_size`, a multiple of 8 (the table's alignment: it is a
    /// multiple of the page size); EINVAL otherwise.
    pub fn new(
        fd: &OwnedFd,
        offset: u64,
        slot_size: u64,
        table_size: u64,
        nr_slots: u64,
    ) -> io::Result<Self> {
        let einval = || io::Error::from_raw_os_error(libc::EINVAL);
        let size = slot_size.checked_add(table_size).ok_or_else(einval)?;
        let len = usize::try_from(size).map_err(|_| einval())?;
        let off = libc::off_t::try_from(offset).map_err(|_| einval())?;
        if nr_slots > slot_size / std::mem::size_of::<AtomicU32>() as u64
            || slot_size % std::mem::align_of::<Band>() as u64 != 0
            || len == 0
        {
            return Err(einval());
        }
        // SAFETY: a new shared read-only mapping wherever the kernel puts
        // it; nothing else refers to that range.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                off,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(last_error());
        }
        Ok(Bands {
            base: NonNull::new(base as *mut u8).expect("mmap returned NULL"),
            len,
            nr_slots,
            table: slot_size as usize,
            entries: table_size / std::mem::size_of::<Band>() as u64,
        })
    }

    /// Band slot `i` (a counter's position among the slots), or None past
    /// them.
    pub fn slot(&self, i: u64) -> Option<&AtomicU32> {
        if i >= self.nr_slots {
            return None;
        }
        // SAFETY: i < nr_slots <= table / 4, so the slot lies within the
        // mapping, which is page-aligned (so 4-aligned) and lives as long
        // as `self`. AtomicU32 has the layout of the u32 the kernel writes
        // with WRITE_ONCE and smp_store_release; the process only makes
        // Relaxed loads of it (lib.rs), which Rust's atomics allow on
        // read-only memory, and never stores.
        Some(unsafe { &*(self.base.as_ptr() as *const AtomicU32).add(i as usize) })
    }

    /// Entry `slot` of the table, or None past it (a slot past the table
    /// means: call).
    pub fn entry(&self, slot: u32) -> Option<&Band> {
        if u64::from(slot) >= self.entries {
            return None;
        }
        // SAFETY: the table begins `table` bytes into the mapping, a
        // multiple of 8 (checked in new()) from its page-aligned base, and
        // slot < entries = table_size / 32, so the entry lies within the
        // mapping, 8-aligned (entries are 32 bytes), which lives as long
        // as `self`. Band is #[repr(C)] with the uapi's layout, its fields
        // atomics with the layout of the u64/s64 the kernel writes with
        // WRITE_ONCE and barriers; the process only makes Relaxed loads
        // of them (lib.rs), which Rust's atomics allow on read-only memory
        // up to 8 bytes where 8-byte atomics are native (map_bands() maps
        // the table only on 64-bit targets), and never stores.
        Some(unsafe { &*(self.base.as_ptr().add(self.table) as *const Band).add(slot as usize) })
    }
}

impl Drop for Bands {
    fn drop(&mut self) {
        // SAFETY: the whole mapping, made in new(); no reference into it
        // outlives `self` (they borrow from it).
        unsafe { libc::munmap(self.base.as_ptr() as *mut libc::c_void, self.len) };
    }
}

/// What owns a [`Mapping`] (the bank), for [`Word`]: it returns the
/// same mapping for as long as it lives, and the mapping is unmapped only
/// when the last owner is dropped.
pub trait HasMapping {
    /// The mapping it owns.
    fn mapping(&self) -> &Mapping;
}

/// One counter of a mapping, its address computed once: the fast path
/// is then one atomic instruction, no bounds check. Holds an owner of the
/// mapping, so the word cannot outlive the map.
#[derive(Clone)]
pub struct Word<K: HasMapping> {
    keep: K,
    ptr: NonNull<AtomicI64>,
}

// SAFETY: the word is reached only as `&AtomicI64` (Sync), and `keep` is
// itself Send + Sync.
unsafe impl<K: HasMapping + Send + Sync> Send for Word<K> {}
// SAFETY: as above.
unsafe impl<K: HasMapping + Send + Sync> Sync for Word<K> {}

impl<K: HasMapping> Word<K> {
    /// Counter `index` of `keep`'s mapping, or None past its end.
    pub fn new(keep: K, index: u64) -> Option<Self> {
        let ptr = NonNull::from(keep.mapping().word(index)?);
        Some(Word { keep, ptr })
    }

    /// The owner of the mapping.
    pub fn owner(&self) -> &K {
        &self.keep
    }

    /// The counter.
    #[inline(always)]
    pub fn get(&self) -> &AtomicI64 {
        // SAFETY: `ptr` came from `keep.mapping().word()`, so it lies in
        // that mapping, whose pages stay mapped (wherever the Mapping
        // value itself lives) until it is dropped, which `keep`, held
        // here, prevents.
        unsafe { self.ptr.as_ref() }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the whole mapping, made in new(); no reference into it
        // outlives `self` (they borrow from it).
        unsafe { libc::munmap(self.base.as_ptr() as *mut libc::c_void, self.len) };
    }
}

/// A read-write file for the tests to map, already unlinked: a stand-in
/// for the device's bank.
#[cfg(test)]
pub(crate) fn scratch_file() -> std::fs::File {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "linux-atomic-counter-test-{}-{}",
        getpid(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn sizes_are_the_uapis() {
        assert_eq!(size_of::<Info>(), 160); // ATOMIC_COUNTER_INFO_SIZE_VER1
        assert_eq!(size_of::<Band>(), 32);
        assert_eq!(std::mem::align_of::<Band>(), 8);
        assert_eq!(size_of::<Op>(), 48);
        assert_eq!(size_of::<Name>(), 80);
        assert_eq!(size_of::<Wait>(), 48);
        assert_eq!(size_of::<Wake>(), 16);
        assert_eq!(size_of::<BankArg>(), 64);
        assert_eq!(IOC_INFO, 0xc0a0_ac80);
        assert_eq!(IOC_DISARM, 0xac8b);
    }

    /// The window reaches the slots it was given and the table after
    /// them, nothing past either.
    #[test]
    fn bands_reach_the_slots_then_the_table() {
        use std::os::unix::fs::FileExt;
        let f = scratch_file();
        f.set_len(3 * 4096).unwrap();
        f.write_all_at(&7u32.to_ne_bytes(), 4 * 2047).unwrap();
        f.write_all_at(&(-3i64).to_ne_bytes(), 8192 + 127 * 32 + 16).unwrap();
        let fd = OwnedFd::from(f);
        let b = Bands::new(&fd, 0, 8192, 4096, 2048).unwrap();
        assert_eq!(b.slot(2047).unwrap().load(std::sync::atomic::Ordering::Relaxed), 7);
        assert!(b.slot(2048).is_none());
        assert_eq!(b.entry(127).unwrap().hi.load(std::sync::atomic::Ordering::Relaxed), -3);
        assert!(b.entry(128).is_none());
        assert!(b.entry(u32::MAX).is_none());
        let einval = |r: io::Result<Bands>| {
            r.err().and_then(|e| e.raw_os_error()) == Some(libc::EINVAL)
        };
        assert!(einval(Bands::new(&fd, 0, 8192, 4096, 2049))); // a slot past the slots
        assert!(einval(Bands::new(&fd, 0, 4, 4096, 1))); // a table not 8-aligned
        assert!(einval(Bands::new(&fd, 0, u64::MAX, 4096, 1)));
    }
}
