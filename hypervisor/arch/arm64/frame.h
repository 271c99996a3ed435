/*
 * Saving and restoring a cell CPU's register frame (TrapFrame in C#) on the EL2 stack:
 * general registers, ELR/SPSR (by the callers) and the FP/SIMD state, which C# code
 * clobbers (the compiler zeroes locals with q registers).
 */
.macro save_frame_registers
	stp	x0, x1, [sp, #(0 * 16)]
	stp	x2, x3, [sp, #(1 * 16)]
	stp	x4, x5, [sp, #(2 * 16)]
	stp	x6, x7, [sp, #(3 * 16)]
	stp	x8, x9, [sp, #(4 * 16)]
	stp	x10, x11, [sp, #(5 * 16)]
	stp	x12, x13, [sp, #(6 * 16)]
	stp	x14, x15, [sp, #(7 * 16)]
	stp	x16, x17, [sp, #(8 * 16)]
	stp	x18, x19, [sp, #(9 * 16)]
	stp	x20, x21, [sp, #(10 * 16)]
	stp	x22, x23, [sp, #(11 * 16)]
	stp	x24, x25, [sp, #(12 * 16)]
	stp	x26, x27, [sp, #(13 * 16)]
	stp	x28, x29, [sp, #(14 * 16)]
	str	x30, [sp, #(15 * 16)]
	add	x0, sp, #FRAME_Q
	stp	q0, q1, [x0], #32
	stp	q2, q3, [x0], #32
	stp	q4, q5, [x0], #32
	stp	q6, q7, [x0], #32
	stp	q8, q9, [x0], #32
	stp	q10, q11, [x0], #32
	stp	q12, q13, [x0], #32
	stp	q14, q15, [x0], #32
	stp	q16, q17, [x0], #32
	stp	q18, q19, [x0], #32
	stp	q20, q21, [x0], #32
	stp	q22, q23, [x0], #32
	stp	q24, q25, [x0], #32
	stp	q26, q27, [x0], #32
	stp	q28, q29, [x0], #32
	stp	q30, q31, [x0], #32
	mrs	x1, fpsr
	mrs	x2, fpcr
	stp	x1, x2, [x0]			/* x0 = sp + FRAME_FPSR after the q registers */
.endm

/* Restores FP/SIMD, ELR/SPSR and x2-x30; x0 and x1 stay for the caller (clobbers them). */
.macro restore_frame_except_x0_x1
	add	x0, sp, #FRAME_FPSR
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	add	x0, sp, #FRAME_Q
	ldp	q0, q1, [x0], #32
	ldp	q2, q3, [x0], #32
	ldp	q4, q5, [x0], #32
	ldp	q6, q7, [x0], #32
	ldp	q8, q9, [x0], #32
	ldp	q10, q11, [x0], #32
	ldp	q12, q13, [x0], #32
	ldp	q14, q15, [x0], #32
	ldp	q16, q17, [x0], #32
	ldp	q18, q19, [x0], #32
	ldp	q20, q21, [x0], #32
	ldp	q22, q23, [x0], #32
	ldp	q24, q25, [x0], #32
	ldp	q26, q27, [x0], #32
	ldp	q28, q29, [x0], #32
	ldp	q30, q31, [x0], #32
	ldp	x0, x1, [sp, #FRAME_ELR]
	msr	elr_el2, x0
	msr	spsr_el2, x1
	ldp	x2, x3, [sp, #(1 * 16)]
	ldp	x4, x5, [sp, #(2 * 16)]
	ldp	x6, x7, [sp, #(3 * 16)]
	ldp	x8, x9, [sp, #(4 * 16)]
	ldp	x10, x11, [sp, #(5 * 16)]
	ldp	x12, x13, [sp, #(6 * 16)]
	ldp	x14, x15, [sp, #(7 * 16)]
	ldp	x16, x17, [sp, #(8 * 16)]
	ldp	x18, x19, [sp, #(9 * 16)]
	ldp	x20, x21, [sp, #(10 * 16)]
	ldp	x22, x23, [sp, #(11 * 16)]
	ldp	x24, x25, [sp, #(12 * 16)]
	ldp	x26, x27, [sp, #(13 * 16)]
	ldp	x28, x29, [sp, #(14 * 16)]
	ldr	x30, [sp, #(15 * 16)]
.endm
