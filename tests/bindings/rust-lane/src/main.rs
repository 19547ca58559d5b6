// SPDX-License-Identifier: MIT
//! The Rust binding in the guest, TAP on stdout as the C selftests print
//! it: the seeds' programs ported to processes with their exact totals,
//! every operation's result against the C library's (ac-ref, beside this
//! program in /bin) on the same counter, and the C library's errno for
//! every bad input. A missing device is a SKIP (exit 4), never a pass.
//!
//! Workers are this program again (`rust_bindings_test worker ...`): on a
//! private bank handed down ($ATOMIC_COUNTER_BANK_FD) they reach it
//! through the inherited descriptor.

use linux_atomic_counter::{
    AtomicCounter, Bank, Cond, ConsistentCounter, Counter, Opcode, ReadOnlyCounter,
    RelaxedCounter,
};
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::Ordering::{self, *};
use std::time::{Duration, Instant};

struct Tap {
    n: u32,
    failed: u32,
}

impl Tap {
    fn check(&mut self, name: &str, ok: bool, why: &str) {
        self.n += 1;
        if ok {
            println!("ok {} rust.{}", self.n, name);
        } else {
            self.failed += 1;
            println!("# {}", why);
            println!("not ok {} rust.{}", self.n, name);
        }
        io::stdout().flush().ok();
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.n += 1;
        println!("ok {} rust.{} # SKIP {}", self.n, name, why);
        io::stdout().flush().ok();
    }
}

/// Whether the module keeps bands (ATOMIC_COUNTER_FEATURE_BANDS), from
/// its own INFO: the crate does not say which rule its wake follows.
fn module_has_bands(bank: &Bank) -> bool {
    use std::os::unix::io::AsRawFd;
    // struct atomic_counter_info, ATOMIC_COUNTER_INFO_SIZE_VER1 (with the
    // band slots and their table): api in, features out; the rest zero
    // on input.
    let mut info = [0u64; 20];
    info[0] = 2;
    let cmd: u64 = 0xc0a0_ac80; // _IOWR(0xAC, 0x80, 160 bytes)
    // SAFETY: INFO writes at most the 160 bytes its command gives, which
    // `info` has, and keeps no pointer.
    let r = unsafe { libc::ioctl(bank.as_raw_fd(), cmd as _, info.as_mut_ptr()) };
    r == 0 && info[1] & (1 << 6) != 0
}

/// The module's WAKE calls so far (debugfs wait_stats' `wake_calls`, as
/// the C selftests' wait_stats() reads it), None without debugfs.
fn wake_calls() -> Option<i64> {
    let s = std::fs::read_to_string("/sys/kernel/debug/atomic_counter/wait_stats").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("wake_calls "))
        .and_then(|v| v.trim().parse().ok())
}

/// The bank under test, for a worker: the private one handed down, by its
/// inherited descriptor, or the global one.
fn worker_bank() -> Bank {
    match std::env::var("ATOMIC_COUNTER_BANK_FD").ok().and_then(|s| s.parse().ok()) {
        Some(fd) => Bank::from_fd(fd).expect("the handed-down bank"),
        None => Bank::open().expect("the device"),
    }
}

fn worker(args: &[String]) -> i32 {
    let bank = worker_bank();
    // The count, for the workers whose first argument is one.
    let n = || -> usize { args[1].parse().unwrap() };
    match args[0].as_str() {
        // The std AtomicI64 example: each worker adds 1, SeqCst.
        "fetch_add" => {
            let c = bank.named(&args[2]).unwrap();
            for _ in 0..n() {
                c.fetch_add(1, SeqCst);
            }
            0
        }
        // The atomic_counter crate's test: a, then b; a > b throughout.
        "ab_writer" => {
            let a = ConsistentCounter::new(bank.named("rust.seed.a").unwrap());
            let b = ConsistentCounter::new(bank.named("rust.seed.b").unwrap());
            for _ in 0..n() {
                a.inc();
                b.inc();
            }
            0
        }
        "ab_reader" => {
            let a = ConsistentCounter::new(bank.named("rust.seed.a").unwrap());
            let b = ConsistentCounter::new(bank.named("rust.seed.b").unwrap());
            let mut bad = 0;
            for _ in 0..n() {
                let bv = b.get();
                let av = a.get();
                if av <= bv {
                    bad += 1;
                }
            }
            if bad == 0 {
                0
            } else {
                eprintln!("ab_reader: a <= b seen {} times", bad);
                1
            }
        }
        "striped" => {
            let s = bank.striped("rust.striped").unwrap();
            for _ in 0..n() {
                s.inc();
            }
            0
        }
        "wait" => {
            let c = bank.named("rust.wait").unwrap();
            match c.wait_until(Cond::Ge(1), Some(Duration::from_secs(60))) {
                Ok(v) if v >= 1 => 0,
                r => {
                    eprintln!("wait: {:?}", r);
                    1
                }
            }
        }
        // wait_ge NAME VALUE: until the named counter reaches VALUE.
        "wait_ge" => {
            let c = bank.named(&args[1]).unwrap();
            let want: i64 = args[2].parse().unwrap();
            match c.wait_until(Cond::Ge(want), Some(Duration::from_secs(60))) {
                Ok(v) if v >= want => 0,
                r => {
                    eprintln!("wait_ge {} {}: {:?}", args[1], want, r);
                    1
                }
            }
        }
        w => panic!("unknown worker {}", w),
    }
}

fn spawn(args: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .arg("worker")
        .args(args)
        .spawn()
        .expect("spawn a worker")
}

/// A worker that waits, and whether the module's waiter count showed it
/// queued within a minute (false too if it exited first).
fn spawn_waiter(args: &[&str], waiters: &ReadOnlyCounter) -> (Child, bool) {
    let before = waiters.load(SeqCst);
    let mut kid = spawn(args);
    let deadline = Instant::now() + Duration::from_secs(60);
    while waiters.load(SeqCst) <= before && Instant::now() < deadline {
        if let Ok(Some(_)) = kid.try_wait() {
            break;
        }
        std::thread::yield_now();
    }
    let seen = waiters.load(SeqCst) > before;
    (kid, seen)
}

fn all_succeed(children: Vec<Child>) -> bool {
    children
        .into_iter()
        .map(|mut c| c.wait().map(|s| s.success()).unwrap_or(false))
        .fold(true, |a, b| a && b)
}

/// The C library, in its own process: one request, one answer.
struct CRef {
    _child: Child,
    tx: ChildStdin,
    rx: BufReader<ChildStdout>,
}

