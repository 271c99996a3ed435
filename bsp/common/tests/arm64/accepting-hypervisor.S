/*
 * Test fixture for the driver's whole life cycle on arm64 (bsp/common/tests/kmod.sh):
 * a "hypervisor" that accepts. Its entry (EL2, MMU off, through Linux's hyp
 * stub) keeps the stub's vectors, installs its own and returns 0; its vectors
 * answer the driver's hypercalls (hvc #0x4a48, x0 = code, x1/x2 arguments):
 *
 *   DISABLE (0)         puts the stub's vectors back, 0
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
	.text
	.globl	_start
_start:
header:
	.ascii	"JAILHOUS"
	.quad	0x3000			/* core_size */
	.quad	0x1000			/* percpu_size */
	.quad	entry - header		/* entry: offset from the image start */
	.quad	0x2000			/* console_page: past the code, zeroed by the driver */
	.quad	0			/* gcov_info_head */
	.word	0, 0			/* max_cpus, online_cpus */
	.quad	0			/* debug_console_base */
	.quad	0			/* arm_linux_hyp_vectors */
	.word	0, 0			/* arm_linux_hyp_abi, padding */

stub_vectors:
	.quad	0

/* x0 = CPU, x1 = header; the same stub vectors on every CPU. */
entry:
	mrs	x2, vbar_el2
	adr	x1, stub_vectors
	str	x2, [x1]
	adr	x2, vectors
	msr	vbar_el2, x2
	isb
	mov	x0, #0
	eret

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
	ldr	x2, stub_vectors
	msr	vbar_el2, x2
	isb
	mov	x0, #0
	eret
