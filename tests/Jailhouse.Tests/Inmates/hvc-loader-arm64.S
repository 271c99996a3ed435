/*
 * A stand-in for the hypervisor's debug-console hypercall: QEMU virt with virtualization=on
 * starts this at EL2; it installs EL2 vectors, lets EL1 use the counter and FP/SIMD, and
 * enters the inmate at EL1 (MMU off, interrupts masked) at INMATE_ENTRY. A trapped
 * `hvc #0x4a48` with x0 = 8 (JAILHOUSE_HC_DEBUG_CONSOLE_PUTC) prints x1 on the PL011 and
 * returns 0; any other hypercall returns -ENOSYS; any other trap stops the CPU. Only x9-x12,
 * caller-saved around the inmate's hypercall function, are clobbered.
 * Symbol from the test (-D): INMATE_ENTRY.
 */
#define UART		0x09000000
#define HCR_RW		(1 << 31)
#define SPSR_EL1H_MASKED	0x3c5
#define SCTLR_EL1_RES1	0x30d00800
#define CPTR_EL2_RES1	0x33ff
#define EC_HVC64	0x16
#define JAILHOUSE_HVC	0x4a48
#define HC_DEBUG_CONSOLE_PUTC	8
#define ENOSYS		38

	.text
	.globl	_start
_start:
	ldr	x0, =el2_vectors
	msr	vbar_el2, x0
	mov	x0, #HCR_RW
	msr	hcr_el2, x0
	mov	x0, #3			/* EL1PCTEN, EL1PCEN */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	ldr	x0, =CPTR_EL2_RES1
	msr	cptr_el2, x0
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	ldr	x0, =INMATE_ENTRY
	msr	elr_el2, x0
	isb
	eret

	.balign	2048
el2_vectors:
	.skip	0x400
	/* lower EL, AArch64, synchronous */
	mrs	x9, esr_el2
	lsr	x10, x9, #26
	cmp	x10, #EC_HVC64
	b.ne	stop
	and	x10, x9, #0xffff
	mov	x11, #JAILHOUSE_HVC
	cmp	x10, x11
	b.ne	unknown
	cmp	x0, #HC_DEBUG_CONSOLE_PUTC
	b.ne	unknown
	ldr	x9, =UART
1:	ldr	w10, [x9, #0x18]
	tbnz	w10, #5, 1b
	str	w1, [x9]
	mov	x0, #0
	eret
unknown:
	mov	x0, #-ENOSYS
	eret
stop:
	wfi
	b	stop
	.ltorg