impl CRef {
    fn start() -> io::Result<CRef> {
        let dir = std::env::current_exe()?.parent().unwrap().to_path_buf();
        // Whose bank: the process $ATOMIC_COUNTER_BANK_PID names (ac_open()).
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("ATOMIC_COUNTER_BANK_PID=$$; export ATOMIC_COUNTER_BANK_PID; exec \"$0\"")
            .arg(dir.join("ac-ref"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let tx = child.stdin.take().unwrap();
        let rx = BufReader::new(child.stdout.take().unwrap());
        let mut r = CRef {
            _child: child,
            tx,
            rx,
        };
        r.answer().map(|_| r)
    }

    fn answer(&mut self) -> io::Result<i64> {
        self.answer2().map(|(v, _)| v)
    }

    /// "ok RESULT [AFTER]" or "err ERRNO".
    fn answer2(&mut self) -> io::Result<(i64, i64)> {
        let mut line = String::new();
        self.rx.read_line(&mut line)?;
        let mut w = line.split_whitespace();
        let (k, v) = (w.next().unwrap_or(""), w.next().unwrap_or("0"));
        let v: i64 = v.parse().unwrap_or(0);
        let after: i64 = w.next().unwrap_or("0").parse().unwrap_or(0);
        match k {
            "ok" => Ok((v, after)),
            "err" => Err(io::Error::from_raw_os_error(v as i32)),
            _ => Err(io::Error::new(io::ErrorKind::Other, "ac-ref: no answer")),
        }
    }

    fn ask(&mut self, req: &str) -> io::Result<i64> {
        writeln!(self.tx, "{}", req)?;
        self.tx.flush()?;
        self.answer()
    }

    /// The C library's result, and the value just after.
    fn op(&mut self, index: u64, op: u32, order: u32, value: i64, expected: i64) -> io::Result<(i64, i64)> {
        writeln!(self.tx, "op {} {} {} {} {}", index, op, order, value, expected)?;
        self.tx.flush()?;
        self.answer2()
    }
}

fn rust_order(uapi: u32) -> Ordering {
    match uapi {
        1 => Relaxed,
        2 => Acquire,
        3 => Release,
        _ => SeqCst,
    }
}

/// What the kernel's operation `op` returns, done on the page with the
/// binding's methods (the uapi's opcode table).
fn page(c: &Counter, op: Opcode, o: Ordering, v: i64, e: i64) -> i64 {
    use Opcode::*;
    let fail = match o {
        Release | Relaxed => Relaxed,
        AcqRel | Acquire => Acquire,
        _ => SeqCst,
    };
    let b = |x: bool| x as i64;
    match op {
        Read => c.load(o),
        Set => {
            c.store(v, o);
            0
        }
        Add | Inc | Sub | Dec | And | Or | Xor | AndNot => {
            match op {
                Add => c.fetch_add(v, o),
                Inc => c.fetch_add(1, o),
                Sub => c.fetch_sub(v, o),
                Dec => c.fetch_sub(1, o),
                And => c.fetch_and(v, o),
                Or => c.fetch_or(v, o),
                Xor => c.fetch_xor(v, o),
                _ => c.fetch_andnot(v, o),
            };
            0
        }
        AddReturn => c.fetch_add(v, o).wrapping_add(v),
        SubReturn => c.fetch_sub(v, o).wrapping_sub(v),
        IncReturn => c.fetch_add(1, o).wrapping_add(1),
        DecReturn => c.fetch_sub(1, o).wrapping_sub(1),
        FetchAdd => c.fetch_add(v, o),
        FetchSub => c.fetch_sub(v, o),
        FetchInc => c.fetch_add(1, o),
        FetchDec => c.fetch_sub(1, o),
        FetchAnd => c.fetch_and(v, o),
        FetchOr => c.fetch_or(v, o),
        FetchXor => c.fetch_xor(v, o),
        FetchAndNot => c.fetch_andnot(v, o),
        Xchg => c.swap(v, o),
        CmpXchg => match c.compare_exchange(e, v, o, fail) {
            Ok(x) | Err(x) => x,
        },
        FetchMax => c.fetch_max(v, o),
        FetchMin => c.fetch_min(v, o),
        AddUnless => b(c.add_unless(v, e)),
        FetchAddUnless => c.fetch_add_unless(v, e),
        IncNotZero => b(c.inc_not_zero()),
        IncUnlessNegative => b(c.inc_unless_negative()),
        DecUnlessPositive => b(c.dec_unless_positive()),
        DecIfPositive => c.dec_if_positive(),
        SubAndTest => b(c.sub_and_test(v)),
        DecAndTest => b(c.dec_and_test()),
        IncAndTest => b(c.inc_and_test()),
        AddNegative => b(c.add_negative(v)),
    }
}

/// Which operands the uapi lets `op` take (a nonzero unused one is EINVAL).
fn operands(op: Opcode, v: i64, e: i64) -> (i64, i64) {
    use Opcode::*;
    match op {
        Read | Inc | Dec | IncReturn | DecReturn | FetchInc | FetchDec | IncNotZero
        | IncUnlessNegative | DecUnlessPositive | DecIfPositive | DecAndTest | IncAndTest => (0, 0),
        CmpXchg | AddUnless | FetchAddUnless => (v, e),
        _ => (v, 0),
    }
}

fn errno_of<T>(r: &io::Result<T>) -> Option<i32> {
    r.as_ref().err().and_then(|e| e.raw_os_error())
}

/// A plain AtomicI64 on a shared page of its own (a memfd, MAP_SHARED),
/// the baseline the page path is measured against.
struct MemfdWord {
    ptr: *mut libc::c_void,
}

impl MemfdWord {
    fn new() -> MemfdWord {
        // SAFETY: memfd_create with a NUL-terminated name; ftruncate and
        // mmap of the new descriptor, checked; the descriptor is closed
        // once mapped (the mapping keeps the memory).
        unsafe {
            let fd = libc::memfd_create(b"bench\0".as_ptr() as *const libc::c_char, 0);
            assert!(fd >= 0 && libc::ftruncate(fd, 4096) == 0, "memfd");
            let ptr = libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            assert!(ptr != libc::MAP_FAILED, "mmap");
            libc::close(fd);
            MemfdWord { ptr }
        }
    }

    fn get(&self) -> &std::sync::atomic::AtomicI64 {
        // SAFETY: a page-aligned, zeroed, shared page mapped for as long
        // as self lives, reached only atomically.
        unsafe { &*(self.ptr as *const std::sync::atomic::AtomicI64) }
    }
}

/// Nanoseconds per op of `f` run `iters` times: the median of 5 samples.
fn per_op(iters: u64, mut f: impl FnMut()) -> f64 {
    let mut s: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s[2]
}

/// make bench: the page path's fetch_add(1, Relaxed) against a plain
/// AtomicI64 on a shared memfd page, one process, interleaved.
fn bench(iters: u64) -> i32 {
    let bank = match Bank::open() {
        Ok(b) => b,
        Err(e) => {
            println!("# rust bench: {}", e);
            return 4;
        }
    };
    let c = bank.counter(0).unwrap();
    let (m, m2) = (MemfdWord::new(), MemfdWord::new());
    let (plain, plain2) = (m.get(), m2.get());
    let (mut tc, mut tp, mut tq) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        tc.push(per_op(iters, || {
            c.fetch_add(1, Relaxed);
        }));
        tp.push(per_op(iters, || {
            plain.fetch_add(1, Relaxed);
        }));
        tq.push(per_op(iters, || {
            plain2.fetch_add(1, Relaxed);
        }));
    }
    for t in [&mut tc, &mut tp, &mut tq] {
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let (a, b, q) = (tc[1], tp[1], tq[1]);
    c.store(0, Relaxed);
    println!("bench rust Counter::fetch_add(1, Relaxed) on the bank's page   {:8.2} ns/op", a);
    println!("bench rust AtomicI64::fetch_add(1, Relaxed) on a memfd page     {:8.2} ns/op", b);
    println!("bench rust the same on a second memfd page (the control)       {:8.2} ns/op", q);
    println!(
        "bench rust ratio {:.3} (goal <= 1.1: {}); control: memfd / memfd {:.3}",
        a / b,
        if a / b <= 1.1 { "met" } else { "not met" },
        q / b
    );
    0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(|s| s.as_str()) == Some("worker") {
        std::process::exit(worker(&args[1..]));
    }
    if args.first().map(|s| s.as_str()) == Some("bench") {
        let iters = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
        std::process::exit(bench(iters));
    }
    println!("TAP version 13");
    let bank = match Bank::open() {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            println!("1..1");
            println!("ok 1 rust.open # SKIP /dev/atomic_counter absent: module not loaded");
            std::process::exit(4);
        }
        Err(e) => {
            println!("1..1");
            println!("not ok 1 rust.open # {}", e);
            std::process::exit(1);
        }
    };
    let mut t = Tap { n: 0, failed: 0 };
    println!("# bank: {}", if bank.is_private() { "private" } else { "global" });

    // The std AtomicI64 example: 10 workers x 100 fetch_add(1, SeqCst).
    let total = bank.named("rust.seed.total").unwrap();
    total.store(0, SeqCst);
    let kids = (0..10).map(|_| spawn(&["fetch_add", "100", "rust.seed.total"])).collect();
    let ok = all_succeed(kids);
    let v = total.load(SeqCst);
    t.check(
        "seed.10_processes_x_100_fetch_add_seqcst_is_1000",
        ok && v == 1000,
        &format!("total {} (workers ok: {})", v, ok),
    );

    // The atomic_counter crate's invariant, with ConsistentCounter: a is
    // raised before b, so a reader that reads b then a sees a > b.
    let a = ConsistentCounter::new(bank.named("rust.seed.a").unwrap());
    let b = ConsistentCounter::new(bank.named("rust.seed.b").unwrap());
    a.reset();
    b.reset();
    a.inc();
    let mut kids: Vec<Child> = (0..2).map(|_| spawn(&["ab_writer", "2000"])).collect();
    kids.extend((0..2).map(|_| spawn(&["ab_reader", "4000"])));
    let ok = all_succeed(kids);
    let (av, bv) = (a.get(), b.get());
    t.check(
        "seed.consistent_counter_a_gt_b_across_processes",
        ok && av == 4001 && bv == 4000,
        &format!("a {} b {}, workers ok: {}", av, bv, ok),
    );

    // RelaxedCounter: the crate's method names and results.
    let r = RelaxedCounter::new(bank.named("rust.relaxed").unwrap());
    r.reset();
    let ok = r.inc() == 0 && r.add(5) == 1 && r.get() == 6 && r.reset() == 6 && r.get() == 0;
    r.add(3);
    let ok = ok && r.into_inner() == 3;
    t.check("relaxed_counter_has_the_crates_methods", ok, "inc/add/get/reset/into_inner");

    // Striped: 4 processes x 1000 inc on their CPUs' slots.
    let s = bank.striped("rust.striped").unwrap();
    let before = s.load();
    let kids = (0..4).map(|_| spawn(&["striped", "1000"])).collect();
    let ok = all_succeed(kids);
    let got = s.load().wrapping_sub(before);
    t.check(
        "striped_4_processes_x_1000_inc_sum_to_4000",
        ok && got == 4000,
        &format!("sum grew by {}", got),
    );

    // Waiting: a process waits; an update on the page and wake() wake it.
    let w = bank.named("rust.wait").unwrap();
    w.store(0, SeqCst);
    let waiters = bank.kernel("atomic_counter.waiters").unwrap();
    let (kid, seen) = spawn_waiter(&["wait"], &waiters);
    w.fetch_add(1, Relaxed);
    let woke = w.wake().is_ok();
    let ok = all_succeed(vec![kid]);
    t.check(
        "wait_until_returns_after_a_page_update_and_wake",
        seen && woke && ok,
        &format!("waiter counted {}, wake ok {}, waiter ok {}", seen, woke, ok),
    );
    let r = w.wait_until(Cond::Eq(-12345), Some(Duration::ZERO));
    t.check(
        "wait_until_times_out_with_etimedout",
        errno_of(&r) == Some(libc::ETIMEDOUT) && r.unwrap_err().kind() == io::ErrorKind::TimedOut,
        "want ETIMEDOUT",
    );

    // The band rule (the uapi's "Waiting"), as the C selftest
    // a_waiter_on_another_counter_costs_page_wakes_no_system_call: a
    // waiter on another counter costs page updates and wake() no WAKE
    // call; its own counter's update still wakes it.
    let mut band_names: Vec<&str> = Vec::new();
    let name = "wake_with_a_waiter_on_another_counter_makes_no_system_call";
    match (module_has_bands(&bank), wake_calls()) {
        (false, _) => t.skip(name, "module without ATOMIC_COUNTER_FEATURE_BANDS"),
        (true, None) => t.skip(name, "no wait_stats (debugfs not mounted)"),
        (true, Some(_)) => {
            band_names = vec!["rust.band.other", "rust.band.mine"];
            let other = bank.named("rust.band.other").unwrap();
            let mine = bank.named("rust.band.mine").unwrap();
            other.store(0, SeqCst);
            let (kid, seen) = spawn_waiter(&["wait_ge", "rust.band.other", "2"], &waiters);
            let calls0 = wake_calls().unwrap_or(-1);
            let mut woke = true;
            for _ in 0..1000 {
                mine.fetch_add(1, Relaxed);
                woke &= mine.wake().is_ok();
            }
            let calls1 = wake_calls().unwrap_or(-1);
            // The waiter's own counter, past its condition: a WAKE call.
            other.fetch_add(1, Relaxed);
            woke &= other.wake().is_ok();
            other.fetch_add(1, Relaxed);
            woke &= other.wake().is_ok();
            let calls2 = wake_calls().unwrap_or(-1);
            let ok = all_succeed(vec![kid]);
            t.check(
                name,
                // calls2 > calls1 is not required: the waiter count rises
                // before the waiter narrows its band, and a waiter still
                // joining sees the value itself (it then returns unwoken).
                seen && woke && ok && calls0 >= 0 && calls1 == calls0,
                &format!(
                    "waiter counted {}, wakes ok {}, waiter ok {}; wake_calls {}, {} after 1000 \
                     updates of another counter, {} after its own",
                    seen, woke, ok, calls0, calls1, calls2
                ),
            );
        }
    }

    // Every operation, every ordering, against the C library.
    let mut cref = match CRef::start() {
        Ok(c) => c,
        Err(e) => {
            t.check("c_library_reference_starts", false, &format!("ac-ref: {}", e));
            std::process::exit(1);
        }
    };
    let c = bank.named("rust.ops").unwrap();
    let idx = c.index();
    let starts = [0, 5, -3, i64::MAX, i64::MIN];
    let pairs = [(1, 0), (7, 5), (i64::MAX, -3)];
    for op in Opcode::ALL {
        let mut why = String::new();
        let mut cases = 0;
        for &s in &starts {
            for &(v0, e0) in &pairs {
                let e0 = if e0 == -3 { s } else { e0 };
                let (v, e) = operands(op, v0, e0);
                for order in 0..4u32 {
                    c.store(s, SeqCst);
                    let cboth = cref.op(idx, op as u32, order, v, e);
                    let cr = cboth.as_ref().map(|x| x.0).map_err(|e| io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0)));
                    let cafter: Result<i64, ()> = cboth.map(|x| x.1).map_err(|_| ());
                    c.store(s, SeqCst);
                    let ir = c.op(op, rust_order(order), v, e);
                    let iafter = c.load(SeqCst);
                    // A refused call changes nothing.
                    if errno_of(&cr) != errno_of(&ir)
                        || cr.as_ref().ok() != ir.as_ref().ok()
                        || (ir.is_err() && iafter != s)
                    {
                        why = format!("{:?} order {} start {} ({}, {}): C {:?}, Rust ioctl {:?}", op, order, s, v, e, cr, ir);
                    }
                    // An ordering refused through the ioctl (Release for
                    // a load) is one AtomicI64 refuses too.
                    if let Ok(cv) = cr {
                        cases += 1;
                        c.store(s, SeqCst);
                        let pr = page(&c, op, rust_order(order), v, e);
                        let pafter = c.load(SeqCst);
                        if pr != cv || Ok(pafter) != cafter || iafter != pafter {
                            why = format!("{:?} order {} start {} ({}, {}): C {} then {:?}, Rust page {} then {}", op, order, s, v, e, cv, cafter, pr, pafter);
                        }
                    }
                }
            }
        }
        t.check(
            &format!("op.{:?}_page_and_ioctl_match_the_c_library", op).to_lowercase(),
            why.is_empty() && cases > 0,
            &format!("{} ({} cases)", why, cases),
        );
    }

    // Bad input: the C library's errno.
    let total_idx = bank.nr_total();
    let rr = bank.counter(total_idx);
    let cr = cref.op(total_idx, Opcode::Add as u32, 1, 1, 0).map(|x| x.0);
    t.check(
        "errno.bad_index_is_the_c_librarys_einval",
        errno_of(&rr) == Some(libc::EINVAL) && errno_of(&cr) == Some(libc::EINVAL),
        &format!("Rust {:?}, C {:?}", errno_of(&rr), errno_of(&cr)),
    );
    let kidx = waiters.index();
    let rr = bank.counter(kidx);
    let ri = waiters.op(Opcode::Add, Relaxed, 1, 0);
    let cr = cref.op(kidx, Opcode::Add as u32, 1, 1, 0).map(|x| x.0);
    t.check(
        "errno.read_only_counter_is_the_c_librarys_eperm",
        errno_of(&rr) == Some(libc::EPERM)
            && errno_of(&ri) == Some(libc::EPERM)
            && errno_of(&cr) == Some(libc::EPERM),
        &format!("Rust {:?} / ioctl {:?}, C {:?}", errno_of(&rr), errno_of(&ri), errno_of(&cr)),
    );
    let ro = bank.reopen(true).unwrap();
    let rr = ro.counter(0);
    let rn = ro.named("rust.ro");
    t.check(
        "errno.read_only_bank_write_is_ebadf",
        errno_of(&rr) == Some(libc::EBADF) && errno_of(&rn) == Some(libc::EBADF),
        &format!("counter {:?}, named {:?}", errno_of(&rr), errno_of(&rn)),
    );
    // A closed descriptor: the number of one just dropped.
    let closed = {
        let f = std::fs::File::open("/dev/null").unwrap();
        std::os::unix::io::AsRawFd::as_raw_fd(&f)
    };
    let rr = Bank::from_fd(closed);
    let cr = cref.ask(&format!("openfd {}", closed));
    let cc = cref.ask("closed 0");
    t.check(
        "errno.closed_bank_is_the_c_librarys_ebadf",
        errno_of(&rr) == Some(libc::EBADF)
            && errno_of(&cr) == Some(libc::EBADF)
            && errno_of(&cc) == Some(libc::EBADF),
        &format!("Rust {:?}, C open_fd {:?}, C op {:?}", errno_of(&rr), errno_of(&cr), errno_of(&cc)),
    );
    let rr = bank.named("9 bad name");
    let cr = cref.ask("create 9bad");
    t.check(
        "errno.malformed_name_is_the_c_librarys_einval",
        errno_of(&rr) == Some(libc::EINVAL) && errno_of(&cr) == Some(libc::EINVAL),
        &format!("Rust {:?}, C {:?}", errno_of(&rr), errno_of(&cr)),
    );
    let rr = bank.named("rust.striped");
    t.check(
        "errno.plain_open_of_a_striped_name_is_eexist",
        errno_of(&rr) == Some(libc::EEXIST),
        &format!("{:?}", errno_of(&rr)),
    );

    // Leave the bank as found: the other suites list its nonzero counters.
    let mut names = vec![
        "rust.seed.total",
        "rust.seed.a",
        "rust.seed.b",
        "rust.relaxed",
        "rust.striped",
        "rust.wait",
        "rust.ops",
    ];
    names.extend(band_names);
    let left: Vec<_> = names.iter().filter(|n| bank.delete(n).is_err()).collect();
    t.check("names_deleted_after_use", left.is_empty(), &format!("left: {:?}", left));

    println!("1..{}", t.n);
    std::process::exit(if t.failed == 0 { 0 } else { 1 });
}
