/*
 * Hostile inmate for the isolation check of hypervisor.sh: announces itself on the PL011 at
 * 0x09000000 (QEMU virt's, passed to the inmate-demo cell), then stores into 0x40000000, the
 * first byte of QEMU virt's RAM, which belongs to the root cell (configs/qemu-arm64) and is not
 * in the cell's stage 2. The hypervisor must stop the cell's CPU with its FATAL line; if the
 * store ever returns, the inmate says so, which the test treats as a failure.
 * Position independent, linked at 0 like every inmate.
 */
	.equ	UART_BASE, 0x09000000
	.equ	UARTDR, 0x00
	.equ	UARTFR, 0x18
	.equ	UARTFR_TXFF, 5
	.equ	ROOT_RAM, 0x40000000

	.text
	.globl	_start
_start:
	adr	x2, announce
	bl	print
	ldr	x0, =ROOT_RAM
	mov	w1, #0x5a
	str	w1, [x0]
	adr	x2, survived
	bl	print
idle:
	wfi
	b	idle

/* print the NUL-terminated string at x2 (x1, x3, x4 clobbered) */
print:
	ldr	x1, =UART_BASE
1:	ldrb	w3, [x2], #1
	cbz	w3, 3f
2:	ldr	w4, [x1, #UARTFR]
	tbnz	w4, #UARTFR_TXFF, 2b
	str	w3, [x1, #UARTDR]
	b	1b
3:	ret

announce:
	.asciz	"root-ram-writer: storing into the root cell's RAM at 0x40000000\r\n"
survived:
	.asciz	"root-ram-writer: the store into the root cell's RAM went through\r\n"
	.balign	8
	.ltorg
