// SPDX-License-Identifier: GPL-2.0
/*
 * Sample instrumentation with atomic_counter: count process creations
 * into the kernel counter "kernel.forks", which every process can read by
 * name (atomic-counter get kernel.forks) and none can change.
 *
 * A kprobe on kernel_clone() sees every fork, vfork and clone, kernel
 * threads included; its handler runs with preemption off, where the
 * counter's inline, lock-free increment is exactly what is wanted.
 *
 * Forks happen on every CPU at once, the case striped counters are for:
 * the same count also goes to "kernel.forks_striped", where each CPU adds
 * to a cache line of its own. Both take the same calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kprobes.h>
#include <linux/module.h>

#include "atomic_counter_kernel.h"

static struct atomic_counter_handle *forks;
static struct atomic_counter_handle *forks_striped;

static int forks_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_counter_inc(forks);
	atomic_counter_inc(forks_striped);
	return 0;
}

static struct kprobe forks_probe = {
	.symbol_name	= "kernel_clone",
	.pre_handler	= forks_pre,
};

static int __init forks_init(void)
{
	int ret;

	forks = atomic_counter_register("kernel.forks");
	if (IS_ERR(forks))
		return PTR_ERR(forks);
	forks_striped = atomic_counter_register_striped("kernel.forks_striped");
	if (IS_ERR(forks_striped)) {
		ret = PTR_ERR(forks_striped);
		goto unregister_forks;
	}
	ret = register_kprobe(&forks_probe);
	if (ret) {
		pr_err("cannot probe kernel_clone: %d\n", ret);
		goto unregister_striped;
	}
	pr_info("counting forks in kernel.forks (index %llu) and kernel.forks_striped (index %llu)\n",
		forks->index, forks_striped->index);
	return 0;

unregister_striped:
	atomic_counter_unregister(forks_striped);
unregister_forks:
	atomic_counter_unregister(forks);
	return ret;
}

static void __exit forks_exit(void)
{
	unregister_kprobe(&forks_probe);
	atomic_counter_unregister(forks_striped);
	atomic_counter_unregister(forks);
}

module_init(forks_init);
module_exit(forks_exit);

MODULE_DESCRIPTION("Counts forks into the atomic_counter kernel counter kernel.forks");
MODULE_LICENSE("GPL");
