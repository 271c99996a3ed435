/*
 * EL2 exception vectors after entry, the way back to the cell (vmreturn) and the way out of
 * the hypervisor (el2_leave: hand EL2 back to Linux's hyp stub with the MMU off).
 */
#include "asm-defines.h"
#include "frame.h"

#define SCTLR_M		(1 << 0)
#define SCTLR_C		(1 << 2)

	.text

.macro ventry target
	.balign	128
	b	\target
.endm

	.balign	2048
	.globl	hyp_vectors
hyp_vectors:
	ventry	.		/* current EL, SP_EL0 */
	ventry	.
	ventry	.
	ventry	.
	ventry	el2_fault	/* current EL, SP_EL2: a hypervisor bug */
	ventry	el2_fault
	ventry	el2_fault
	ventry	el2_fault
	ventry	el1_sync	/* lower EL, AArch64: traps of a cell CPU */
	ventry	el1_irq		/* physical IRQs (HCR_EL2.IMO): injected into the cell */
	ventry	el1_unexpected
	ventry	el1_unexpected
	ventry	el1_unexpected	/* lower EL, AArch32 */
	ventry	el1_unexpected
	ventry	el1_unexpected
	ventry	el1_unexpected

/*
 * The entry from a cell, for a trap and for a physical interrupt alike: the frame, then, where
 * the firmware offers it, the branch predictor invalidated before the hypervisor's own code
 * runs (Spectre v2; SMCCC 1.1: x0-x3 may change, the frame holds them), ELR/SPSR into the
 * frame, and x0 = frame, x1 = per-CPU area (the stack ends at its end) for the C# handler.
 */
.macro enter_from_cell
	sub	sp, sp, #FRAME_SIZE
	save_frame_registers
	percpu_of_frame
	ldr	x1, [x3, #(PERCPU_SAVED_EL2 + SAVED_FLAGS)]
	tbz	x1, #HARDEN_BP_BIT, 1f
	ldr	w0, =SMCCC_ARCH_WORKAROUND_1
	smc	#0
1:
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x0, x1, [sp, #FRAME_ELR]
	mov	x0, sp
	add	x1, sp, #FRAME_SIZE
	sub	x1, x1, #PERCPU_SIZE
.endm

el1_sync:
	enter_from_cell
	bl	arch_handle_trap
	cbnz	w0, el2_leave
	b	vmreturn

/* A physical interrupt while a cell ran: the same frame as a trap, then arch_handle_irq. */
el1_irq:
	enter_from_cell
	bl	arch_handle_irq
	/* fall through */

	.globl	vmreturn
vmreturn:
	restore_frame_except_x0_x1
	ldp	x0, x1, [sp]
	add	sp, sp, #FRAME_SIZE
	eret
	dsb	nsh
	isb

el1_unexpected:
	sub	sp, sp, #FRAME_SIZE
	save_frame_registers
	mov	x0, sp
	bl	arch_unexpected_exception
	b	.

el2_fault:
	mov	x0, sp
	bl	arch_hypervisor_fault
	b	.

/*
 * Leave the hypervisor: the frame on the stack is the root cell's state to resume (x0 holds
 * the result of entry() or of the disable hypercall). Stage 2 goes off, Linux's hyp stub
 * vectors come back, the EL2 MMU and data cache turn off, and we eret into the cell.
 */
	.globl	el2_leave
el2_leave:
	/* The caller's HCR_EL2 and stage-2 registers; stage 2 goes off, and every EL1&0
	   translation cached under it goes with it (Linux runs on without it). */
	percpu_of_frame
	add	x3, x3, #PERCPU_SAVED_EL2
	ldr	x0, [x3, #SAVED_HCR]
	msr	hcr_el2, x0
	ldp	x0, x1, [x3, #SAVED_VTCR]
	msr	vtcr_el2, x0
	msr	vttbr_el2, x1
	isb
	tlbi	alle1
	dsb	nsh
	/* The trampoline reads the rest of the saved registers with the MMU off. */
	mov	x1, x3
	mov	x2, #SAVED_EL2_SIZE
	bl	dcache_clean_invalidate
	adr	x0, hypervisor_header
	ldr	x1, [x0, #HEADER_HYP_VECTORS]
	msr	vbar_el2, x1

	/* virtual-to-physical offset of hypervisor memory: phys(el2_leave) - virt(el2_leave) */
	adrp	x1, __page_pool
	ldr	w2, [x0, #HEADER_MAX_CPUS]
	mov	x3, #PERCPU_SIZE
	madd	x1, x2, x3, x1
	ldp	w2, w3, [x1, #SYS_HV_PHYS]
	orr	x2, x2, x3, lsl #32
	sub	x2, x2, x0			/* phys - virt */

	/* x0/x1 of the frame are read with the MMU off: push them out of the cache */
	mov	x0, sp
	dc	civac, x0
	dsb	sy

	msr	tpidr_el2, x2
	restore_frame_except_x0_x1
	/* Only x0 and x1 are free from here on. */
	mrs	x1, tpidr_el2
	adr	x0, 1f
	add	x0, x0, x1
	add	x1, sp, x1			/* frame, physical */
	add	sp, sp, #FRAME_SIZE
	br	x0
	.balign	256			/* the code below (< 256 bytes) stays within one page */
	.globl	el2_leave_trampoline
el2_leave_trampoline:
1:	/* identity-mapped: the MMU may go off under us */
	mrs	x0, sctlr_el2
	bic	x0, x0, #SCTLR_M
	bic	x0, x0, #SCTLR_C
	msr	sctlr_el2, x0
	isb
	/* x1 = the frame (physical) at the top of the per-CPU area; the caller's EL2 registers
	   lie near its start: put back the rest of them exactly. */
	sub	x1, x1, #((PERCPU_SIZE - FRAME_SIZE - PERCPU_SAVED_EL2) & 0xfff)
	sub	x1, x1, #((PERCPU_SIZE - FRAME_SIZE - PERCPU_SAVED_EL2) >> 12), lsl #12
	ldr	x0, [x1, #SAVED_TCR]
	msr	tcr_el2, x0
	ldr	x0, [x1, #SAVED_MAIR]
	msr	mair_el2, x0
	ldr	x0, [x1, #SAVED_TTBR0]
	msr	ttbr0_el2, x0
	ldr	x0, [x1, #SAVED_TPIDR]
	msr	tpidr_el2, x0
	ldr	x0, [x1, #SAVED_CPTR]
	msr	cptr_el2, x0
	ldr	x0, [x1, #SAVED_SP]
	mov	sp, x0
	ldr	x0, [x1, #SAVED_SCTLR]
	msr	sctlr_el2, x0
	isb
	tlbi	alle2
	dsb	sy
	isb
	add	x1, x1, #((PERCPU_SIZE - FRAME_SIZE - PERCPU_SAVED_EL2) & 0xfff)
	add	x1, x1, #((PERCPU_SIZE - FRAME_SIZE - PERCPU_SAVED_EL2) >> 12), lsl #12
	ldp	x0, x1, [x1]
	eret
	dsb	nsh
	isb
