/*
 * Bare-metal demo inmate for x86 cells (see configs/qemu-x86/apic-demo.yaml
 * for the port ranges a cell grants): a 64 KiB image whose last 16 bytes hold
 * the reset vector, as for a cell whose CPU starts in real mode at 0xffff0.
 * It prints a greeting on COM1 (0x3f8) and halts.
 */
	.code16
	.equ	COM1, 0x3f8
	.equ	LSR, 5
	.equ	LSR_THRE, 0x20

	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$greeting, %si
next_char:
	lodsb
	testb	%al, %al
	jz	idle
	movb	%al, %bl
	movw	$COM1 + LSR, %dx
wait_fifo:
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	wait_fifo
	movb	%bl, %al
	movw	$COM1, %dx
	outb	%al, %dx
	jmp	next_char
idle:
	hlt
	jmp	idle

greeting:
	.asciz	"Hello from a Jailhouse inmate (x86)\r\n"

	/* The reset vector: the last 16 bytes of the 64 KiB segment. */
	.org	0xfff0
reset:
	jmp	_start
	.org	0x10000
