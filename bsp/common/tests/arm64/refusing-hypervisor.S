/*
 * Test fixture for the driver's arm64 entry path (bsp/common/tests/kmod.sh): a
 * "hypervisor" image with a valid Jailhouse header whose entry follows the
 * contract of hypervisor/README.md: called at EL1 as int entry(cpu) through
 * the driver's mapping, it finds its physical address in the system
 * configuration (after the per-CPU areas), has Linux's hyp stub install its
 * vectors (HVC_SET_VECTORS) and traps to EL2 with a second hvc. There, with
 * the MMU off, it reports on the PL011 at 0x09000000 (QEMU virt) which CPU
 * came in, at which exception level, whether the header names the stub's
 * vectors (arm_linux_hyp_vectors, 2 KiB aligned) and the header's online_cpus
 * as it is in memory (single digit), puts the stub's vectors back and returns
 * refusing to start (-EIO). A wrong arm_linux_hyp_vectors breaks the next hvc
 * Linux makes, so a second enable attempt checks it too.
 *
 * CPUs print in turn (CPU n waits until the turn word is n): with the MMU off
 * every access goes to memory, so the word is shared without caches. The
 * online CPUs must therefore be 0..n-1.
 */
	.include "stand-in-hypervisor.inc"

	.equ	UART_BASE, 0x09000000
	.equ	UARTDR, 0x00
	.equ	UARTFR, 0x18
	.equ	UARTFR_TXFF, 5
	.equ	EIO, 5

	.text
	.globl	_start
_start:
	jailhouse_header 0x1000, 0

turn:
	.quad	0

/* EL1, x0 = CPU, x30 = return address (kept: the EL2 part restores it). */
entry:
	mov	x9, x0
	install_vectors
	hvc	#0			/* into el2 below; comes back with x0 */
	ret

/* EL2, MMU off, running at the physical address; x9 = CPU. */
el2:
	mov	x16, x30
	adr	x10, header
	ldr	x15, =UART_BASE
	adr	x11, turn
wait_turn:
	ldr	x12, [x11]
	cmp	x12, x9
	b.ne	wait_turn

	adr	x2, text_cpu
	bl	print
	add	x3, x9, #'0'
	bl	putc
	adr	x2, text_el
	bl	print
	mrs	x3, CurrentEL
	lsr	x3, x3, #2
	add	x3, x3, #'0'
	bl	putc
	ldr	x4, [x10, #HYP_VECTORS]
	adr	x2, text_vectors_ok
	cbz	x4, 1f
	tst	x4, #0x7ff
	b.eq	2f
1:	adr	x2, text_vectors_bad
2:	bl	print
	ldr	w3, [x10, #ONLINE_CPUS]
	add	x3, x3, #'0'
	bl	putc
	adr	x2, text_online
	bl	print

	add	x12, x12, #1
	str	x12, [x11]
	dsb	sy
	ldr	x4, [x10, #HYP_VECTORS]
	msr	vbar_el2, x4
	isb
	mov	x30, x16
	mov	x0, #-EIO
	eret

/* print: the NUL-terminated string at x2; putc: the byte in x3. */
print:
	mov	x17, x30
3:	ldrb	w3, [x2], #1
	cbz	w3, 4f
	bl	putc
	b	3b
4:	mov	x30, x17
	ret
putc:
	ldr	w4, [x15, #UARTFR]
	tbnz	w4, #UARTFR_TXFF, putc
	str	w3, [x15, #UARTDR]
	ret

text_cpu:
	.asciz	"jailhouse-test-hv: CPU "
text_el:
	.asciz	" entered at EL"
text_vectors_ok:
	.asciz	", stub vectors known, online_cpus "
text_vectors_bad:
	.asciz	", stub vectors NOT known, online_cpus "
text_online:
	.asciz	"\r\n"
	.balign	8
	.ltorg

	.balign	2048
vectors:
	.rept	8			/* current EL: not expected */
	b	.
	.balign	0x80
	.endr
	b	el2			/* lower EL, AArch64, synchronous: our second hvc */
	.balign	0x80
	.rept	7
	b	.
	.balign	0x80
	.endr
