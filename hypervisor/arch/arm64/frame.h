/*
 * Saving and restoring a cell CPU's register frame (TrapFrame in C#) on the EL2 stack:
 * general registers, ELR/SPSR (by the callers) and the FP/SIMD state, which C# code
 * clobbers (the compiler zeroes locals with q registers). A write to a q register also
 * clears the bits of its SVE z register above 128, so where the caller's CPTR_EL2 lets the
 * cell use SVE, z0-z31, p0-p15 and FFR go to the per-CPU area (PERCPU_SVE) first; a trap in
 * SME streaming mode (where q instructions are illegal) saves the streaming registers and
 * leaves streaming mode, and the way back enters it again before reloading them. The frame
 * always sits at the top of the per-CPU area, which is how these macros find it.
 */
	.arch_extension	sve

#define SMSTOP_SM	.inst 0xd503427f	/* msr svcrsm, #0 */
#define SMSTART_SM	.inst 0xd503437f	/* msr svcrsm, #1 */
#define SVCR		S3_3_C4_C2_2

/* x0 = save area; \op (str or ldr) z0-z31, then p0-p15, at the current vector length;
   x0 ends past them (where FFR goes) */
.macro sve_z_p op
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	\op	z\n, [x0, #\n, mul vl]
	.endr
	addvl	x0, x0, #16
	addvl	x0, x0, #16
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	\op	p\n, [x0, #\n, mul vl]
	.endr
	addpl	x0, x0, #16
.endm

/* x3 = this CPU's per-CPU area (the frame at sp is at its top) */
.macro percpu_of_frame
	add	x3, sp, #FRAME_SIZE
	sub	x3, x3, #PERCPU_SIZE
.endm

/* Before any q register is written: SVE/SME state to the per-CPU area. Clobbers x0-x3. */
.macro save_sve_state
	str	xzr, [sp, #FRAME_SVCR]
	percpu_of_frame
	ldr	x1, [x3, #(PERCPU_SAVED_EL2 + SAVED_FLAGS)]
	add	x0, x3, #PERCPU_SVE
	tbz	x1, #SAVE_SME_BIT, 91f
	mrs	x2, SVCR
	str	x2, [sp, #FRAME_SVCR]
	tbz	x2, #0, 91f
	sve_z_p	str			/* streaming registers (no FFR outside FA64) */
	SMSTOP_SM
	b	92f
91:	tbz	x1, #SAVE_SVE_BIT, 92f
	sve_z_p	str
	rdffr	p0.b
	str	p0, [x0]
92:
.endm

/* After the q registers are back: SVE/SME state from the per-CPU area. Clobbers x0-x3. */
.macro restore_sve_state
	percpu_of_frame
	ldr	x1, [x3, #(PERCPU_SAVED_EL2 + SAVED_FLAGS)]
	add	x0, x3, #PERCPU_SVE
	ldr	x2, [sp, #FRAME_SVCR]
	tbz	x2, #0, 93f
	SMSTART_SM			/* zeroes z, p and FFR and resets FPSR */
	sve_z_p	ldr
	b	94f
93:	tbz	x1, #SAVE_SVE_BIT, 94f
	addvl	x2, x0, #16
	addvl	x2, x2, #16
	addpl	x2, x2, #16
	ldr	p0, [x2]
	wrffr	p0.b
	sve_z_p	ldr
94:
.endm

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
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, sp, #FRAME_FPSR
	stp	x1, x2, [x0]			/* before SMSTOP, which resets FPSR */
	save_sve_state
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
.endm

/* Restores FP/SIMD (and SVE/SME), ELR/SPSR and x2-x30; x0 and x1 stay for the caller (clobbers them). */
.macro restore_frame_except_x0_x1
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
	restore_sve_state
	add	x0, sp, #FRAME_FPSR
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
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
