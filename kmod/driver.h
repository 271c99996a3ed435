/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the driver's files: the binary configuration and
 * hypervisor header layouts the driver reads, the hypercall numbers, the
 * architecture interface (arch/<arch>/) and the driver state.
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

/* Configuration format (revision 14), the parts the driver needs. */
#define JH_CONFIG_REVISION		14
/* Bounds on what user space and the firmware file may ask the driver to allocate or follow. */
#define JH_CONFIG_MAX_SIZE		(16U << 20)
#define JH_PERCPU_MAX_SIZE		(1U << 20)
#define JH_SYSTEM_SIGNATURE		"JHSYS"
#define JH_CELL_SIGNATURE		"JHCLL"
#define JH_SIGNATURE_LEN		5
#define JH_CELL_NAME_LEN		32

#define JH_SYS_VIRTUAL_DEBUG_CONSOLE	0x0001

#define JH_MEM_READ			0x0001
#define JH_MEM_WRITE			0x0002
#define JH_MEM_EXECUTE			0x0004
#define JH_MEM_COMM_REGION		0x0020
#define JH_MEM_LOADABLE			0x0040

/* Sizes of the arrays that follow a cell descriptor, in their order. */
#define JH_CACHE_SIZE			12
#define JH_IRQCHIP_SIZE			32
#define JH_PIO_SIZE			4
#define JH_PCI_DEVICE_SIZE		56
#define JH_PCI_CAP_SIZE			8
#define JH_STREAM_ID_SIZE		4
#define JH_PLATFORM_INFO_SIZE		280

struct jh_memory {
	__u64 phys_start;
	__u64 virt_start;
	__u64 size;
	__u64 flags;
} __packed;

struct jh_console {
	__u64 address;
	__u32 size;
	__u16 type;
	__u16 flags;
	__u32 divider;
	__u32 gate_nr;
	__u64 clock_reg;
} __packed;

struct jh_cell_desc {
	char signature[JH_SIGNATURE_LEN];
	__u8 architecture;
	__u16 revision;
	char name[JH_CELL_NAME_LEN];
	__u32 id;
	__u32 flags;
	__u32 cpu_set_size;
	__u32 num_memory_regions;
	__u32 num_cache_regions;
	__u32 num_irqchips;
	__u32 num_pio_regions;
	__u32 num_pci_devices;
	__u32 num_pci_caps;
	__u32 num_stream_ids;
	__u32 vpci_irq_base;
	__u64 cpu_reset_address;
	__u64 msg_reply_timeout;
	struct jh_console console;
} __packed;

struct jh_system {
	char signature[JH_SIGNATURE_LEN];
	__u8 architecture;
	__u16 revision;
	__u32 flags;
	struct jh_memory hypervisor_memory;
	struct jh_console debug_console;
	__u8 platform_info[JH_PLATFORM_INFO_SIZE];
	struct jh_cell_desc root_cell;
} __packed;

/*
 * The hypervisor image starts with this header. "entry" is the offset of
 * the entry code from the start of the image (see arch/<arch>/entry.c for
 * how each architecture enters it); the driver fills max_cpus and
 * online_cpus before entering.
 */
#define JH_HEADER_SIGNATURE		"JAILHOUS"
#define JH_HEADER_SIGNATURE_LEN		8

struct jh_header {
	char signature[JH_HEADER_SIGNATURE_LEN];
	__u64 core_size;
	__u64 percpu_size;
	__u64 entry;
	__u64 console_page;
	__u64 gcov_info_head;
	__u32 max_cpus;
	__u32 online_cpus;
	__u64 debug_console_base;
	__u64 arm_linux_hyp_vectors;
	__u32 arm_linux_hyp_abi;
	__u32 padding;
};

/* The hypervisor's console page (virtual debug console), a ring buffer. */
#define JH_CONSOLE_CONTENT_SIZE		2048

struct jh_virt_console {
	__u32 busy;
	__u32 tail;
	char content[JH_CONSOLE_CONTENT_SIZE];
};

/* Hypercalls (code, then up to two arguments). */
#define JH_HC_DISABLE			0
#define JH_HC_CELL_CREATE		1
#define JH_HC_CELL_START		2
#define JH_HC_CELL_SET_LOADABLE		3
#define JH_HC_CELL_DESTROY		4
#define JH_HC_HYPERVISOR_GET_INFO	5
#define JH_HC_CELL_GET_STATE		6
#define JH_HC_CPU_GET_INFO		7

#define JH_INFO_MEM_POOL_SIZE		0
#define JH_INFO_MEM_POOL_USED		1
#define JH_INFO_REMAP_POOL_SIZE		2
#define JH_INFO_REMAP_POOL_USED		3

#define JH_CPU_INFO_STATE		0
#define JH_CPU_INFO_STAT_BASE		1000
#define JH_CPU_FAILED			2

#define JH_CELL_RUNNING			0
#define JH_CELL_RUNNING_LOCKED		1
#define JH_CELL_SHUT_DOWN		2
#define JH_CELL_FAILED			3
#define JH_CELL_FAILED_COMM_REV		4

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
