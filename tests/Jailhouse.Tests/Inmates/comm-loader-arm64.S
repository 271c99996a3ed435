/*
 * Plays the hypervisor's part of the shutdown handshake for a bare-metal inmate in QEMU virt
 * (no EL2): on CPU 0 it starts the inmate on CPU 1 (PSCI CPU_ON through QEMU's firmware
 * emulation), lets it run for WAIT_SECONDS, writes a shutdown request into the communication
 * region the test loaded at COMM (msg_to_cell = 1, reply_from_cell = 0), waits up to five
 * seconds for a reply, prints "loader: reply R, cell state S" on the PL011 and powers the
 * machine off (PSCI SYSTEM_OFF), which ends QEMU. TCG has no caches, so this MMU-off code sees
 * what the inmate wrote through its cacheable mapping.
 * Symbols from the test (--defsym): INMATE_ENTRY, COMM, WAIT_SECONDS.
 */
#define PSCI_CPU_ON		0xc4000003
#define PSCI_SYSTEM_OFF		0x84000008
#define UART			0x09000000
#define MSG_TO_CELL		12
#define REPLY_FROM_CELL		16
#define CELL_STATE		8

	.text
	.globl	_start
_start:
	ldr	x0, =PSCI_CPU_ON
	mov	x1, #1			/* MPIDR affinity of CPU 1 */
	ldr	x2, =INMATE_ENTRY
	mov	x3, #0
	hvc	#0
	cbnz	x0, power_off

	mrs	x9, cntfrq_el0
	mov	x10, #WAIT_SECONDS
	mul	x10, x9, x10
	bl	wait_x10

	ldr	x4, =COMM
	str	wzr, [x4, #REPLY_FROM_CELL]
	dsb	sy
	mov	w5, #1
	str	w5, [x4, #MSG_TO_CELL]
	dsb	sy

	mov	x10, #5
	mul	x10, x9, x10
	isb
	mrs	x11, cntvct_el0
	add	x11, x11, x10
1:	ldr	w6, [x4, #REPLY_FROM_CELL]
	cbnz	w6, 2f
	isb
	mrs	x12, cntvct_el0
	cmp	x12, x11
	b.lo	1b
2:	ldr	w7, [x4, #CELL_STATE]

	adr	x0, reply_text
	bl	puts
	mov	w0, w6
	bl	putdigit
	adr	x0, state_text
	bl	puts
	mov	w0, w7
	bl	putdigit
	mov	w0, #'\n'
	bl	putc

power_off:
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
3:	wfi
	b	3b

/* Busy-waits x10 counter ticks; clobbers x11, x12. */
wait_x10:
	isb
	mrs	x11, cntvct_el0
	add	x11, x11, x10
4:	isb
	mrs	x12, cntvct_el0
	cmp	x12, x11
	b.lo	4b
	ret

/* putc(w0), puts(x0), putdigit(w0 in 0-9); clobber x0-x3, x8. */
putc:
	ldr	x1, =UART
5:	ldr	w2, [x1, #0x18]
	tbnz	w2, #5, 5b
	str	w0, [x1]
	ret
puts:
	mov	x8, x30
	mov	x3, x0
6:	ldrb	w0, [x3], #1
	cbz	w0, 7f
	bl	putc
	b	6b
7:	mov	x30, x8
	ret
putdigit:
	add	w0, w0, #'0'
	b	putc

reply_text:
	.asciz	"loader: reply "
state_text:
	.asciz	", cell state "
	.balign	4
	.ltorg
