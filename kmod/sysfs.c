// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/devices/jailhouse: enabled, the hypervisor's memory pools, its
 * console, and cells/<id>/{name,state,cpus_*,statistics/[cpu<n>/]} for every cell
 * while the hypervisor runs (the names of upstream's
 * Documentation/sysfs-entries.txt).
 */
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "driver.h"

static struct kobject *cells_dir;

static ssize_t enabled_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", jailhouse_enabled);
}

/* A hypervisor pool counter, 0 while disabled (as upstream). */
static ssize_t jh_info_show(char *buf, unsigned long type)
{
	long value = 0;

	if (mutex_lock_interruptible(&jailhouse_lock))
		return -EINTR;
	if (jailhouse_enabled)
		value = jailhouse_arch_call(JH_HC_HYPERVISOR_GET_INFO, type, 0);
	mutex_unlock(&jailhouse_lock);
	if (value < 0)
		return value;
	return sysfs_emit(buf, "%ld\n", value);
}

#define JH_INFO_ATTR(name, type)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return jh_info_show(buf, type);					\
}									\
static DEVICE_ATTR_RO(name)

JH_INFO_ATTR(mem_pool_size, JH_INFO_MEM_POOL_SIZE);
JH_INFO_ATTR(mem_pool_used, JH_INFO_MEM_POOL_USED);
JH_INFO_ATTR(remap_pool_size, JH_INFO_REMAP_POOL_SIZE);
JH_INFO_ATTR(remap_pool_used, JH_INFO_REMAP_POOL_USED);
static DEVICE_ATTR_RO(enabled);

/* The hypervisor's console ring, oldest byte first; empty while disabled. */
static ssize_t console_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	const struct jh_virt_console *console;
	unsigned int tail, start, len;

	if (mutex_lock_interruptible(&jailhouse_lock))
		return -EINTR;
	console = jailhouse_console_page;
	len = 0;
	if (console) {
		tail = READ_ONCE(console->tail);
		start = tail > JH_CONSOLE_CONTENT_SIZE ?
			tail % JH_CONSOLE_CONTENT_SIZE : 0;
		len = min_t(unsigned int, tail, JH_CONSOLE_CONTENT_SIZE);
		memcpy(buf, console->content + start,
		       min(len, JH_CONSOLE_CONTENT_SIZE - start));
		if (start + len > JH_CONSOLE_CONTENT_SIZE)
			memcpy(buf + JH_CONSOLE_CONTENT_SIZE - start,
			       console->content,
			       start + len - JH_CONSOLE_CONTENT_SIZE);
	}
	mutex_unlock(&jailhouse_lock);
	return len;
}
static DEVICE_ATTR_RO(console);

static struct attribute *jh_device_attrs[] = {
	&dev_attr_enabled.attr,
	&dev_attr_mem_pool_size.attr,
	&dev_attr_mem_pool_used.attr,
	&dev_attr_remap_pool_size.attr,
	&dev_attr_remap_pool_used.attr,
	&dev_attr_console.attr,
	NULL,
};

static const struct attribute_group jh_device_group = {
	.attrs = jh_device_attrs,
};

/*
 * Cell attributes need no lock: a cell's directory exists only while the
 * hypervisor runs, and removing it waits for readers.
 */
static struct jh_cell *to_cell(struct kobject *kobj)
{
	return container_of(kobj, struct jh_cell, kobj);
}

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", to_cell(kobj)->name);
}

/*
 * Cell attributes issue hypercalls: only while the hypervisor runs, and not
 * while enable or disable change that. Disable removes these files under
 * jailhouse_lock and waits for running reads, so a read must not sleep on
 * the lock: it restarts instead (and then finds its file gone).
 */
static int jh_hypercall_lock(void)
{
	if (!mutex_trylock(&jailhouse_lock))
		return restart_syscall();
	if (!jailhouse_enabled) {
		mutex_unlock(&jailhouse_lock);
		return -ENODEV;
	}
	return 0;
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	static const char *const states[] = {
		[JH_CELL_RUNNING] = "running",
		[JH_CELL_RUNNING_LOCKED] = "running/locked",
		[JH_CELL_SHUT_DOWN] = "shut down",
		[JH_CELL_FAILED] = "failed",
		[JH_CELL_FAILED_COMM_REV] = "Comm ABI mismatch",
	};
	long state;
	int err = jh_hypercall_lock();

	if (err)
		return err;
	state = jailhouse_arch_call(JH_HC_CELL_GET_STATE, to_cell(kobj)->id, 0);
	mutex_unlock(&jailhouse_lock);
	if (state < 0 || state >= ARRAY_SIZE(states))
		return sysfs_emit(buf, "invalid\n");
	return sysfs_emit(buf, "%s\n", states[state]);
}

static void jh_failed_cpus(struct jh_cell *cell, struct cpumask *failed)
{
	unsigned int cpu;

	cpumask_clear(failed);
	for_each_cpu(cpu, &cell->cpus_assigned)
		if (jailhouse_arch_call(JH_HC_CPU_GET_INFO, cpu,
					JH_CPU_INFO_STATE) == JH_CPU_FAILED)
			cpumask_set_cpu(cpu, failed);
}

static ssize_t cpus_assigned_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pb\n",
			  cpumask_pr_args(&to_cell(kobj)->cpus_assigned));
}

static ssize_t cpus_assigned_list_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n",
			  cpumask_pr_args(&to_cell(kobj)->cpus_assigned));
}

static ssize_t jh_cpus_failed_show(struct kobject *kobj, char *buf, bool list)
{
	cpumask_var_t failed;
	ssize_t len;
	int err;

	if (!alloc_cpumask_var(&failed, GFP_KERNEL))
		return -ENOMEM;
	err = jh_hypercall_lock();
	if (err) {
		free_cpumask_var(failed);
		return err;
	}
	jh_failed_cpus(to_cell(kobj), failed);
	mutex_unlock(&jailhouse_lock);
	len = list ? sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(failed)) :
		sysfs_emit(buf, "%*pb\n", cpumask_pr_args(failed));
	free_cpumask_var(failed);
	return len;
}

static ssize_t cpus_failed_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return jh_cpus_failed_show(kobj, buf, false);
}

static ssize_t cpus_failed_list_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return jh_cpus_failed_show(kobj, buf, true);
}

static struct kobj_attribute cell_name_attr = __ATTR_RO(name);
static struct kobj_attribute cell_state_attr = __ATTR_RO(state);
static struct kobj_attribute cell_cpus_assigned_attr =
	__ATTR_RO(cpus_assigned);
static struct kobj_attribute cell_cpus_assigned_list_attr =
	__ATTR_RO(cpus_assigned_list);
static struct kobj_attribute cell_cpus_failed_attr = __ATTR_RO(cpus_failed);
static struct kobj_attribute cell_cpus_failed_list_attr =
	__ATTR_RO(cpus_failed_list);

static struct attribute *jh_cell_attrs[] = {
	&cell_name_attr.attr,
	&cell_state_attr.attr,
	&cell_cpus_assigned_attr.attr,
	&cell_cpus_assigned_list_attr.attr,
	&cell_cpus_failed_attr.attr,
	&cell_cpus_failed_list_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(jh_cell);

static void jh_cell_release(struct kobject *kobj)
{
	struct jh_cell *cell = to_cell(kobj);

	kfree(cell->memory_regions);
	kfree(cell);
}

struct kobj_type jh_cell_ktype = {
	.release = jh_cell_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = jh_cell_groups,
};

/*
 * statistics/vmexits_<reason> sums over the cell's CPUs,
 * statistics/cpu<n>/vmexits_<reason> is one CPU's count; both show the same
 * attributes, told apart by the kobject's type.
 */
struct jh_stat_attr {
	struct kobj_attribute attr;
	unsigned int code;
};

struct jh_cpu_stats {
	struct kobject kobj;
	struct list_head entry;
	unsigned int cpu;
};

static struct kobj_type jh_cpu_stats_ktype;

static long jh_cpu_stat(unsigned int cpu, unsigned int code)
{
	long value = jailhouse_arch_call(JH_HC_CPU_GET_INFO, cpu,
					 JH_CPU_INFO_STAT_BASE + code);

	return value > 0 ? value : 0;
}

static ssize_t jh_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct jh_stat_attr *stat = container_of(attr, struct jh_stat_attr,
						 attr);
	struct jh_cpu_stats *one;
	struct jh_cell *cell;
	unsigned long sum = 0;
	unsigned int cpu;
	int err = jh_hypercall_lock();

	if (err)
		return err;
	if (kobj->ktype == &jh_cpu_stats_ktype) {
		one = container_of(kobj, struct jh_cpu_stats, kobj);
		sum = jh_cpu_stat(one->cpu, stat->code);
	} else {
		cell = to_cell(kobj->parent);
		for_each_cpu(cpu, &cell->cpus_assigned)
			sum += jh_cpu_stat(cpu, stat->code);
	}
	mutex_unlock(&jailhouse_lock);
	return sysfs_emit(buf, "%lu\n", sum);
}

#define JH_STAT_ATTR(reason, stat_code)					\
static struct jh_stat_attr stat_##reason = {				\
	.attr = __ATTR(vmexits_##reason, 0444, jh_stat_show, NULL),	\
	.code = stat_code,						\
}

