/*
 * Test fixture for the driver's whole life cycle on arm64 (bsp/common/tests/kmod.sh):
 * a "hypervisor" that accepts. Its entry (EL1, called as int entry(cpu) the way
 * hypervisor/README.md says) finds its physical address in the system
 * configuration after the per-CPU areas, has Linux's hyp stub install its
 * vectors (HVC_SET_VECTORS) and returns 0. The vectors answer the driver's
 * hypercalls (hvc #0x4a48, x0 = code, x1/x2 arguments):
 *
 *   DISABLE (0)         puts the stub's vectors (arm_linux_hyp_vectors) back, 0
 *   CELL_CREATE (1)     1 (the new cell's id)
 *   GET_INFO (5)        100 + x1 (mem_pool_size reads 100, mem_pool_used 101, ...)
 *   anything else       0 (cells "running", CPUs not failed, statistics 0)
 *
 * It does not partition anything: no stage-2 tables, no PSCI. A CPU that
 * leaves a cell is switched back on by Linux through PSCI and comes up under
 * Linux's stub again, not under these vectors; a DISABLE on such a CPU would
 * reach the stub as HVC_SET_VECTORS, so the test disables while that CPU is
 * in a cell (offline). Only x0-x2 are changed, as the driver's hypercall
 * expects.
 */
	.include "stand-in-hypervisor.inc"

	.text
	.globl	_start
_start:
	jailhouse_header 0x3000, 0x2000

/* EL1, x0 = CPU; the same vectors on every CPU. */
entry:
	install_vectors
	mov	x0, #0
	ret

	.balign	2048
vectors:
	.rept	8			/* current EL: not expected */
	b	.
	.balign	0x80
	.endr
	b	hypercall		/* lower EL, AArch64, synchronous */
	.balign	0x80
	.rept	7
	b	.
	.balign	0x80
	.endr

/* EL2, MMU off: adr gives physical addresses. */
hypercall:
	mrs	x2, esr_el2
	lsr	x2, x2, #26
	cmp	x2, #0x16		/* EC: HVC from AArch64 */
	b.ne	.
	cmp	x0, #5
	b.eq	get_info
	cmp	x0, #1
	b.eq	cell_create
	cbz	x0, disable
	mov	x0, #0
	eret
get_info:
	add	x0, x1, #100
	eret
cell_create:
	mov	x0, #1
	eret
disable:
	adr	x2, header
	ldr	x2, [x2, #HYP_VECTORS]
	msr	vbar_el2, x2
	isb
	mov	x0, #0
	eret
