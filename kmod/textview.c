// SPDX-License-Identifier: GPL-2.0
/*
 * The text view: /sys/kernel/debug/atomic_counter/counters lists every named
 * counter of the global bank (never a private one's), one per line, "name
 * index owner value", for people and scripts; a striped counter's value is
 * the sum of its slots, and its owner is followed by ",striped"
 * ("user,striped").
 *
 * The seq_file position is the index of a counter in the bank, not a count
 * of lines: each buffer fill goes on from where the last one stopped, so
 * a whole read looks at each entry of the name table once, holds the
 * table's lock only inside ac_name_next(), and skips or repeats no name
 * when names before the position are deleted between two reads.
 *
 * /sys/kernel/debug/atomic_counter/name_hash shows the shape of the global
 * bank's name hash, one "key value" line each: "buckets", "names" and
 * "longest_chain" (the names in the fullest bucket). Each table's hash is
 * seeded at random, so a chain far longer than the load (names / buckets)
 * would give means names collide that nobody could choose to.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "atomic_counter.h"

static struct dentry *ac_debugfs_dir;

/* The first named counter at or after index *@pos, and *@pos set to its index. */
static void *ac_counters_find(struct seq_file *m, loff_t *pos)
{
	struct atomic_counter_name *n = m->private;

	memset(n, 0, sizeof(*n));
	n->index = *pos;
	if (!ac_name_next(&ac_global, n))
		return NULL;
	*pos = n->index;
	return n;
}

static void *ac_counters_start(struct seq_file *m, loff_t *pos)
{
	return *pos < 0 ? NULL : ac_counters_find(m, pos);
}

static void *ac_counters_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ac_counters_find(m, pos);
}

static void ac_counters_stop(struct seq_file *m, void *v)
{
}

static int ac_counters_show(struct seq_file *m, void *v)
{
	const struct atomic_counter_name *n = v;

	seq_printf(m, "%s %llu %s%s %lld\n", n->name, n->index,
		   n->owner == ATOMIC_COUNTER_OWNER_KERNEL ? "kernel" : "user",
		   n->flags & ATOMIC_COUNTER_NAME_STRIPED ? ",striped" : "",
		   (long long)ac_counter_value(&ac_global, n->index));
	return 0;
}

static const struct seq_operations ac_counters_sops = {
	.start	= ac_counters_start,
	.next	= ac_counters_next,
	.stop	= ac_counters_stop,
	.show	= ac_counters_show,
};

static int ac_counters_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &ac_counters_sops, sizeof(struct atomic_counter_name));
}

static const struct file_operations ac_counters_fops = {
	.owner		= THIS_MODULE,
	.open		= ac_counters_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

static int ac_name_hash_show(struct seq_file *m, void *v)
{
	struct ac_names_hash_stats stats;

	ac_names_hash_stats(&ac_global, &stats);
	seq_printf(m, "buckets %llu\nnames %llu\nlongest_chain %llu\n",
		   stats.buckets, stats.names, stats.longest_chain);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ac_name_hash);

/* debugfs is a debugging aid: the module works the same without it. */
void ac_textview_init(void)
{
	ac_debugfs_dir = debugfs_create_dir("atomic_counter", NULL);
	debugfs_create_file("counters", 0444, ac_debugfs_dir, NULL, &ac_counters_fops);
	debugfs_create_file("name_hash", 0444, ac_debugfs_dir, NULL, &ac_name_hash_fops);
	ac_wait_debugfs_init(ac_debugfs_dir);
}

void ac_textview_exit(void)
{
	debugfs_remove_recursive(ac_debugfs_dir);
}
