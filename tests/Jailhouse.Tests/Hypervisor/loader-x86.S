/*
 * Test loader for the x86-64 hypervisor in QEMU (TCG, no VT-x): a multiboot v1 kernel
 * ("a.out kludge" header, which QEMU's -kernel accepts for flat images) that plays the
 * driver's part of the entry contract as far as this machine allows. It switches to 64-bit
 * mode with page tables that identity-map the first GiB and map hypervisor memory (HV_PHYS,
 * 6 MiB) at JAILHOUSE_BASE 0xfffffffff0000000, as Linux does with the driver's mapping, enables
 * SSE (Linux has), and calls entry(0). It prints the result on COM1 and leaves QEMU through
 * the isa-debug-exit device. QEMU's loader devices place the image and the configuration.
 *
 * Assemble with --defsym HV_PHYS=<physical address of hypervisor memory> and --defsym
 * HEADER_ENTRY=<offset of entry in the header> (X86QemuTests passes HypervisorHeader's).
 */
	.equ	MB_MAGIC, 0x1badb002
	.equ	MB_FLAGS, 0x00010003
	.equ	COM1, 0x3f8
	.equ	DEBUG_EXIT, 0xf4
	.equ	HV_VIRT_PD_INDEX, 384		/* 0xfffffffff0000000 >> 21 & 511 */

	.text
	.code32
	.globl	_start
_start:
multiboot_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	multiboot_header		/* header_addr */
	.long	_start				/* load_addr */
	.long	_edata				/* load_end_addr */
	.long	_end				/* bss_end_addr */
	.long	entry32				/* entry_addr */

entry32:
	cli
	mov	$stack_top, %esp

	/* PML4[0] -> PDPT low -> PD low: 0..1 GiB identity in 2 MiB pages */
	mov	$pdpt_low, %eax
	or	$3, %eax
	mov	%eax, pml4
	mov	$pd_low, %eax
	or	$3, %eax
	mov	%eax, pdpt_low
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax			/* present, writable, 2 MiB */
	mov	%eax, pd_low(,%ecx,8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b

	/* PML4[511] -> PDPT high [511] -> PD high: hypervisor memory at JAILHOUSE_BASE */
	mov	$pdpt_high, %eax
	or	$3, %eax
	mov	%eax, pml4 + 511 * 8
	mov	$pd_high, %eax
	or	$3, %eax
	mov	%eax, pdpt_high + 511 * 8
	mov	$HV_PHYS, %eax
	or	$0x83, %eax
	mov	%eax, pd_high + HV_VIRT_PD_INDEX * 8
	add	$0x200000, %eax
	mov	%eax, pd_high + (HV_VIRT_PD_INDEX + 1) * 8
	add	$0x200000, %eax
	mov	%eax, pd_high + (HV_VIRT_PD_INDEX + 2) * 8

	mov	%cr4, %eax
	or	$((1 << 5) | (1 << 9) | (1 << 10)), %eax	/* PAE, OSFXSR, OSXMMEXCPT */
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	and	$~(1 << 2), %eax		/* no FPU emulation */
	or	$((1 << 31) | (1 << 1) | 1), %eax	/* PG, MP, PE */
	mov	%eax, %cr0
	lgdt	gdt_pointer
	ljmp	$0x08, $entry64

	.code64
entry64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$stack_top, %rsp

	lea	msg_enter(%rip), %rsi
	call	puts
	movabs	$0xfffffffff0000000, %rax
	mov	HEADER_ENTRY(%rax), %rbx	/* header.entry */
	add	%rax, %rbx
	xor	%edi, %edi			/* cpu_id 0 */
	call	*%rbx
	movslq	%eax, %r12			/* int result */
	lea	msg_returned(%rip), %rsi
	call	puts
	mov	%r12, %rdi
	call	put_hex
	lea	msg_done(%rip), %rsi
	call	puts
	mov	$0, %al
	out	%al, $DEBUG_EXIT
2:	hlt
	jmp	2b

/* puts(%rsi = NUL-terminated string) */
puts:
	lodsb
	test	%al, %al
	jz	4f
	mov	%al, %ah
	mov	$COM1 + 5, %dx
3:	in	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	$COM1, %dx
	mov	%ah, %al
	out	%al, %dx
	jmp	puts
4:	ret

/* put_hex(%rdi) */
put_hex:
	mov	$60, %cl
5:	mov	%rdi, %rax
	shr	%cl, %rax
	and	$0xf, %eax
	lea	hex_digits(%rip), %rsi
	mov	(%rsi,%rax), %ah
	mov	$COM1 + 5, %dx
6:	in	%dx, %al
	test	$0x20, %al
	jz	6b
	mov	$COM1, %dx
	mov	%ah, %al
	out	%al, %dx
	sub	$4, %cl
	jns	5b
	ret

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 64-bit code */
	.quad	0x00cf92000000ffff		/* data */
gdt_pointer:
	.word	gdt_pointer - gdt - 1
	.long	gdt
hex_digits:	.ascii	"0123456789abcdef"
msg_enter:	.asciz	"loader: calling the hypervisor entry\n"
msg_returned:	.asciz	"loader: entry returned "
msg_done:	.asciz	"\nloader: done\n"
_edata:

	.bss
	.balign	4096
pml4:		.space	4096
pdpt_low:	.space	4096
pd_low:		.space	4096
pdpt_high:	.space	4096
pd_high:	.space	4096
		.space	16384
stack_top:
_end:
