/*
 * Leaf helpers for what C# cannot express: system registers, atomics, barriers, halting.
 * Each follows the C calling convention and touches only x0-x3.
 */
#include "asm-defines.h"
#include "runtime.h"

	.text

	sysreg_reader	arm64_read_esr_el2, esr_el2
	sysreg_reader	arm64_read_far_el2, far_el2
	sysreg_reader	arm64_read_hpfar_el2, hpfar_el2
	sysreg_reader	arm64_read_id_aa64mmfr0, id_aa64mmfr0_el1
	sysreg_reader	arm64_read_current_el, currentel
	sysreg_reader	arm64_read_sctlr_el2, sctlr_el2
	sysreg_reader	arm64_read_counter, cntpct_el0
	sysreg_reader	arm64_read_counter_frequency, cntfrq_el0

/* void arm64_enter_cell(u64 vttbr, u64 hcr): this CPU runs the cell of these tables from now on;
 * what it cached of that VMID's translations and of instructions is dropped (the VMID of a
 * destroyed cell comes back with the next one) */
	.globl	arm64_enter_cell
	.type	arm64_enter_cell, %function
arm64_enter_cell:
	dsb	ish
	msr	vttbr_el2, x0
	msr	hcr_el2, x1
	isb
	tlbi	vmalls12e1
	ic	iallu
	dsb	nsh
	isb
	ret

/* void arm64_flush_stage2_is(void): drop every CPU's cached translations of the current VMID
 * (the caller's cell: the root cell whose tables just changed) */
	.globl	arm64_flush_stage2_is
	.type	arm64_flush_stage2_is, %function
arm64_flush_stage2_is:
	dsb	ishst
	tlbi	vmalls12e1is
	dsb	ish
	isb
	ret

/* void arm64_flush_el2_tlb(void): after a change of the hypervisor's own tables (a window unmapped) */
	.globl	arm64_flush_el2_tlb
	.type	arm64_flush_el2_tlb, %function
arm64_flush_el2_tlb:
	dsb	ishst
	tlbi	alle2is
	dsb	ish
	isb
	ret
	sysreg_reader	arm64_read_mpidr, mpidr_el1

/* void arm64_enable_stage2(u64 vtcr, u64 vttbr, u64 hcr) */
	.globl	arm64_enable_stage2
	.type	arm64_enable_stage2, %function
arm64_enable_stage2:
	dsb	ishst			/* page tables visible to the walker */
	msr	vtcr_el2, x0
	msr	vttbr_el2, x1
	isb
	tlbi	alle1
	dsb	nsh
	msr	hcr_el2, x2
	isb
	ret

/* u32 arm64_atomic_increment(u32 *value) */
	.globl	arm64_atomic_increment
	.type	arm64_atomic_increment, %function
arm64_atomic_increment:
1:	ldaxr	w1, [x0]
	add	w1, w1, #1
	stlxr	w2, w1, [x0]
	cbnz	w2, 1b
	mov	w0, w1
	ret

/* u32 arm64_load_acquire(u32 *value) */
	.globl	arm64_load_acquire
	.type	arm64_load_acquire, %function
arm64_load_acquire:
	ldar	w0, [x0]
	ret

/* void arm64_store_release(u32 *value, u32 new_value) */
	.globl	arm64_store_release
	.type	arm64_store_release, %function
arm64_store_release:
	stlr	w1, [x0]
	sev
	ret

	.globl	arm64_memory_barrier
	.type	arm64_memory_barrier, %function
arm64_memory_barrier:
	dmb	ish
	ret

/* void arm64_smc(u64 regs[4]): firmware call on behalf of a cell */
	.globl	arm64_smc
	.type	arm64_smc, %function
arm64_smc:
	mov	x8, x0
	ldp	x0, x1, [x8]
	ldp	x2, x3, [x8, #16]
	smc	#0
	stp	x0, x1, [x8]
	stp	x2, x3, [x8, #16]
	ret

/* void arm64_hypervisor_layout(u64 out[4]): base, rodata, data, leave trampoline (virtual) */
	.globl	arm64_hypervisor_layout
	.type	arm64_hypervisor_layout, %function
arm64_hypervisor_layout:
	adrp	x1, hypervisor_header
	str	x1, [x0]
	adrp	x1, __rodata_start
	str	x1, [x0, #8]
	adrp	x1, __data_start
	str	x1, [x0, #16]
	adr	x1, el2_leave_trampoline
	str	x1, [x0, #24]
	ret

/* void arm64_switch_page_tables(u64 ttbr0_el2): same mappings for the running code, new tables */
	.globl	arm64_switch_page_tables
	.type	arm64_switch_page_tables, %function
arm64_switch_page_tables:
	dsb	ish
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	dsb	ish
	isb
	ret

/* void arm64_dc_cisw(u64 set_way): clean and invalidate one data cache line by set/way */
	.globl	arm64_dc_cisw
	.type	arm64_dc_cisw, %function
arm64_dc_cisw:
	dc	cisw, x0
	dsb	sy
	ret

/* struct per_cpu *arm64_current_percpu(void): the per-CPU area whose stack this code runs on
   (per-CPU areas of PERCPU_SIZE bytes from __page_pool, the stack at the end of each) */
	.globl	arm64_current_percpu
	.type	arm64_current_percpu, %function
arm64_current_percpu:
	adrp	x0, __page_pool
	mov	x1, sp
	sub	x1, x1, x0
	sub	x1, x1, #1			/* sp is one past the area when its stack is empty */
	mov	x2, #PERCPU_SIZE
	udiv	x1, x1, x2
	madd	x0, x1, x2, x0
	ret

	.globl	arm64_wait_for_event
	.type	arm64_wait_for_event, %function
arm64_wait_for_event:
	wfe
	ret

	.globl	arm64_reset_el1
	.type	arm64_reset_el1, %function
arm64_reset_el1:
	ldr	x0, =0x30d00800
	msr	sctlr_el1, x0
	isb
	/* Nothing of the previous run leaks into the next (as upstream's CPU reset) */
	msr	ttbr0_el1, xzr
	msr	ttbr1_el1, xzr
	msr	tcr_el1, xzr
	msr	mair_el1, xzr
	msr	amair_el1, xzr
	msr	vbar_el1, xzr
	msr	contextidr_el1, xzr
	msr	tpidr_el1, xzr
	msr	tpidr_el0, xzr
	msr	tpidrro_el0, xzr
	msr	sp_el0, xzr
	msr	sp_el1, xzr
	msr	elr_el1, xzr
	msr	spsr_el1, xzr
	msr	esr_el1, xzr
	msr	far_el1, xzr
	msr	par_el1, xzr
	msr	cpacr_el1, xzr
	msr	cntkctl_el1, xzr
	msr	cntv_ctl_el0, xzr
	msr	cntp_ctl_el0, xzr
	isb
	ret

/* void arm64_park(void): stop this CPU for good */
	.globl	arm64_park
	.type	arm64_park, %function
arm64_park:
	msr	daifset, #0xf
1:	wfi
	b	1b

	.ltorg

	.text
	ilc_runtime_symbols 0x2f8a6c1e5b3d4970, arm64_park
