/*
 * Test loader for the arm64 hypervisor in bare-metal QEMU (virt, virtualization=on): it plays
 * Linux's part of the entry contract. QEMU starts it at EL2; it installs a hyp stub that
 * answers HVC_SET_VECTORS like Linux's (x0 = 0: VBAR_EL2 = x1; anything else: 0xbadca11),
 * tells the hypervisor header where that stub is, drops to EL1 with the MMU off and calls
 * entry(0) at HV_BASE + header.entry. QEMU's loader devices have placed the image (with
 * max_cpus/online_cpus filled in by the test) and the system configuration.
 *
 * Back at EL1 it prints entry()'s result, then, if the hypervisor is on, issues hypercalls
 * (hvc #0x4a48) and prints each result; with PROBE_HYPERVISOR_MEMORY it reads hypervisor
 * memory instead, which stage 2 must refuse; with PROBE_COMM_REGION (and COMM_VIRT) it reads
 * the communication region; with PROBE_ACTLR it reads ACTLR_EL1, which must trap. Output
 * lines start with "loader:".
 *
 * Assemble with --defsym HV_BASE=<physical address of the image> and the header offsets
 * HEADER_ENTRY, HEADER_CONSOLE_PAGE, HEADER_HYP_VECTORS, HEADER_HYP_ABI (HypervisorQemuTests
 * passes HypervisorHeader's).
 */
	.equ	UART, 0x09000000
	.equ	HVC_STUB_ERR, 0xbadca11
	.equ	STUB_READ_EL2, 0x7e5		/* the test stub's own call: EL2 registers in x0-x7 */

	.text
	.globl	_start
_start:
	mrs	x19, mpidr_el1
	and	x19, x19, #0xff			/* CPU number (Aff0) */
.ifdef SECOND_CPU
	cbnz	x19, 1f
	/* PSCI CPU_ON from EL2: CPU 1 starts here too, at EL2 */
	ldr	w0, =0xc4000003
	mov	x1, #1
	adr	x2, _start
	mov	x3, #0
	smc	#0
