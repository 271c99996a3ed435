/*
 * Test inmate for CellQemuTests: runs in a non-root cell at guest address 0 (MMU off), prints
 * a line on QEMU virt's PL011 and, assembled with WRITE_ROOT, then writes into the root cell's
 * RAM at 0x40000000, which the cell's stage 2 does not map: the hypervisor must stop the cell
 * with a FATAL line and mark it failed. Otherwise it idles in WFI (which traps to the hypervisor).
 */
	.equ	UART, 0x09000000

	.text
	.globl	_start
_start:
	ldr	x1, =UART
	adr	x2, message
1:	ldrb	w3, [x2], #1
	cbz	w3, 3f
2:	ldr	w4, [x1, #0x18]
	tbnz	w4, #5, 2b
	str	w3, [x1]
	b	1b
3:
.ifdef WRITE_ROOT
	ldr	x1, =0x40000000
	mov	w0, #0x5a
	str	w0, [x1]
.endif
4:	wfi
	b	4b

message:
	.asciz	"cell-inmate: running in the cell\r\n"
	.balign	8
	.ltorg
