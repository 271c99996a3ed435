/*
 * arm64 entry: from the driver's call at EL1 to C# at EL2 with the MMU on.
 *
 * The driver (or a test loader playing its part) calls arch_entry(cpu_id) at EL1 through
 * its own mapping of hypervisor memory. We ask Linux's hyp stub to install our bootstrap
 * vectors (HVC_SET_VECTORS, x1 = their physical address), trap to EL2 with a second hvc,
 * keep the caller's EL2 registers in the per-CPU area (el2_leave restores them), build
 * bootstrap page tables (hypervisor memory at JAILHOUSE_BASE, the UART at UART_VIRT_BASE, a
 * 1 GiB identity window around the code), enable the MMU, caches and FP/SIMD, and only then
 * call hypervisor_init in C#. README.md spells out the contract.
 *
 * Registers that survive the two hvc calls (Linux's stub clobbers only x0):
 *   x11 hypervisor memory size  x12 hypervisor physical base  x14 UART physical address
 *   x16 cpu id                  x17 caller's return address
 */
#include "asm-defines.h"
#include "frame.h"

#define LINUX_HVC_SET_VECTORS		0
#define LINUX_HVC_SET_VECTORS_LEGACY	1

#define SCTLR_EL2_RES1	0x30c50830
#define SCTLR_M		(1 << 0)
#define SCTLR_C		(1 << 2)
#define SCTLR_I		(1 << 12)
#define MAIR_EL2_VALUE	0x04ff		/* attr0 normal write-back, attr1 device nGnRE */
/* stage-1 block descriptors: valid, AttrIndx, SH inner, AF (+ XN for devices) */
#define BLOCK_NORMAL	0x701
#define BLOCK_DEVICE	0x0040000000000405
#define TABLE		0x3

	.section .text.entry, "ax"
	.globl	arch_entry
	.type	arch_entry, %function
