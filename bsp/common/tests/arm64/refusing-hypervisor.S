/*
 * Test fixture for the driver's arm64 entry path (bsp/common/tests/kmod.sh): a
 * "hypervisor" image with a valid Jailhouse header whose entry, reached at EL2
 * with the MMU off through Linux's hyp stub, reports on the PL011 at
 * 0x09000000 (QEMU virt) which CPU came in, at which exception level,
 * whether x1 points at the header and the header's online_cpus as it is in
 * memory (single digit), then returns to EL1 refusing to start
 * (x0 = -EIO). It never takes over EL2, so Linux runs on unchanged.
 *
 * CPUs print in turn (CPU n waits until the turn word is n): with the MMU off
 * every access goes to memory, so the word is shared without caches. The
 * online CPUs must therefore be 0..n-1.
 *
 * Entry registers (kmod/README.md): x0 = CPU, x1 = physical address of the
 * header. x18-x30 must survive; x2-x17 may not.
 */
	.equ	UART_BASE, 0x09000000
	.equ	UARTDR, 0x00
	.equ	UARTFR, 0x18
	.equ	UARTFR_TXFF, 5
	.equ	EIO, 5
	.equ	ONLINE_CPUS, 52		/* header offset, filled by the driver */

	.text
	.globl	_start
_start:
header:
	.ascii	"JAILHOUS"
	.quad	0x1000			/* core_size: the image fits */
	.quad	0x1000			/* percpu_size */
	.quad	entry - header		/* entry: offset from the image start */
	.quad	0			/* console_page */
	.quad	0			/* gcov_info_head */
	.word	0, 0			/* max_cpus, online_cpus: the driver's */
	.quad	0			/* debug_console_base */
	.quad	0			/* arm_linux_hyp_vectors */
	.word	0, 0			/* arm_linux_hyp_abi, padding */

turn:
	.quad	0

entry:
	mov	x16, x30
	mov	x9, x0
	mov	x10, x1
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
	ldr	x4, [x10]
	ldr	x5, signature
	adr	x2, text_header_ok
	cmp	x4, x5
	b.eq	1f
	adr	x2, text_header_bad
1:	bl	print
	ldr	w3, [x10, #ONLINE_CPUS]
	add	x3, x3, #'0'
	bl	putc
	adr	x2, text_online
	bl	print

	add	x12, x12, #1
	str	x12, [x11]
	dsb	sy
	mov	x30, x16
	mov	x0, #-EIO
	eret

/* print: the NUL-terminated string at x2; putc: the byte in x3. */
print:
	mov	x17, x30
2:	ldrb	w3, [x2], #1
	cbz	w3, 3f
	bl	putc
	b	2b
3:	mov	x30, x17
	ret
putc:
	ldr	w4, [x15, #UARTFR]
	tbnz	w4, #UARTFR_TXFF, putc
	str	w3, [x15, #UARTDR]
	ret

	.balign	8
signature:
	.ascii	"JAILHOUS"
text_cpu:
	.asciz	"jailhouse-test-hv: CPU "
text_el:
	.asciz	" entered at EL"
text_header_ok:
	.asciz	", x1 is the header, online_cpus "
text_header_bad:
	.asciz	", x1 is NOT the header, online_cpus "
text_online:
	.asciz	"\r\n"
	.balign	8
	.ltorg