1:
.endif
	ldr	x0, =stub_vectors
	msr	vbar_el2, x0
	ldr	x1, =HV_BASE
	str	x0, [x1, #HEADER_HYP_VECTORS]
	mov	w0, #1				/* HYP_STUB_ABI_OPCODE: Linux >= 4.12 */
	str	w0, [x1, #HEADER_HYP_ABI]
	/* the console page's physical address, for reading it as the root cell later */
	ldr	x2, [x1, #HEADER_CONSOLE_PAGE]
	add	x2, x2, x1
	adr	x3, console_page
	str	x2, [x3]

	mov	x0, #(1 << 31)			/* EL1 is AArch64, no traps */
	msr	hcr_el2, x0
	/* What Linux's EL2 setup leaves for EL1: physical timer and counter accessible,
	   no virtual offset, the GICv3 system registers enabled, the real CPU IDs. */
	mov	x0, #3
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
.ifndef GICV2					/* (a GICv2 has no system-register interface) */
	mov	x0, #0xf
	msr	S3_4_C12_C9_5, x0		/* ICC_SRE_EL2: SRE, DFB, DIB, Enable */
.endif
	isb
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	mov	x0, #0x33ff
	msr	cptr_el2, x0
	mov	x0, #(3 << 20)			/* FP/SIMD at EL1 */
	msr	cpacr_el1, x0
.ifdef EL2_STATE
	/* What Linux's EL2 set-up leaves on a v8.3+ CPU (pointer authentication and MTE
	   instructions of EL1 not trapped; SVE not trapped, at its longest vector), and values
	   the stub does not care about but must find again: the hypervisor hands EL2 back as
	   it got it. HCR_EL2 bits a CPU does not have read as zero. */
	ldr	x0, =((1 << 31) | (1 << 41) | (1 << 40) | (1 << 56))	/* RW, API, APK, ATA */
	msr	hcr_el2, x0
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #32, #4			/* SVE */
	cbz	x0, 1f
	mov	x0, #0x32ff			/* CPTR_EL2: TZ clear */
	msr	cptr_el2, x0
	isb
	mov	x0, #0xf
	msr	S3_4_C1_C2_0, x0		/* ZCR_EL2: longest vector */
	msr	S3_0_C1_C2_0, x0		/* ZCR_EL1 */
	mov	x0, #((3 << 20) | (3 << 16))	/* FP/SIMD and SVE at EL1 */
	msr	cpacr_el1, x0
1:	ldr	x0, =0x7e57e12000000001
	msr	tpidr_el2, x0
	ldr	x0, =0x44ff04bb00ee0c08
	msr	mair_el2, x0
	ldr	x0, =0x80823518
	msr	tcr_el2, x0
	ldr	x0, =0x40001000
	msr	ttbr0_el2, x0
	ldr	x0, =0x47ff0
	mov	sp, x0
.endif
	ldr	x0, =0x30d00800			/* SCTLR_EL1: MMU and caches off */
	msr	sctlr_el1, x0
	mov	x0, #0x3c5			/* EL1h, interrupts masked */
	msr	spsr_el2, x0
	adr	x0, el1_main
	msr	elr_el2, x0
	isb
	eret

el1_main:
	ldr	x0, =stack_top
	sub	x0, x0, x19, lsl #12		/* 4 KiB of stack per CPU */
	mov	sp, x0
	cbnz	x19, 1f
	adr	x0, msg_enter
	bl	puts
1:
.ifdef EL2_STATE
	cbnz	x19, 1f
	adr	x0, msg_el2_before
	bl	print_el2_state
1:
.endif
.ifdef PROBE_REDISTRIBUTOR
	/* Before the hypervisor: PROPBASER of CPU 0's redistributor holds a value of Linux's */
	ldr	x9, =GICR_BASE
	ldr	x0, =PROPBASER_BEFORE
	str	x0, [x9, #0x70]
.endif
	ldr	x9, =HV_BASE
	ldr	x10, [x9, #HEADER_ENTRY]
	add	x10, x9, x10
.ifdef ENTRY_CPU_ID
	mov	x0, #ENTRY_CPU_ID		/* a CPU ID the test wants refused */
.else
	mov	x0, x19				/* cpu_id */
.endif
	blr	x10
	cbz	x19, 2f
	/* CPU 1: report the result to CPU 0 and idle as a root-cell CPU */
	adr	x1, cpu1_result
	str	x0, [x1]
	dsb	sy
	sev
.ifdef SECOND_CPU_FAILS
	mrs	x0, actlr_el1			/* traps (HCR_EL2.TAC), unhandled: CPU 1 stops for good */
.endif
.ifdef PROBE_IRQ
	/* CPU 1 takes SGI 4 (enabled in its own redistributor) with interrupts unmasked */
	bl	irq_cpu_setup
.ifdef GICV2
	ldr	x9, =GICD_BASE
	mov	w0, #(1 << 4)
	str	w0, [x9, #0x100]		/* GICD_ISENABLER0 (banked) */
.else
	ldr	x9, =(GICR_BASE + 0x20000)
	str	wzr, [x9, #0x14]		/* WAKER */
	ldr	x9, =(GICR_BASE + 0x20000 + 0x10000)
	mov	w0, #-1
	str	w0, [x9, #0x80]			/* IGROUPR0 */
	mov	w0, #(1 << 4)
	str	w0, [x9, #0x100]		/* ISENABLER0 */
.endif
	msr	daifclr, #2
5:	wfi
	b	5b
.endif
.ifdef LINUX_ROOT_CELL
	/* PSCI CPU_OFF: wait in the hypervisor until Linux turns this CPU on */
	ldr	w0, =0x84000002
	smc	#0
.endif
.ifdef CELL_TEST
	/* PSCI CPU_OFF, as Linux's remove_cpu: CPU 1 waits in the hypervisor for a cell */
	ldr	w0, =0x84000002
	smc	#0
.endif
3:	wfe
	b	3b
2:	mov	x20, x0
.ifdef SECOND_CPU
	/* CPU 1's result first: once it is stored, the hypervisor has printed CPU 1's lines, so
	   CPU 0's own lines cannot run into them on the shared UART */
	adr	x1, cpu1_result
4:	ldr	x27, [x1]
	cmn	x27, #1				/* still the initial -1? */
	b.ne	5f
	wfe
	b	4b
5:
.endif
.ifdef SECOND_CPU_FAILS
	/* CPU 1 reports its trap on the same UART: until it has stopped in the hypervisor (CPU
	   get info says failed (2), published after the report), CPU 0 keeps quiet */
	cbnz	x20, 7f
6:	mov	x0, #7
	mov	x1, #1
	mov	x2, #0
	hvc	#0x4a48
	cmp	x0, #2
	b.ne	6b
7:
.endif
	adr	x0, msg_returned
	mov	x1, x20
	bl	put_result
.ifdef SECOND_CPU
	mov	x1, x27
	adr	x0, msg_cpu1_returned
	bl	put_result
	/* CPU get info (7): state of CPU 1 */
	mov	x0, #7
	mov	x1, #1
	mov	x2, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_cpu1_state
	bl	put_result
.endif
	cbnz	x20, after_failure
.ifdef CELL_TEST
	b	cell_test
.endif

.ifdef LINUX_ROOT_CELL
	/* Boot Linux as the root cell: arm64 boot protocol at EL1, MMU off, x0 = DTB */
.ifdef SECOND_CPU
	/* PSCI AFFINITY_INFO until CPU 1 is off, so Linux can turn it on */
9:	ldr	w0, =0xc4000004
	mov	x1, #1
	mov	x2, #0
	smc	#0
	cmp	x0, #1
	b.ne	9b
.endif
	adr	x0, msg_linux
	bl	puts
	ldr	x0, =DTB_ADDR
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	ldr	x4, =KERNEL_ADDR
	br	x4
.endif

.ifdef EL2_STATE
	bl	use_cpu_features
	mov	x0, #0				/* disable */
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_disable
	bl	put_result
	adr	x0, msg_el2_after
	bl	print_el2_state
	bl	use_cpu_features
	b	done
.endif

.ifdef PROBE_SUBPAGE_UART
	/* The root cell's UART is a sub-page region: this line goes out through the hypervisor. */
	adr	x0, msg_subpage
	bl	puts
	mov	x0, #7				/* CPU get info: CPU 0, MMIO exits (1000 + 1) */
	mov	x1, #0
	mov	x2, #1001
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_mmio_exits
	bl	put_result
	ldr	x9, =UART
	ldr	w1, [x9, #0xffc]		/* same page, outside the region: must stop the CPU */
	adr	x0, msg_subpage_escaped
	bl	puts
	b	done
.endif

.ifdef PROBE_HYPERVISOR_MEMORY
	ldr	x9, =HV_BASE
	ldr	x1, [x9]			/* reads the empty page, not the header */
	adr	x0, msg_probe_read
	bl	put_result
	ldr	x9, =HV_BASE
	str	xzr, [x9]			/* must trap: read-only to the root cell */
	adr	x0, msg_probe_written
	bl	puts
	b	done
.endif

.ifdef PROBE_REDISTRIBUTOR
	/* Under the hypervisor the redistributors trap: LPI tables cannot be pointed at
	   hypervisor memory (the write is ignored, PROPBASER reads 0), the SGI frame works. */
	ldr	x9, =GICR_BASE
	ldr	x1, [x9, #0x70]
	adr	x0, msg_gicr_propbaser
	bl	put_result
	ldr	x9, =GICR_BASE
	ldr	x0, =HV_BASE
	orr	x0, x0, #0xf
	str	x0, [x9, #0x70]			/* PROPBASER into hypervisor memory */
	str	x0, [x9, #0x78]			/* PENDBASER too */
	ldr	x1, [x9, #0x70]
	adr	x0, msg_gicr_propbaser
	bl	put_result
	ldr	x9, =GICR_BASE
	ldr	x1, [x9, #0x8]			/* TYPER: affinity, Last */
	adr	x0, msg_gicr_typer
	bl	put_result
	ldr	x9, =GICR_BASE
	add	x9, x9, #0x10000
	mov	w0, #(1 << 27)
	str	w0, [x9, #0x100]		/* ISENABLER0: the virtual timer PPI */
	ldr	w1, [x9, #0x100]
	adr	x0, msg_gicr_enabled
	bl	put_result
	mov	x0, #7				/* CPU get info: CPU 0, MMIO exits (1000 + 1) */
	mov	x1, #0
	mov	x2, #1001
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_mmio_exits
	bl	put_result
	mov	x0, #0				/* disable: the GIC as it really is */
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_disable
	bl	put_result
	ldr	x9, =GICR_BASE
	ldr	x1, [x9, #0x70]
	adr	x0, msg_gicr_propbaser_after
	bl	put_result
	b	done
.endif

.ifdef PROBE_IRQ
	/* Interrupts under the hypervisor (HCR_EL2.IMO): the distributor and redistributor set up
	   through the emulation, the EL1 virtual timer fires, is taken at EL2 and reaches this
	   code through a list register; an SGI to itself and one to CPU 1 go through the trapped
	   ICC_SGI1R_EL1 (GICv2: GICD_SGIR, the distributor being emulated). */
	ldr	x9, =GICD_BASE
.ifdef GICV2
	mov	w0, #1				/* EnableGrp0: group 0, as Linux has them without security */
	str	w0, [x9]
	bl	irq_cpu_setup
	ldr	w0, =((1 << 27) | 0x3ff)
	str	w0, [x9, #0x100]		/* ISENABLER0 (banked): virtual timer PPI, SGIs 0-9 */
.else
	mov	w0, #0x12			/* ARE, EnableGrp1 */
	str	w0, [x9]
1:	ldr	w0, [x9]
	tbnz	w0, #31, 1b			/* RWP */
	bl	irq_cpu_setup
	ldr	x9, =GICR_BASE
	str	wzr, [x9, #0x14]		/* WAKER: awake */
	ldr	x9, =(GICR_BASE + 0x10000)
	mov	w0, #-1
	str	w0, [x9, #0x80]			/* IGROUPR0: all group 1, as Linux has them */
	ldr	w0, =((1 << 27) | 0x3ff)
	str	w0, [x9, #0x100]		/* ISENABLER0: virtual timer PPI, SGIs 0-9 */
.endif
	mrs	x0, cntvct_el0
	add	x0, x0, #0x1000
	msr	cntv_cval_el0, x0
	mov	x0, #1
	msr	cntv_ctl_el0, x0		/* enabled, not masked */
	isb
	msr	daifclr, #2
	mov	x1, #1
	bl	wait_irqs			/* CPU 0 has taken one interrupt */
	adr	x0, msg_irq_timer
	bl	put_result			/* its INTID */

	/* SGI 3 to itself: Aff3.Aff2.Aff1 0, target list bit 0 */
.ifdef GICV2
	ldr	x9, =GICD_BASE
	ldr	w0, =((2 << 24) | 3)		/* GICD_SGIR: this CPU only */
	str	w0, [x9, #0xf00]
.else
	ldr	x0, =((3 << 24) | 1)
	msr	S3_0_C12_C11_5, x0		/* ICC_SGI1R_EL1: traps */
.endif
	isb
	mov	x1, #2
	bl	wait_irqs
	adr	x0, msg_irq_sgi
	bl	put_result
.ifdef SECOND_CPU
	/* SGI 4 to CPU 1 (Aff0 1; GICv2: CPU interface 1) */
.ifdef GICV2
	ldr	x9, =GICD_BASE
	ldr	w0, =((2 << 16) | 4)
	str	w0, [x9, #0xf00]
.else
	ldr	x0, =((4 << 24) | 2)
	msr	S3_0_C12_C11_5, x0
.endif
	isb
	adr	x9, irq_counts
	mov	x2, #0x1000000
2:	ldr	x1, [x9, #8]
	cbnz	x1, 3f
	subs	x2, x2, #1
	b.ne	2b
3:	adr	x9, irq_last
	ldr	x1, [x9, #8]
	adr	x0, msg_irq_cpu1
	bl	put_result
.endif
	msr	daifset, #2
	mov	x0, #7				/* CPU get info: CPU 0, injected interrupts (1000 + 5) */
	mov	x1, #0
	mov	x2, #1005
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_irq_virq
	bl	put_result
	mov	x0, #7				/* trapped SGIs (1000 + 6) */
	mov	x1, #0
	mov	x2, #1006
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_irq_vsgi
	bl	put_result

	/* More SGIs than list registers (QEMU has 4): SGIs 0-9 to itself while this CPU masks
	   IRQs. Each is taken at EL2 as soon as its trapped write returns (IMO: the EL1 mask does
	   not hold it) and injected; those finding every list register in use wait in the
	   hypervisor's queue. Unmasked, the handler ends them one by one, and only the underflow
	   maintenance interrupt brings the waiting ones in: all ten must arrive. */
	adr	x9, irq_seen
	str	xzr, [x9]
	mov	x4, #0
6:
.ifdef GICV2
	ldr	x9, =GICD_BASE
	mov	w0, #(2 << 24)			/* GICD_SGIR: this CPU only, SGI x4 */
	orr	w0, w0, w4
	str	w0, [x9, #0xf00]
.else
	mov	x0, #1				/* target list: CPU 0 */
	orr	x0, x0, x4, lsl #24		/* INTID */
	msr	S3_0_C12_C11_5, x0
.endif
	isb
	add	x4, x4, #1
	cmp	x4, #10
	b.lo	6b
	adr	x9, irq_counts
	ldr	x1, [x9]
	add	x1, x1, #10
	msr	daifclr, #2
	bl	wait_irqs
	msr	daifset, #2
	adr	x9, irq_seen
	ldr	x1, [x9]
	adr	x0, msg_irq_burst
	bl	put_result
	mov	x0, #7				/* maintenance interrupts on CPU 0 (1000 + 4) */
	mov	x1, #0
	mov	x2, #1004
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_irq_maintenance
	bl	put_result
	mov	x0, #0				/* disable */
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_disable
	bl	put_result
	b	done
.endif

.ifdef PROBE_ACTLR
	mrs	x1, actlr_el1			/* HCR_EL2.TAC: traps, not handled (as upstream) */
	adr	x0, msg_actlr
	bl	put_result
	b	done
.endif

.ifdef PROBE_COMM_REGION
	/* COMM_VIRT: a comm-region memory region of the root cell; print its first words */
	ldr	x9, =COMM_VIRT
	ldr	x1, [x9]			/* signature, revision */
	adr	x0, msg_comm_header
	bl	put_result
	ldr	x9, =COMM_VIRT
	ldr	x1, [x9, #64]			/* gic_version, padding */
	adr	x0, msg_comm_gic_version
	bl	put_result
	ldr	x9, =COMM_VIRT
	ldr	x1, [x9, #72]			/* gicd_base */
	adr	x0, msg_comm_gicd
	bl	put_result
	b	done
.endif

	/* CPU get info (7): state of CPU 0 */
	mov	x0, #7
	mov	x1, #0
	mov	x2, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_cpu_state
	bl	put_result

	/* Cell get state (6): root cell, then an unknown cell */
	mov	x0, #6
	mov	x1, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_cell_state
	bl	put_result
	mov	x0, #6
	mov	x1, #5
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_cell5_state
	bl	put_result

	/* Hypervisor get info (5): number of cells */
	mov	x0, #5
	mov	x1, #4
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_cells
	bl	put_result

	/* Debug console putc (8), one character per call */
	adr	x20, msg_via_hypercall
1:	ldrb	w1, [x20], #1
	cbz	w1, 2f
	mov	x0, #8
	hvc	#0x4a48
	mov	x21, x0
	b	1b
2:	adr	x0, msg_putc
	mov	x1, x21
	bl	put_result

	/* The hypervisor's console page: tail, then the first line after the leading newline */
	adr	x0, console_page
	ldr	x20, [x0]
	ldr	w1, [x20, #4]
	adr	x0, msg_console_tail
	bl	put_result
	adr	x0, msg_console
	bl	puts
	add	x20, x20, #9			/* busy, tail, the leading '\n' */
	ldr	x1, =UART
6:	ldrb	w2, [x20], #1
	cmp	w2, #'\n'
	b.eq	8f
7:	ldr	w3, [x1, #0x18]
	tbnz	w3, #5, 7b
	str	w2, [x1]
	b	6b
8:	adr	x0, msg_newline
	bl	puts

	/* CPU get info: hypercall statistic (1000 + 3) */
	mov	x0, #7
	mov	x1, #0
	mov	x2, #1003
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_hypercalls
	bl	put_result

	/* an unknown code */
	mov	x0, #99
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_unknown
	bl	put_result

	/* SMCs now trap to the hypervisor: PSCI version is forwarded to the firmware,
	   CPU_ON of a CPU that never entered is refused, an unknown service is not supported */
	ldr	w0, =0x84000000
	smc	#0
	mov	x1, x0
	adr	x0, msg_psci_version
	bl	put_result
	ldr	w0, =0xc4000003
	mov	x1, #1
	adr	x2, _start
	mov	x3, #0
	smc	#0
	mov	x1, x0
	adr	x0, msg_cpu_on
	bl	put_result
	ldr	w0, =0xc2000000
	smc	#0
	mov	x1, x0
	adr	x0, msg_sip
	bl	put_result

	/* CPU_ON (SMC32) with garbage in bits 63:32 of the target: it names CPU 0 all the same,
	   which runs (ALREADY_ON, not INVALID_PARAMETERS) */
	ldr	w0, =0x84000003
	ldr	x1, =0xdeadbeef00000000
	ldr	x2, =0xdeadbeef00000000
	mov	x3, #0
	smc	#0
	mov	x1, x0
	adr	x0, msg_cpu_on32
	bl	put_result

	/* SYSTEM_OFF and SYSTEM_RESET: refused under the hypervisor (else QEMU would end here) */
	ldr	w0, =0x84000008
	smc	#0
	mov	x1, x0
	adr	x0, msg_system_off
	bl	put_result
	ldr	w0, =0x84000009
	smc	#0
	mov	x1, x0
	adr	x0, msg_system_reset
	bl	put_result

	/* DC ISW traps (HCR_EL2.TSW) and is performed: two exits between the statistics reads */
	mov	x0, #7				/* CPU get info: CPU 0, all exits (1000 + 0) */
	mov	x1, #0
	mov	x2, #1000
	hvc	#0x4a48
	mov	x20, x0
	mov	x5, #0				/* level 1, set 0, way 0 */
	dc	isw, x5
	mov	x0, #7
	mov	x1, #0
	mov	x2, #1000
	hvc	#0x4a48
	sub	x1, x0, x20
	adr	x0, msg_set_way_exits
	bl	put_result

	/* Disable (0), then a hypercall reaches the stub again */
	mov	x0, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_disable
	bl	put_result
	mov	x0, #6
	mov	x1, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_after
	bl	put_result

	b	done

	/* After a failed entry EL2 must belong to the stub again. */
after_failure:
	mov	x0, #6
	mov	x1, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, msg_after_failure
	bl	put_result
.ifdef EL2_STATE
	adr	x0, msg_el2_after
	bl	print_el2_state
	bl	use_cpu_features
.endif

done:
	adr	x0, msg_done
	bl	puts
	ldr	w0, =0x84000008			/* PSCI SYSTEM_OFF: QEMU exits */
	smc	#0
3:	wfi
	b	3b

.ifdef CELL_TEST
/*
 * The cell test (CPU 0, root cell): CPU 1 is off in the hypervisor; create the cell from the
 * configuration QEMU loaded at CELL_CONFIG, make it loadable, copy the inmate QEMU loaded at
 * INMATE (INMATE_SIZE bytes) into its RAM at CELL_RAM, start it, give it a second, read its
 * state, destroy it; CYCLES more create/load/start/destroy rounds; then CPU 1 comes back to
 * the root cell through PSCI CPU_ON.
 */
	.macro	hypercall code, arg1, message
	mov	x0, #\code
	ldr	x1, =\arg1
	mov	x2, #0
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, \message
	bl	put_result
	.endm

	.macro	hypercall2 code, arg1, arg2, message
	mov	x0, #\code
	ldr	x1, =\arg1
	ldr	x2, =\arg2
	hvc	#0x4a48
	mov	x1, x0
	adr	x0, \message
	bl	put_result
	.endm

.ifndef CELL_SECONDS
	.set	CELL_SECONDS, 1
.endif

cell_test:
	/* PSCI AFFINITY_INFO until CPU 1 is off */
1:	ldr	w0, =0xc4000004
	mov	x1, #1
	mov	x2, #0
	smc	#0
	cmp	x0, #1
	b.ne	1b
	/* The GIC as Linux leaves it (through the emulation): the distributor on (ARE, group 1),
	   both CPUs' redistributors awake, so the hypervisor's event SGI reaches CPU 1 in the
	   cell when destroy has to stop it (GICv2: the distributor on; the hypervisor enabled each
	   CPU's physical interface at entry) */
	ldr	x9, =GICD_BASE
.ifdef GICV2
	mov	w0, #1
	str	w0, [x9]
.else
	mov	w0, #0x12
	str	w0, [x9]
1:	ldr	w0, [x9]
	tbnz	w0, #31, 1b
	ldr	x9, =GICR_BASE
	str	wzr, [x9, #0x14]
	ldr	x9, =(GICR_BASE + 0x20000)
	str	wzr, [x9, #0x14]
.endif
.ifdef SEND_SGI
	/* SGI 3 enabled on CPU 0 (GICv3: in group 1, its redistributor; GICv2: the banked
	   GICD_ISENABLER0; through the emulation): an SGI 3 the cell manages to send here would
	   be taken at EL2 and injected (vmexits_virq) */
.ifdef GICV2
	ldr	x9, =GICD_BASE
	mov	w0, #(1 << 3)
	str	w0, [x9, #0x100]
.else
	ldr	x9, =(GICR_BASE + 0x10000)
	ldr	w0, [x9, #0x80]
	orr	w0, w0, #(1 << 3)
	str	w0, [x9, #0x80]
	mov	w0, #(1 << 3)
	str	w0, [x9, #0x100]
.endif
	hypercall2 7, 0, 1005, msg_cpu0_virq
.endif
	hypercall 5, 1, msg_pool_used
	hypercall 1, CELL_CONFIG, msg_cell_create
.ifdef ROOT_WRITES_CELL
	/* The cell's RAM (neither rootshared nor loadable yet) left the root cell: this stops CPU 0 */
	ldr	x1, =CELL_RAM
	mov	w0, #0x5a
	str	w0, [x1]
	adr	x0, msg_root_wrote_cell
	bl	puts
.endif
	bl	cell_load_start
	/* the cell prints on the same UART: its start is reported once it had CELL_SECONDS */
	ldr	x27, =CELL_SECONDS
6:	bl	delay
	subs	x27, x27, #1
	b.ne	6b
	adr	x0, msg_cell_start
	mov	x1, x26
	bl	put_result
.ifdef CELL_MMIO_STATS
	hypercall2 7, 1, 1001, msg_cpu1_mmio
.endif
.ifdef SEND_SGI
	hypercall2 7, 0, 1005, msg_cpu0_virq
	hypercall2 7, 1, 1006, msg_cpu1_vsgi
	hypercall2 7, 1, 1005, msg_cpu1_virq
.endif
	hypercall 6, 1, msg_cell1_state
	hypercall 7, 1, msg_cpu1_state
	hypercall 4, 1, msg_cell_destroy
	hypercall 4, 1, msg_cell_destroy
	hypercall 6, 1, msg_cell1_state
	/* More rounds; x23 counts the calls that did not answer as they should */
	mov	x23, #0
	ldr	x24, =CYCLES
	cbz	x24, 3f
2:	mov	x0, #1
	ldr	x1, =CELL_CONFIG
	hvc	#0x4a48
	cmp	x0, #1
	cinc	x23, x23, ne
	mov	x0, #3
	mov	x1, #1
	hvc	#0x4a48
	cmp	x0, #0
	cinc	x23, x23, ne
	mov	x0, #2
	mov	x1, #1
	hvc	#0x4a48
	cmp	x0, #0
	cinc	x23, x23, ne
	mov	x0, #4
	mov	x1, #1
	hvc	#0x4a48
	cmp	x0, #0
	cinc	x23, x23, ne
	subs	x24, x24, #1
	b.ne	2b
3:	adr	x0, msg_cycle_failures
	mov	x1, x23
	bl	put_result
	hypercall 5, 1, msg_pool_used
	hypercall 5, 4, msg_cells
	/* CPU 1 back to the root cell: PSCI CPU_ON as Linux's add_cpu */
	ldr	w0, =0xc4000003
	mov	x1, #1
	adr	x2, cpu1_back
	mov	x3, #0
	smc	#0
	mov	x1, x0
	adr	x0, msg_cpu1_on
	bl	put_result
	adr	x1, cpu1_back_flag
4:	ldr	x0, [x1]
	cbnz	x0, 5f
	wfe
	b	4b
5:	adr	x0, msg_cpu1_back
	bl	puts
	hypercall 7, 1, msg_cpu1_state
	b	done

/* set loadable, copy the inmate, start (its result in x26); clobbers x0-x7, x25 */
cell_load_start:
	mov	x25, x30
	hypercall 3, 1, msg_cell_loadable
	ldr	x1, =INMATE
	ldr	x2, =CELL_RAM
	ldr	x3, =INMATE_SIZE
1:	ldrb	w4, [x1], #1
	strb	w4, [x2], #1
	subs	x3, x3, #1
	b.ne	1b
	mov	x0, #2
	mov	x1, #1
	mov	x2, #0
	hvc	#0x4a48
	mov	x26, x0
	ret	x25

/* about a second of the counter */
delay:
	mrs	x0, cntfrq_el0
	mrs	x1, cntpct_el0
	add	x1, x1, x0
1:	mrs	x0, cntpct_el0
	cmp	x0, x1
	b.lo	1b
	ret

/* CPU 1, turned on again by the root cell: MMU off, EL1, x0 = 0 */
cpu1_back:
	ldr	x0, =stack_top
	sub	x0, x0, #4096
	mov	sp, x0
	adr	x1, cpu1_back_flag
	mov	x0, #1
	str	x0, [x1]
	dsb	sy
	sev
1:	wfe
	b	1b
.endif
.ifdef PROBE_IRQ
/* irq_cpu_setup: this CPU's EL1 vectors and (virtual) CPU interface; clobbers x0, x1 */
irq_cpu_setup:
	adr	x0, el1_vectors
	msr	vbar_el1, x0
.ifdef GICV2
	ldr	x1, =GICC_BASE			/* the virtual CPU interface (GICV) at stage 2 */
	mov	w0, #0xff
	str	w0, [x1, #0x4]			/* GICC_PMR */
	mov	w0, #1
	str	w0, [x1]			/* GICC_CTLR: group 0 on, EOImode 0 */
	ret
.endif
	mov	x0, #0xff
	msr	S3_0_C4_C6_0, x0		/* ICC_PMR_EL1 */
	msr	S3_0_C12_C12_4, xzr		/* ICC_CTLR_EL1: EOImode 0 */
	mov	x0, #1
	msr	S3_0_C12_C12_7, x0		/* ICC_IGRPEN1_EL1 */
	isb
	ret

/* wait_irqs(x1 = count): until CPU 0 has taken x1 interrupts (or a long while); x1 = the
   last INTID (or ffff... on a timeout); clobbers x0-x3 */
wait_irqs:
	adr	x0, irq_counts
	mov	x2, #0x4000000
1:	ldr	x3, [x0]
	cmp	x3, x1
	b.hs	2f
	subs	x2, x2, #1
	b.ne	1b
	mov	x1, #-1
	ret
2:	adr	x0, irq_last
	ldr	x1, [x0]
	ret

/* The IRQ handler: acknowledge, silence the timer, count, end the interrupt. */
el1_irq_handler:
	stp	x0, x1, [sp, #-48]!
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
.ifdef GICV2
	ldr	x1, =GICC_BASE
	ldr	w3, [x1, #0xc]			/* GICC_IAR (an SGI's source CPU in 12:10) */
	and	x0, x3, #0x3ff
.else
	mrs	x0, S3_0_C12_C12_0		/* ICC_IAR1_EL1 */
.endif
	cmp	x0, #1020
	b.hs	1f
	cmp	x0, #27
	b.ne	2f
	msr	cntv_ctl_el0, xzr
	isb
2:	adr	x1, irq_last
	str	x0, [x1, x19, lsl #3]
	cbnz	x19, 3f
	cmp	x0, #64
	b.hs	3f
	adr	x4, irq_seen			/* CPU 0: which INTIDs below 64 arrived */
	ldr	x5, [x4]
	mov	x1, #1
	lsl	x1, x1, x0
	orr	x5, x5, x1
	str	x5, [x4]
3:
	adr	x1, irq_counts
	ldr	x2, [x1, x19, lsl #3]
	add	x2, x2, #1
	str	x2, [x1, x19, lsl #3]
.ifdef GICV2
	ldr	x1, =GICC_BASE
	str	w3, [x1, #0x10]			/* GICC_EOIR: the IAR value as read */
.else
	msr	S3_0_C12_C12_1, x0		/* ICC_EOIR1_EL1 */
.endif
	dsb	sy
	sev
1:	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp], #48
	eret

	.balign	2048
el1_vectors:
	.rept	4			/* current EL with SP0 */
	.balign	128
	b	.
	.endr
	.balign	128			/* current EL with SPx: sync */
	b	.
	.balign	128			/* IRQ */
	b	el1_irq_handler
	.balign	128
	b	.
	.balign	128
	b	.
	.rept	8
	.balign	128
	b	.
	.endr
.endif

/* puts(x0 = NUL-terminated string); clobbers x0-x3 */
puts:
	ldr	x1, =UART
4:	ldrb	w2, [x0], #1
	cbz	w2, 6f
5:	ldr	w3, [x1, #0x18]
	tbnz	w3, #5, 5b
	str	w2, [x1]
	b	4b
6:	ret

/* put_result(x0 = label, x1 = value): "<label>0x<hex>\n"; clobbers x0-x8 */
put_result:
	mov	x8, x30
	bl	put_value
	adr	x0, msg_newline
	bl	puts
	ret	x8

/* put_value(x0 = label, x1 = value): "<label><16 hex digits>"; clobbers x0-x7 */
put_value:
	mov	x7, x30
	mov	x6, x1
	bl	puts
	ldr	x1, =UART
	mov	x4, #60
7:	lsr	x2, x6, x4
	and	x2, x2, #0xf
	cmp	x2, #10
	add	x3, x2, #'0'
	add	x5, x2, #('a' - 10)
	csel	x2, x3, x5, lo
8:	ldr	w3, [x1, #0x18]
	tbnz	w3, #5, 8b
	str	w2, [x1]
	subs	x4, x4, #4
	b.pl	7b
	ret	x7

.ifdef EL2_STATE
/* print_el2_state(x0 = label): the stub's view of EL2 in one line; clobbers x0-x9 */
print_el2_state:
	mov	x9, x30
	bl	puts
	mov	x0, #STUB_READ_EL2
	hvc	#0
	adr	x8, el2_values
	stp	x0, x1, [x8]
	stp	x2, x3, [x8, #16]
	stp	x4, x5, [x8, #32]
	stp	x6, x7, [x8, #48]
	mov	x8, #0
2:	adr	x0, msg_space
	adr	x1, el2_values
	ldr	x1, [x1, x8, lsl #3]
	stp	x8, x9, [sp, #-16]!
	bl	put_value
	ldp	x8, x9, [sp], #16
	add	x8, x8, #1
	cmp	x8, #8
	b.lo	2b
	adr	x0, msg_newline
	bl	puts
	ret	x9

/* What the CPU offers EL1 and Linux would use, each where the CPU has it: SVE registers across
   a trap to EL2 (a hypercall), a pointer-authentication instruction, an MTE register. */
	.arch_extension	sve
	.arch_extension	pauth
use_cpu_features:
	mov	x22, x30
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #32, #4
	cbz	x0, 1f
	index	z0.b, #0, #1
	ptrue	p0.b
	ptrue	p3.h, vl8
	mov	x0, #6				/* cell get state: a trap to whatever owns EL2 */
	mov	x1, #0
	hvc	#0x4a48
	uaddv	d1, p0, z0.b
	fmov	x1, d1
	rdvl	x23, #1
	cntp	x24, p0, p3.h
	adr	x0, msg_sve_sum
	bl	put_result
	mov	x1, x23
	adr	x0, msg_sve_vl
	bl	put_result
	mov	x1, x24
	adr	x0, msg_sve_pred
	bl	put_result
1:	mrs	x0, id_aa64isar1_el1
	ubfx	x0, x0, #24, #8			/* GPA, GPI: generic authentication */
	cbz	x0, 2f
	mov	x2, #0x1234
	mov	x3, #0x5678
	pacga	x1, x2, x3
	adr	x0, msg_pacga
	bl	puts
2:	mrs	x0, id_aa64pfr1_el1
	ubfx	x0, x0, #8, #4			/* MTE */
	cmp	x0, #2
	b.lo	3f
	mrs	x1, S3_0_C1_C0_6		/* GCR_EL1 */
	adr	x0, msg_mte
	bl	puts
3:	ret	x22

.endif

/* Linux's hyp stub, as far as Jailhouse uses it */
	.balign	2048
stub_vectors:
	.rept	8
	.balign	128
	b	.
	.endr
	.balign	128			/* synchronous from EL1 */
	b	stub_hvc
	.rept	7
	.balign	128
	b	.
	.endr
stub_hvc:
.ifdef EL2_STATE
	cmp	x0, #STUB_READ_EL2
	b.ne	1f
	mrs	x0, hcr_el2
	mrs	x1, cptr_el2
	mrs	x2, sctlr_el2
	mrs	x3, tcr_el2
	mrs	x4, mair_el2
	mrs	x5, tpidr_el2
	mrs	x6, vttbr_el2
	mov	x7, sp
	eret
1:
.endif
	cbnz	x0, 9f
	msr	vbar_el2, x1
	mov	x0, #0
	eret
9:	ldr	x0, =HVC_STUB_ERR
	eret

	.ltorg
msg_enter:		.asciz	"loader: calling the hypervisor entry\n"
msg_returned:		.asciz	"loader: entry returned "
msg_probe_read:		.asciz	"loader: hypervisor memory reads "
msg_probe_written:	.asciz	"loader: hypervisor memory was writable\n"
msg_comm_header:	.asciz	"loader: comm region header "
msg_comm_gic_version:	.asciz	"loader: comm region gic version "
msg_comm_gicd:		.asciz	"loader: comm region gicd base "
msg_subpage:		.asciz	"loader: printing through the sub-page UART\n"
msg_mmio_exits:		.asciz	"loader: mmio exits "
msg_subpage_escaped:	.asciz	"loader: read outside the sub-page region\n"
msg_console_tail:	.asciz	"loader: console tail "
msg_console:		.asciz	"loader: console "
msg_cpu_state:		.asciz	"loader: cpu 0 state "
msg_cell_state:		.asciz	"loader: cell 0 state "
msg_cell5_state:	.asciz	"loader: cell 5 state "
msg_cells:		.asciz	"loader: cells "
msg_via_hypercall:	.asciz	"hello from the root cell via hypercall\n"
msg_putc:		.asciz	"loader: putc "
msg_hypercalls:		.asciz	"loader: hypercalls "
msg_unknown:		.asciz	"loader: unknown hypercall "
msg_psci_version:	.asciz	"loader: psci version "
msg_cpu_on:		.asciz	"loader: psci cpu_on "
msg_sip:		.asciz	"loader: sip call "
msg_cpu_on32:		.asciz	"loader: psci cpu_on32 "
msg_system_off:		.asciz	"loader: psci system_off "
msg_system_reset:	.asciz	"loader: psci system_reset "
msg_set_way_exits:	.asciz	"loader: exits for dc isw "
msg_actlr:		.asciz	"loader: actlr_el1 read "
msg_gicr_propbaser:	.asciz	"loader: gicr propbaser "
msg_gicr_propbaser_after: .asciz "loader: gicr propbaser after disable "
msg_gicr_typer:		.asciz	"loader: gicr typer "
msg_gicr_enabled:	.asciz	"loader: gicr isenabler0 "
msg_disable:		.asciz	"loader: disable "
msg_after:		.asciz	"loader: after disable "
msg_after_failure:	.asciz	"loader: after failure "
msg_cpu1_returned:	.asciz	"loader: cpu 1 entry returned "
msg_cpu1_state:		.asciz	"loader: cpu 1 state "
msg_cpu0_virq:		.asciz	"loader: cpu 0 virq "
msg_cpu1_mmio:		.asciz	"loader: cpu 1 mmio "
msg_cpu1_vsgi:		.asciz	"loader: cpu 1 vsgi "
msg_cpu1_virq:		.asciz	"loader: cpu 1 virq "
msg_linux:		.asciz	"loader: starting Linux as the root cell\n"
msg_el2_before:		.asciz	"loader: el2 before"
msg_el2_after:		.asciz	"loader: el2 after"
msg_space:		.asciz	" "
msg_sve_sum:		.asciz	"loader: sve z0 sum "
msg_sve_vl:		.asciz	"loader: sve vector length "
msg_sve_pred:		.asciz	"loader: sve p3 count "
msg_pacga:		.asciz	"loader: pacga ran\n"
msg_mte:		.asciz	"loader: mte register read\n"
msg_done:		.asciz	"loader: done\n"
msg_pool_used:		.asciz	"loader: mem_pool_used "
msg_cell_create:	.asciz	"loader: cell create "
msg_cell_loadable:	.asciz	"loader: cell set loadable "
msg_cell_start:		.asciz	"loader: cell start "
msg_cell1_state:	.asciz	"loader: cell 1 state "
msg_cell_destroy:	.asciz	"loader: cell destroy "
msg_cycle_failures:	.asciz	"loader: cycle failures "
msg_cpu1_on:		.asciz	"loader: psci cpu_on cpu 1 "
msg_cpu1_back:		.asciz	"loader: cpu 1 back in the root cell\n"
msg_root_wrote_cell:	.asciz	"loader: the root cell wrote into the cell's RAM\n"
msg_irq_timer:		.asciz	"loader: irq virtual timer "
msg_irq_sgi:		.asciz	"loader: irq sgi to self "
msg_irq_cpu1:		.asciz	"loader: irq sgi on cpu 1 "
msg_irq_virq:		.asciz	"loader: injected interrupts "
msg_irq_vsgi:		.asciz	"loader: trapped sgis "
msg_irq_burst:		.asciz	"loader: irq burst seen "
msg_irq_maintenance:	.asciz	"loader: maintenance interrupts "
msg_newline:		.asciz	"\n"

	.data
	.balign	8
cpu1_result:
	.quad	-1
cpu1_back_flag:
	.quad	0
console_page:
	.quad	0
el2_values:
	.space	64
irq_counts:
	.quad	0, 0
irq_last:
	.quad	0, 0
irq_seen:
	.quad	0

	.bss
	.balign	16
	.space	8192
stack_top:
