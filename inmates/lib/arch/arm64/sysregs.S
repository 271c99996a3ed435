/*
 * Leaf helpers for what C# cannot express: system registers, barriers, waiting for interrupts
 * and the Jailhouse hypercall. C calling convention; each touches only x0-x2.
 */
#include "runtime.h"

	.text

	sysreg_reader	inmate_read_mpidr, mpidr_el1
	sysreg_reader	inmate_read_cntfrq, cntfrq_el0
	sysreg_reader	inmate_read_cntv_cval, cntv_cval_el0
	sysreg_writer	inmate_write_cntv_cval, cntv_cval_el0
	sysreg_writer	inmate_write_cntv_ctl, cntv_ctl_el0
	sysreg_writer	inmate_write_icc_sre, S3_0_C12_C12_5
	sysreg_writer	inmate_write_icc_pmr, S3_0_C4_C6_0
	sysreg_writer	inmate_write_icc_igrpen1, S3_0_C12_C12_7
	sysreg_writer	inmate_write_icc_eoir1, S3_0_C12_C12_1

/* The virtual counter, read after all earlier instructions (isb), as a timestamp must be. */
	.globl	inmate_read_cntvct
	.type	inmate_read_cntvct, %function
inmate_read_cntvct:
	isb
	mrs	x0, cntvct_el0
	ret

/* ICC_IAR1_EL1 acknowledges the interrupt it returns: keep it ordered with what follows. */
	.globl	inmate_read_icc_iar1
	.type	inmate_read_icc_iar1, %function
inmate_read_icc_iar1:
	mrs	x0, S3_0_C12_C12_0
	dsb	sy
	ret

	.globl	inmate_enable_irqs
	.type	inmate_enable_irqs, %function
inmate_enable_irqs:
	msr	daifclr, #2
	ret

	.globl	inmate_disable_irqs
	.type	inmate_disable_irqs, %function
inmate_disable_irqs:
	msr	daifset, #2
	ret

	.globl	inmate_wait_for_interrupt
	.type	inmate_wait_for_interrupt, %function
inmate_wait_for_interrupt:
	dsb	sy
	wfi
	ret

/* dmb ish: orders memory accesses with those of the hypervisor and other CPUs. */
	.globl	inmate_memory_barrier
	.type	inmate_memory_barrier, %function
inmate_memory_barrier:
	dmb	ish
	ret

/* long inmate_hypercall(code, argument): Jailhouse's hypercall (hvc #0x4a48, x0 code, x1 argument, x0 result). */
	.globl	inmate_hypercall
	.type	inmate_hypercall, %function
inmate_hypercall:
	hvc	#0x4a48
	ret

	.text
	ilc_runtime_symbols 0x4a48c0de5eed1e55, inmate_stop
