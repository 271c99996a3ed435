/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the driver shares with the hypervisor: the binary configuration
 * (revision 14) and hypervisor header layouts it reads and the hypercall
 * numbers. The one definition of these layouts is the C# side
 * (build/Jailhouse.Config/Binary/BinaryLayout.cs, hypervisor/HypervisorHeader.cs,
 * hypervisor/Hypercalls.cs); DriverLayoutTests compiles this header with the
 * host's gcc and compares every offsetof, sizeof and value with it. It needs
 * nothing but <linux/types.h> and __packed for that reason.
 */
#ifndef _JAILHOUSE_LAYOUT_H
#define _JAILHOUSE_LAYOUT_H

#include <linux/types.h>

/* Configuration format (revision 14), the parts the driver needs. */
#define JH_CONFIG_REVISION		14
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

#endif /* _JAILHOUSE_LAYOUT_H */
