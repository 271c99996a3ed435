/*
 * EL1 exception vectors of an inmate. Interrupts (taken on SP_EL1 at EL1) save every register
 * the C# calling convention lets a callee clobber -- x0-x18, x29, x30, the SIMD registers
 * q0-q7 and q16-q31, FPSR and FPCR, and ELR/SPSR -- call inmate_irq and return to the
 * interrupted code. Any other exception is a bug in the inmate or an access its cell does not
 * map: inmate_fault(kind, esr, elr, far) reports it and does not return.
 */
#define FRAME_SIZE	592

	.text
	.balign	2048
	.globl	exception_vectors
exception_vectors:
	.irp	kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	.if	\kind == 5
	b	irq_entry
	.else
	mov	x0, #\kind
	b	fault_entry
	.endif
	.endr

fault_entry:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	inmate_fault
	b	inmate_stop

irq_entry:
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x0, elr_el1
	stp	x30, x0, [sp, #160]
	mrs	x0, spsr_el1
	mrs	x1, fpsr
	stp	x0, x1, [sp, #176]
	mrs	x0, fpcr
	str	x0, [sp, #192]
	add	x0, sp, #208
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q16, q17, [x0, #128]
	stp	q18, q19, [x0, #160]
	stp	q20, q21, [x0, #192]
	stp	q22, q23, [x0, #224]
	stp	q24, q25, [x0, #256]
	stp	q26, q27, [x0, #288]
	stp	q28, q29, [x0, #320]
	stp	q30, q31, [x0, #352]

	bl	inmate_irq

	add	x0, sp, #208
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q16, q17, [x0, #128]
	ldp	q18, q19, [x0, #160]
	ldp	q20, q21, [x0, #192]
	ldp	q22, q23, [x0, #224]
	ldp	q24, q25, [x0, #256]
	ldp	q26, q27, [x0, #288]
	ldp	q28, q29, [x0, #320]
	ldp	q30, q31, [x0, #352]
	ldr	x0, [sp, #192]
	msr	fpcr, x0
	ldp	x0, x1, [sp, #176]
	msr	spsr_el1, x0
	msr	fpsr, x1
	ldp	x30, x0, [sp, #160]
	msr	elr_el1, x0
	ldp	x18, x29, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_SIZE
	eret