JH_STAT_ATTR(total, 0);
JH_STAT_ATTR(mmio, 1);
JH_STAT_ATTR(management, 2);
JH_STAT_ATTR(hypercall, 3);
#ifdef CONFIG_X86
/* x86's exit reasons beyond the generic four, at upstream's indices (X86Stats). */
JH_STAT_ATTR(pio, 4);
JH_STAT_ATTR(xapic, 5);
JH_STAT_ATTR(cr, 6);
JH_STAT_ATTR(cpuid, 7);
#endif
#ifdef CONFIG_ARM64
/* arm64's beyond the generic four, at upstream's indices (PerCpu.StatVmexits*). */
JH_STAT_ATTR(maintenance, 4);
JH_STAT_ATTR(virq, 5);
JH_STAT_ATTR(vsgi, 6);
#endif

static struct attribute *jh_stat_attrs[] = {
	&stat_total.attr.attr,
	&stat_mmio.attr.attr,
	&stat_management.attr.attr,
	&stat_hypercall.attr.attr,
#ifdef CONFIG_X86
	&stat_pio.attr.attr,
	&stat_xapic.attr.attr,
	&stat_cr.attr.attr,
	&stat_cpuid.attr.attr,
#endif
#ifdef CONFIG_ARM64
	&stat_maintenance.attr.attr,
	&stat_virq.attr.attr,
	&stat_vsgi.attr.attr,
#endif
	NULL,
};

static const struct attribute_group jh_stat_group = {
	.attrs = jh_stat_attrs,
};

static const struct attribute_group *jh_cpu_stats_groups[] = {
	&jh_stat_group,
	NULL,
};

static void jh_cpu_stats_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct jh_cpu_stats, kobj));
}

static struct kobj_type jh_cpu_stats_ktype = {
	.release = jh_cpu_stats_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = jh_cpu_stats_groups,
};

static void jh_sysfs_cpu_stats_remove(struct jh_cell *cell)
{
	struct jh_cpu_stats *one, *next;

	list_for_each_entry_safe(one, next, &cell->cpu_stats, entry) {
		list_del(&one->entry);
		kobject_del(&one->kobj);
		kobject_put(&one->kobj);
	}
}

/* (Re)creates statistics/cpu<n>/ for the CPUs the cell has now. */
int jh_sysfs_cell_cpus_changed(struct jh_cell *cell)
{
	struct jh_cpu_stats *one;
	unsigned int cpu;
	int err;

	jh_sysfs_cpu_stats_remove(cell);
	if (!cell->statistics)
		return 0;
	for_each_cpu(cpu, &cell->cpus_assigned) {
		one = kzalloc(sizeof(*one), GFP_KERNEL);
		if (!one)
			return -ENOMEM;
		one->cpu = cpu;
		err = kobject_init_and_add(&one->kobj, &jh_cpu_stats_ktype,
					   cell->statistics, "cpu%u", cpu);
		if (err) {
			kobject_put(&one->kobj);
			return err;
		}
		list_add_tail(&one->entry, &cell->cpu_stats);
	}
	return 0;
}

int jh_sysfs_cell_add(struct jh_cell *cell)
{
	int err;

	err = kobject_add(&cell->kobj, cells_dir, "%u", cell->id);
	if (err)
		return err;
	cell->statistics = kobject_create_and_add("statistics", &cell->kobj);
	if (!cell->statistics)
		return -ENOMEM;
	err = sysfs_create_group(cell->statistics, &jh_stat_group);
	if (err)
		return err;
	err = jh_sysfs_cell_cpus_changed(cell);
	if (err)
		return err;
	kobject_uevent(&cell->kobj, KOBJ_ADD);
	return 0;
}

void jh_sysfs_cell_remove(struct jh_cell *cell)
{
	jh_sysfs_cpu_stats_remove(cell);
	if (cell->statistics) {
		sysfs_remove_group(cell->statistics, &jh_stat_group);
		kobject_put(cell->statistics);
		cell->statistics = NULL;
	}
	if (cell->kobj.state_in_sysfs)
		kobject_del(&cell->kobj);
	kobject_put(&cell->kobj);
}

int jh_sysfs_init(struct device *dev)
{
	int err;

	err = sysfs_create_group(&dev->kobj, &jh_device_group);
	if (err)
		return err;
	cells_dir = kobject_create_and_add("cells", &dev->kobj);
	if (!cells_dir) {
		sysfs_remove_group(&dev->kobj, &jh_device_group);
		return -ENOMEM;
	}
	return 0;
}

void jh_sysfs_exit(struct device *dev)
{
	kobject_put(cells_dir);
	sysfs_remove_group(&dev->kobj, &jh_device_group);
}
