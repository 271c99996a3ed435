/*
 * The hypervisor header, first bytes of the image: struct jailhouse_header of upstream's
 * include/jailhouse/header.h in its 64-bit layout (80 bytes). The build-time fields come from
 * absolute symbols the linker script defines; the driver fills the rest before entry.
 */
	.section .header, "a"
	.globl	hypervisor_header
	.balign	8
hypervisor_header:
	.ascii	"JAILHOUS"		/* signature */
	.quad	__core_size		/* core_size: header .. end of bss, page aligned */
	.quad	__percpu_size		/* percpu_size */
	.quad	__entry_offset		/* entry: arch_entry relative to the header */
	.quad	__console_offset	/* console_page, relative to the header */
	.quad	0			/* gcov_info_head: no coverage build */
	.long	0			/* max_cpus (driver) */
	.long	0			/* online_cpus (driver) */
	.quad	0			/* debug_console_base (driver on x86, arch_entry on arm64) */
	.quad	0			/* arm_linux_hyp_vectors (driver) */
	.long	0			/* arm_linux_hyp_abi (driver) */
	.long	0			/* padding to 8 bytes */
