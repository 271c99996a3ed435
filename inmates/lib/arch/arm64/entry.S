/*
 * arm64 inmate entry: the cell's CPU starts here at EL1 with the MMU off (cpu_reset_address 0,
 * the first byte of the image). Before any C# runs we need a stack, a zeroed bss and the MMU
 * on: ILCompiler's code makes unaligned and 16-byte SIMD accesses, which fault on memory the
 * MMU-off state treats as Device. The identity map built here (4 KiB granule, 39-bit VA,
 * starting at level 1) is Device, execute-never, everywhere except two Normal cacheable
 * windows: the 2 MiB block holding the image (a level-2 table splits its GiB) and the GiB of
 * the communication region (COMM_REGION_BASE). The image must run at its link address
 * (strings and other frozen objects hold absolute pointers): the inmate build links it at 0
 * for cells and at another address only for bare-metal tests.
 */
#include "inmate.h"

#define SCTLR_M		(1 << 0)
#define SCTLR_A		(1 << 1)
#define SCTLR_C		(1 << 2)
#define SCTLR_I		(1 << 12)
#define CPACR_FPEN	(3 << 20)
/* attr0 Device-nGnRnE, attr1 Normal write-back read/write-allocate */
#define MAIR_VALUE	0xff00
/* T0SZ 25 (39-bit VA), IRGN0/ORGN0 write-back, SH0 inner, TG0 4 KiB, EPD1 (no TTBR1 walks), IPS 40 bits */
#define TCR_VALUE	((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | (2 << 32))
/* block descriptors: valid block, AttrIndx, SH inner (normal), AF; devices also PXN/UXN */
#define BLOCK_NORMAL	0x705
#define BLOCK_DEVICE	0x0060000000000401
#define TABLE		0x3
#define GIB_SHIFT	30
#define BLOCK_SHIFT	21

	.section .text.entry, "ax"
	.globl	_start
	.type	_start, %function
_start:
	msr	daifset, #0xf
	/* Reached at another address than linked (loaded elsewhere): nothing can work, stop. */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	inmate_stop

	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	isb

	/* Zero bss (page tables and stack included) with aligned 8-byte stores, then drop any
	   stale cache lines over it so that the cacheable view after the MMU is on sees zeros. */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	str	xzr, [x0], #8
	cmp	x0, x1
	b.lo	1b
	ldr	x0, =__bss_start
	bl	invalidate_to_x1

	ldr	x0, =__stack_top
	mov	sp, x0

	/* level 1: every GiB Device */
	ldr	x0, =page_table_l1
	ldr	x3, =BLOCK_DEVICE
	mov	x2, #0
2:	lsl	x4, x2, #GIB_SHIFT
	orr	x4, x4, x3
	str	x4, [x0, x2, lsl #3]
	add	x2, x2, #1
	cmp	x2, #512
	b.lo	2b
	/* the communication region's GiB Normal */
	ldr	x4, =(COMM_REGION_BASE & ~((1 << GIB_SHIFT) - 1)) | BLOCK_NORMAL
	ldr	x5, =COMM_REGION_BASE >> GIB_SHIFT
	str	x4, [x0, x5, lsl #3]
	/* the image's GiB through a level-2 table: 2 MiB Device blocks, the image's one Normal */
	ldr	x5, =_start
	lsr	x6, x5, #GIB_SHIFT
	ldr	x7, =page_table_l2
	orr	x4, x7, #TABLE
	str	x4, [x0, x6, lsl #3]
	lsl	x8, x6, #GIB_SHIFT
	mov	x2, #0
3:	lsl	x4, x2, #BLOCK_SHIFT
	add	x4, x4, x8
	orr	x4, x4, x3
	str	x4, [x7, x2, lsl #3]
	add	x2, x2, #1
	cmp	x2, #512
	b.lo	3b
	lsr	x4, x5, #BLOCK_SHIFT
	and	x2, x4, #511
	lsl	x4, x4, #BLOCK_SHIFT
	mov	x9, #BLOCK_NORMAL
	orr	x4, x4, x9
	str	x4, [x7, x2, lsl #3]
	dsb	sy

	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_VALUE
	msr	tcr_el1, x0
	ldr	x0, =page_table_l1
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mrs	x0, sctlr_el1
	orr	x0, x0, #SCTLR_M
	orr	x0, x0, #SCTLR_C
	orr	x0, x0, #SCTLR_I
	bic	x0, x0, #SCTLR_A
	msr	sctlr_el1, x0
	isb

	ldr	x0, =exception_vectors
	msr	vbar_el1, x0
	isb

	bl	inmate_main
	b	inmate_stop

/* Invalidates the data cache lines over [x0, x1) to the point of coherency; clobbers x2-x3. */
invalidate_to_x1:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4		/* DminLine: log2 of the line size in words */
	mov	x2, #4
	lsl	x2, x2, x3
	sub	x3, x2, #1
	bic	x0, x0, x3
4:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	4b
	dsb	sy
	ret

	.globl	inmate_stop
	.type	inmate_stop, %function
inmate_stop:
	msr	daifset, #0xf
5:	wfi
	b	5b

	.ltorg

	.bss
	.balign	4096
page_table_l1:
	.skip	4096
page_table_l2:
	.skip	4096
	.balign	16
	.skip	STACK_SIZE
	.globl	__stack_top
__stack_top:
