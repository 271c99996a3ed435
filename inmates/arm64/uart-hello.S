/*
 * Bare-metal demo inmate for arm64 cells on QEMU virt (see
 * configs/qemu-arm64/qemu-arm64-inmate-demo.yaml): prints a greeting on the
 * PL011 at 0x09000000, then waits for interrupts forever.
 *
 * Position independent (PC-relative addressing only): the cell maps it at
 * guest address 0, a plain QEMU boot loads it elsewhere.
 */
	.equ	UART_BASE, 0x09000000
	.equ	UARTDR, 0x00
	.equ	UARTFR, 0x18
	.equ	UARTFR_TXFF, 5

	.text
	.globl	_start
_start:
	ldr	x1, =UART_BASE
	adr	x2, greeting
next_char:
	ldrb	w3, [x2], #1
	cbz	w3, idle
wait_fifo:
	ldr	w4, [x1, #UARTFR]
	tbnz	w4, #UARTFR_TXFF, wait_fifo
	str	w3, [x1, #UARTDR]
	b	next_char
idle:
	wfi
	b	idle

greeting:
	.asciz	"Hello from a Jailhouse inmate (arm64)\r\n"
	.balign	8
	.ltorg
