// SPDX-License-Identifier: MIT
use linux_atomic_counter::{Bank, Cond};
use std::sync::atomic::Ordering::SeqCst;

fn main() -> std::io::Result<()> {
    let bank = Bank::open()?;
    let done = bank.named("jobs.done")?;
    done.fetch_add(1, SeqCst);
    done.wake()?; // a syscall only if a waiter may wake
    println!("{}", done.wait_until(Cond::Ge(1), None)?);
    Ok(())
}
