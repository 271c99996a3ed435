/*
 * Test inmate for CellQemuTests: runs in a non-root cell at guest address 0 (MMU off), prints
 * a line on QEMU virt's PL011 and, assembled with WRITE_ROOT, then writes into the root cell's
 * RAM at 0x40000000, which the cell's stage 2 does not map: the hypervisor must stop the cell
 * with a FATAL line and mark it failed. With SYSTEM_OFF it asks PSCI to turn CPU 0 (the root
 * cell's) on and to tell its affinity state, both of which must answer INVALID_PARAMETERS (-2),
 * then calls PSCI SYSTEM_OFF, which must stop this cell only; a wrong answer writes into root RAM
 * instead (a FATAL line the test sees). With SEND_SGI it sends SGI 3 to CPU 0 (the root cell's),
 * to all but itself and to itself (GICv3 ICC_SGI1R_EL1; with GICV2, GICD_SGIR). Otherwise it idles in WFI (which traps to the hypervisor).
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
.ifdef SYSTEM_OFF
	ldr	w0, =0xc4000003			/* CPU_ON of CPU 0 */
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	smc	#0
	cmn	x0, #2
	b.ne	write_root
	ldr	w0, =0xc4000004			/* AFFINITY_INFO of CPU 0 */
	mov	x1, #0
	mov	x2, #0
	smc	#0
	cmn	x0, #2
	b.ne	write_root
	ldr	w0, =0x84000008			/* SYSTEM_OFF */
	smc	#0
	b	write_root			/* it must not return */
.endif
.ifdef SEND_SGI
.ifdef GICV2
	/* GICv2: SGI 3 enabled for this CPU (the banked GICD_ISENABLER0, through the cell's
	   distributor emulation), then GICD_SGIR: to CPU 0 (the root cell's, target list bit 0),
	   to all but self, to itself: only the last may arrive anywhere */
	ldr	x1, =0x08000000
	mov	w0, #(1 << 3)
	str	w0, [x1, #0x100]		/* GICD_ISENABLER0 */
	ldr	w0, =((1 << 16) | 3)
	str	w0, [x1, #0xf00]		/* GICD_SGIR */
	ldr	w0, =((1 << 24) | 3)
	str	w0, [x1, #0xf00]
	ldr	w0, =((2 << 24) | 3)
	str	w0, [x1, #0xf00]
	dsb	sy
.else
	/* SGI 3 in group 1 and enabled in this CPU's own redistributor (CPU 1's frame, through
	   the cell's emulation), system register interface on */
	ldr	x1, =(0x080a0000 + 0x20000 + 0x10000)
	ldr	w0, [x1, #0x80]
	orr	w0, w0, #(1 << 3)
	str	w0, [x1, #0x80]			/* GICR_IGROUPR0 */
	mov	w0, #(1 << 3)
	str	w0, [x1, #0x100]		/* GICR_ISENABLER0 */
	mov	x0, #1
	msr	S3_0_C12_C12_5, x0		/* ICC_SRE_EL1 */
	isb
	/* SGI 3 to CPU 0 (Aff0 0, the root cell's), to all but self, then to itself (Aff0 1):
	   only the last may arrive anywhere */
	ldr	x0, =((3 << 24) | 1)
	msr	S3_0_C12_C11_5, x0		/* ICC_SGI1R_EL1 */
	ldr	x0, =((1 << 40) | (3 << 24))
	msr	S3_0_C12_C11_5, x0
	ldr	x0, =((3 << 24) | 2)
	msr	S3_0_C12_C11_5, x0
	isb
.endif
.endif
.ifdef WRITE_ROOT
	b	write_root
.endif
4:	wfi
	b	4b

write_root:
	ldr	x1, =0x40000000
	mov	w0, #0x5a
	str	w0, [x1]
4:	wfi
	b	4b

message:
	.asciz	"cell-inmate: running in the cell\r\n"
	.balign	8
	.ltorg
