// SPDX-License-Identifier: GPL-2.0
/*
 * A module that does nothing but warn when it loads. The VM harness's own
 * test loads it to prove that a kernel warning fails a run; it is never
 * part of the product.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init planted_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit planted_warn_exit(void)
{
}

module_init(planted_warn_init);
module_exit(planted_warn_exit);

MODULE_DESCRIPTION("Planted warning for the atomic_counter VM harness test");
MODULE_LICENSE("GPL");