arch_entry:
	mov	x16, x0
	mov	x17, x30

	adr	x0, hypervisor_header
	/* system configuration = page pool + max_cpus * percpu_size */
	adrp	x1, __page_pool
	ldr	w2, [x0, #HEADER_MAX_CPUS]
	cmp	x16, x2			/* a CPU without a per-CPU area: refuse */
	b.hs	1f
	mov	x3, #PERCPU_SIZE
	madd	x1, x2, x3, x1
	/* the configuration is packed: 32-bit loads keep every access aligned */
	ldp	w12, w9, [x1, #SYS_HV_PHYS]
	orr	x12, x12, x9, lsl #32
	ldp	w11, w9, [x1, #SYS_HV_SIZE]
	orr	x11, x11, x9, lsl #32
	ldp	w14, w9, [x1, #SYS_DEBUG_CONSOLE]
	orr	x14, x14, x9, lsl #32

	/* The bootstrap tables map hypervisor memory in 2 MiB blocks: refuse anything else. */
	ldr	x9, =0x1fffff
	tst	x12, x9
	b.ne	1f
	/* ... in one L2 table whose first entry is the UART's: 1 to 511 blocks, no wrap-around */
	cbz	x11, 1f
	ldr	x9, =HV_MEMORY_MAX
	cmp	x11, x9
	b.hi	1f
	adds	x9, x12, x11
	b.cs	1f

	/* The image must sit at the configuration's hypervisor memory, or every mapping would
	   point elsewhere: translate our own address through the caller's stage 1. */
	adr	x9, hypervisor_header
	at	s1e1r, x9
	isb
	mrs	x10, par_el1
	tbnz	x10, #0, 1f		/* not mapped?! */
	ubfx	x10, x10, #12, #36
	cmp	x12, x10, lsl #12
	b.ne	1f

	/* debug_console_base: where the UART will appear in our address space */
	and	x9, x14, #0x1fffff
	ldr	x10, =UART_VIRT_BASE
	add	x9, x9, x10
	str	x9, [x0, #HEADER_DEBUG_CONSOLE]

	/* Clean and invalidate the core to the point of coherency: EL2 starts with caches off. */
	ldr	x2, [x0, #HEADER_CORE_SIZE]
	mov	x1, x0
	bl	dcache_clean_invalidate

	/* physical address of bootstrap_vectors */
	adr	x1, bootstrap_vectors
	adr	x0, hypervisor_header
	sub	x1, x1, x0
	add	x1, x1, x12

	ldr	w9, [x0, #HEADER_HYP_ABI]
	mov	x0, #LINUX_HVC_SET_VECTORS
	cbnz	w9, 2f
	mov	x0, #LINUX_HVC_SET_VECTORS_LEGACY
2:	hvc	#0
	hvc	#0		/* enters el2_entry through bootstrap_vectors */
	b	.

1:	mov	x0, #-22	/* -EINVAL, without having touched EL2 */
	ret

/* x1 = start, x2 = size; clobbers x1-x4 */
	.globl	dcache_clean_invalidate
dcache_clean_invalidate:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4
	mov	x4, #4
	lsl	x3, x4, x3		/* smallest D-cache line in bytes */
	add	x2, x1, x2
	sub	x4, x3, #1
	bic	x1, x1, x4
2:	dc	civac, x1
	add	x1, x1, x3
	cmp	x1, x2
	b.lo	2b
	dsb	sy
	ret

/* x1 = start, x2 = size; clobbers x1-x4 */
dcache_invalidate:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4
	mov	x4, #4
	lsl	x3, x4, x3
	add	x2, x1, x2
	sub	x4, x3, #1
	bic	x1, x1, x4
3:	dc	ivac, x1
	add	x1, x1, x3
	cmp	x1, x2
	b.lo	3b
	dsb	sy
	ret

/* At EL2, MMU off, running at the physical address of the image. */
el2_entry:
	mrs	x9, esr_el2
	lsr	x9, x9, #26
	cmp	x9, #ESR_EC_HVC64
	b.ne	.

	/* The caller's EL2 registers, before anything changes them, to this CPU's per-CPU area
	   (physical: the MMU is off). The stores go to memory: first push out and drop whatever
	   the caches hold of those lines (the driver zeroed them through a cacheable mapping),
	   afterwards drop what speculation may have fetched. */
	adrp	x5, __page_pool
	mov	x6, #PERCPU_SIZE
	madd	x5, x16, x6, x5
	add	x5, x5, #PERCPU_SAVED_EL2
	mov	x1, x5
	mov	x2, #SAVED_EL2_SIZE
	bl	dcache_clean_invalidate
	mrs	x6, hcr_el2
	mrs	x13, cptr_el2
	stp	x6, x13, [x5, #SAVED_HCR]
	mrs	x6, sctlr_el2
	mrs	x7, tcr_el2
	stp	x6, x7, [x5, #SAVED_SCTLR]
	mrs	x6, mair_el2
	mrs	x7, ttbr0_el2
	stp	x6, x7, [x5, #SAVED_MAIR]
	mrs	x6, vtcr_el2
	mrs	x7, vttbr_el2
	stp	x6, x7, [x5, #SAVED_VTCR]
	mrs	x6, tpidr_el2
	mov	x7, sp
	stp	x6, x7, [x5, #SAVED_TPIDR]
	/* Register files the cell may use (implemented, not trapped by the caller) and traps save */
	mov	x8, #0
	mrs	x6, id_aa64pfr0_el1
	ubfx	x6, x6, #32, #4			/* SVE */
	cbz	x6, 5f
	tbnz	x13, #8, 5f			/* CPTR_EL2.TZ */
	orr	x8, x8, #(1 << SAVE_SVE_BIT)
5:	mrs	x6, id_aa64pfr1_el1
	ubfx	x6, x6, #24, #4			/* SME */
	cbz	x6, 6f
	tbnz	x13, #12, 6f			/* CPTR_EL2.TSM */
	orr	x8, x8, #(1 << SAVE_SME_BIT)
6:	str	x8, [x5, #SAVED_FLAGS]
	dsb	sy
	mov	x1, x5
	mov	x2, #SAVED_EL2_SIZE
	bl	dcache_invalidate

	/* FP/SIMD for our own code; every other trap stays as Linux set it (it does not trap
	   SVE or SME it uses, and neither may we) */
	bic	x13, x13, #CPTR_TFP
	msr	cptr_el2, x13
	isb

	bl	build_bootstrap_tables

	ldr	x9, =MAIR_EL2_VALUE
	msr	mair_el2, x9
	/* TCR_EL2: T0SZ 16 (48-bit VA), write-back inner shareable walks, 4K granule,
	   PS = the CPU's physical address range (at most 48 bits) */
	mrs	x9, id_aa64mmfr0_el1
	and	x9, x9, #0xf
	cmp	x9, #5
	mov	x10, #5
	csel	x9, x9, x10, ls
	ldr	x10, =((1 << 31) | (1 << 23) | (3 << 12) | (1 << 10) | (1 << 8) | 16)
	orr	x10, x10, x9, lsl #16
	msr	tcr_el2, x10
	adrp	x9, __bootstrap_pt_l0
	msr	ttbr0_el2, x9
	tlbi	alle2
	dsb	sy
	isb
	ldr	x9, =(SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I)
	msr	sctlr_el2, x9
	isb
	ldr	x9, =el2_virtual
	br	x9

el2_virtual:
	adr	x9, hyp_vectors
	msr	vbar_el2, x9

	/* per-CPU area = page pool + cpu_id * PERCPU_SIZE; the stack ends at its end */
	adrp	x9, __page_pool
	mov	x10, #PERCPU_SIZE
	madd	x9, x16, x10, x9
	add	sp, x9, #PERCPU_SIZE

	/* The caller's state becomes the root cell's register frame: we return through it. */
	sub	sp, sp, #FRAME_SIZE
	save_frame_registers
	str	x17, [sp, #(30 * 8)]
	mrs	x0, spsr_el2
	stp	x17, x0, [sp, #FRAME_ELR]

	mov	x0, x16
	mov	x1, x9
	adr	x2, hypervisor_header
	adrp	x3, __page_pool
	ldr	w4, [x2, #HEADER_MAX_CPUS]
	madd	x3, x4, x10, x3
	bl	hypervisor_init
	sxtw	x0, w0
	str	x0, [sp]			/* entry()'s return value */
	cbnz	x0, el2_leave
	b	vmreturn

/*
 * Bootstrap page tables (4 pages at __bootstrap_pt_l0, zero as the driver leaves hypervisor
 * memory beyond the image): L0 -> L1 -> L2 with 2 MiB blocks for hypervisor memory and the
 * UART, and a 1 GiB identity block around this code for the instant the MMU turns on.
 * Every CPU writes the same values, so concurrent entry is harmless. Clobbers x0-x10.
 */
build_bootstrap_tables:
	mov	x8, x30
	adrp	x0, __bootstrap_pt_l0
	add	x1, x0, #0x1000			/* L1 for JAILHOUSE_BASE */
	add	x2, x0, #0x2000			/* L2 for JAILHOUSE_BASE and the UART */
	add	x3, x0, #0x3000			/* L1 for the identity window */
	ldr	x4, =JAILHOUSE_BASE

	ubfx	x5, x4, #39, #9
	orr	x6, x1, #TABLE
	str	x6, [x0, x5, lsl #3]
	ubfx	x5, x4, #30, #9
	orr	x6, x2, #TABLE
	str	x6, [x1, x5, lsl #3]

	/* hypervisor memory in 2 MiB blocks */
	ubfx	x5, x4, #21, #9
	and	x6, x12, #~0x1fffff
	ldr	x7, =0x1fffff
	add	x7, x11, x7
	lsr	x7, x7, #21
	mov	x10, #BLOCK_NORMAL
4:	orr	x9, x6, x10
	str	x9, [x2, x5, lsl #3]
	add	x5, x5, #1
	add	x6, x6, #0x200000
	subs	x7, x7, #1
	b.ne	4b

	/* UART */
	ldr	x4, =UART_VIRT_BASE
	ubfx	x5, x4, #21, #9
	and	x6, x14, #~0x1fffff
	ldr	x10, =BLOCK_DEVICE
	orr	x6, x6, x10
	str	x6, [x2, x5, lsl #3]

	/* identity window around the code */
	adr	x4, el2_entry
	ubfx	x5, x4, #39, #9
	orr	x6, x3, #TABLE
	str	x6, [x0, x5, lsl #3]
	ubfx	x5, x4, #30, #9
	and	x6, x4, #~0x3fffffff
	mov	x10, #BLOCK_NORMAL
	orr	x6, x6, x10
	str	x6, [x3, x5, lsl #3]

	dsb	sy
	mov	x1, x0
	mov	x2, #0x4000
	bl	dcache_invalidate
	ret	x8

	.balign	2048
bootstrap_vectors:
	.rept	8
	.balign	128
	b	.
	.endr
	.balign	128			/* 0x400: synchronous exception from EL1 (AArch64) */
	b	el2_entry
	.rept	7
	.balign	128
	b	.
	.endr

	.ltorg
