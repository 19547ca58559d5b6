// SPDX-License-Identifier: GPL-2.0
/*
 * The text view: /sys/kernel/debug/atomic_counter/counters lists every named
 * counter, one per line, "name index owner value", for people and scripts;
 * a striped counter's value is the sum of its slots, and its owner is
 * followed by ",striped" ("user,striped").
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "atomic_counter.h"

static struct dentry *ac_debugfs_dir;

static int ac_counters_show(struct seq_file *m, void *unused)
{
	struct atomic_counter_name n = {};

	while (ac_name_next(&n)) {
		seq_printf(m, "%s %llu %s%s %lld\n", n.name, n.index,
			   n.owner == ATOMIC_COUNTER_OWNER_KERNEL ? "kernel" : "user",
			   n.flags & ATOMIC_COUNTER_NAME_STRIPED ? ",striped" : "",
			   (long long)ac_counter_value(n.index));
		n.index++;
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ac_counters);

/* debugfs is a debugging aid: the module works the same without it. */
void ac_textview_init(void)
{
	ac_debugfs_dir = debugfs_create_dir("atomic_counter", NULL);
	debugfs_create_file("counters", 0444, ac_debugfs_dir, NULL, &ac_counters_fops);
}

void ac_textview_exit(void)
{
	debugfs_remove_recursive(ac_debugfs_dir);
}
