/*
 * An EL0 program using SVE (bsp/common/tests/hypervisor.sh runs it before, during and after
 * the hypervisor): it reads the vector length (RDVL), fills z0 with the byte index
 * (INDEX) and adds it up (UADDV), checks the sum against VL * (VL - 1) / 2 and prints
 * "sve-probe: vector length N bytes". Exit status 0 when the sum is right. If the hypervisor
 * traps SVE (CPTR_EL2.TZ), the first SVE instruction never comes back: the CPU stops, or
 * after the hypervisor has left, Linux's hyp stub gets the trap.
 */
	.arch	armv8.2-a+sve
	.text
	.globl	_start
_start:
	rdvl	x19, #1				/* bytes per vector */
	index	z0.b, #0, #1
	ptrue	p0.b
	uaddv	d1, p0, z0.b
	fmov	x20, d1
	mul	x21, x19, x19
	sub	x21, x21, x19
	lsr	x21, x21, #1
	cmp	x20, x21
	b.ne	wrong

	/* "sve-probe: vector length " + decimal(x19) + " bytes\n" */
	adr	x1, prefix
	mov	x2, #(prefix_end - prefix)
	bl	write
	adr	x1, digits_end
	mov	x3, x19
	mov	x4, #10
1:	udiv	x5, x3, x4
	msub	x6, x5, x4, x3
	add	x6, x6, #'0'
	strb	w6, [x1, #-1]!
	mov	x3, x5
	cbnz	x3, 1b
	adr	x2, digits_end
	sub	x2, x2, x1
	bl	write
	adr	x1, suffix
	mov	x2, #(suffix_end - suffix)
	bl	write
	mov	x0, #0
	b	exit

wrong:
	adr	x1, message_wrong
	mov	x2, #(message_wrong_end - message_wrong)
	bl	write
	mov	x0, #1
exit:
	mov	x8, #93				/* exit */
	svc	#0

/* write(1, x1, x2) */
write:
	mov	x0, #1
	mov	x8, #64
	svc	#0
	ret

	.section .rodata
prefix:		.ascii	"sve-probe: vector length "
prefix_end:
suffix:		.ascii	" bytes\n"
suffix_end:
message_wrong:	.ascii	"sve-probe: wrong sum over z0\n"
message_wrong_end:

	.bss
digits:		.skip	24
digits_end:
