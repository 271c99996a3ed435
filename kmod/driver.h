/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the driver's files: the architecture interface
 * (arch/<arch>/) and the driver state. The layouts the driver reads and the
 * hypercall numbers are in layout.h.
 */
#ifndef _JAILHOUSE_DRIVER_H
#define _JAILHOUSE_DRIVER_H

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "jailhouse.h"
#include "layout.h"

/* Bounds on what user space and the firmware file may ask the driver to allocate or follow. */
#define JH_CONFIG_MAX_SIZE		(16U << 20)
#define JH_PERCPU_MAX_SIZE		(1U << 20)

/* Architecture interface, implemented in arch/<arch>/entry.c. */
extern const char *const jailhouse_arch_name;
extern const __u8 jailhouse_arch_config_id;
int jailhouse_arch_check(void);
int jailhouse_arch_prepare(struct jh_header *header);
void *jailhouse_arch_map(phys_addr_t phys, size_t size);
void jailhouse_arch_unmap(void *virt);
int jailhouse_arch_protect(void *virt, size_t size);
void jailhouse_arch_flush(void *virt, size_t size);
int jailhouse_arch_enter(struct jh_header *header, phys_addr_t header_phys,
			 unsigned int cpu);
long jailhouse_arch_call(unsigned long code, unsigned long arg1,
			 unsigned long arg2);

/* A cell as the driver tracks it (the root cell has id 0). */
struct jh_cell {
	struct kobject kobj;
	struct kobject *statistics;
	struct list_head cpu_stats;
	struct list_head entry;
	unsigned int id;
	char name[JH_CELL_NAME_LEN];
	cpumask_t cpus_assigned;
	struct jh_memory *memory_regions;
	unsigned int num_memory_regions;
};

/* Driver state, guarded by jailhouse_lock. */
extern struct mutex jailhouse_lock;
extern bool jailhouse_enabled;
extern struct device *jailhouse_dev;
extern struct jh_virt_console *jailhouse_console_page;
extern struct list_head jailhouse_cells;
extern struct jh_cell *jailhouse_root_cell;

/* config.c */
size_t jh_cell_config_size(const struct jh_cell_desc *cell);
size_t jh_system_config_size(const struct jh_system *system);
void jh_cell_cpus(const struct jh_cell_desc *cell, struct cpumask *cpus);
const struct jh_memory *jh_cell_memory(const struct jh_cell_desc *cell);

/* cell.c */
struct jh_cell *jh_cell_new(const struct jh_cell_desc *desc, size_t size);
int jh_cell_register(struct jh_cell *cell);
void jh_cell_unregister(struct jh_cell *cell);
void jh_cells_remove_all(void);
int jh_cmd_cell_create(struct jailhouse_cell_create __user *arg);
int jh_cmd_cell_load(struct jailhouse_cell_load __user *arg);
int jh_cmd_cell_start(struct jailhouse_cell_id __user *arg);
int jh_cmd_cell_destroy(struct jailhouse_cell_id __user *arg);

/* sysfs.c */
extern struct kobj_type jh_cell_ktype;
int jh_sysfs_init(struct device *dev);
void jh_sysfs_exit(struct device *dev);
int jh_sysfs_cell_add(struct jh_cell *cell);
int jh_sysfs_cell_cpus_changed(struct jh_cell *cell);
void jh_sysfs_cell_remove(struct jh_cell *cell);

#endif /* _JAILHOUSE_DRIVER_H */
