// SPDX-License-Identifier: GPL-2.0
/*
 * Sample instrumentation with atomic_counter: count process creations
 * into the kernel counter "kernel.forks", which every process can read by
 * name (atomic-counter get kernel.forks) and none can change.
 *
 * A kprobe on kernel_clone() sees every fork, vfork and clone, kernel
 * threads included; its handler runs with preemption off, where the
 * counter's inline, lock-free increment is exactly what is wanted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kprobes.h>
#include <linux/module.h>

#include "atomic_counter_kernel.h"

static struct atomic_counter_handle *forks;

static int forks_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_counter_inc(forks);
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
	ret = register_kprobe(&forks_probe);
	if (ret) {
		pr_err("cannot probe kernel_clone: %d\n", ret);
		atomic_counter_unregister(forks);
		return ret;
	}
	pr_info("counting forks in kernel.forks (index %llu)\n", forks->index);
	return 0;
}

static void __exit forks_exit(void)
{
	unregister_kprobe(&forks_probe);
	atomic_counter_unregister(forks);
}

module_init(forks_init);
module_exit(forks_exit);

MODULE_DESCRIPTION("Counts forks into the atomic_counter kernel counter kernel.forks");
MODULE_LICENSE("GPL");
