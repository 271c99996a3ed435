/*
 * Leaf helpers for what C# cannot express on x86-64: port I/O, MSRs, control and segment
 * registers, descriptor tables, VMX instructions, atomics, halting. System V ABI.
 */
	.text

.macro function name
	.globl	\name
	.type	\name, @function
\name:
.endm

function x86_outb			/* (u16 port, u8 value) */
	mov	%edi, %edx
	mov	%esi, %eax
	outb	%al, %dx
	ret

function x86_inb			/* u8 (u16 port) */
	mov	%edi, %edx
	xor	%eax, %eax
	inb	%dx, %al
	ret

function x86_read_msr			/* u64 (u32 msr) */
	mov	%edi, %ecx
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	ret

function x86_write_msr			/* (u32 msr, u64 value) */
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
	wrmsr
	ret

function x86_cpuid			/* (u32 leaf, u32 subleaf, u32 out[4]) */
	push	%rbx
	mov	%edi, %eax
	mov	%esi, %ecx
	mov	%rdx, %r8
	cpuid
	mov	%eax, 0(%r8)
	mov	%ebx, 4(%r8)
	mov	%ecx, 8(%r8)
	mov	%edx, 12(%r8)
	pop	%rbx
	ret

function x86_read_cr0
	mov	%cr0, %rax
	ret
function x86_read_cr2
	mov	%cr2, %rax
	ret
function x86_read_cr3
	mov	%cr3, %rax
	ret
function x86_read_cr4
	mov	%cr4, %rax
	ret
function x86_write_cr4
	mov	%rdi, %cr4
	ret
function x86_write_cr0
	mov	%rdi, %cr0
	ret
function x86_write_cr3
	mov	%rdi, %cr3
	ret

function x86_xsetbv			/* int (u32 index, u64 value): 0, or -1 if CPUID says no XSAVE */
	push	%rbx
	mov	$1, %eax
	xor	%ecx, %ecx
	cpuid
	pop	%rbx
	bt	$26, %ecx
	jnc	1f
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
	xsetbv
	xor	%eax, %eax
	ret
1:	mov	$-1, %eax
	ret

function x86_outw			/* (u16 port, u16 value) */
	mov	%edi, %edx
	mov	%esi, %eax
	outw	%ax, %dx
	ret
function x86_outl			/* (u16 port, u32 value) */
	mov	%edi, %edx
	mov	%esi, %eax
	outl	%eax, %dx
	ret
function x86_inw			/* u16 (u16 port) */
	mov	%edi, %edx
	xor	%eax, %eax
	inw	%dx, %ax
	ret
function x86_inl			/* u32 (u16 port) */
	mov	%edi, %edx
	inl	%dx, %eax
	ret
function x86_read_rflags
	pushfq
	pop	%rax
	ret

/* u16 x86_read_selectors(u16 out[8]): es, cs, ss, ds, fs, gs, ldtr, tr */
function x86_read_selectors
	mov	%es, 0(%rdi)
	mov	%cs, 2(%rdi)
	mov	%ss, 4(%rdi)
	mov	%ds, 6(%rdi)
	mov	%fs, 8(%rdi)
	mov	%gs, 10(%rdi)
	sldt	12(%rdi)
	str	14(%rdi)
	ret

function x86_store_gdt			/* (u8 out[10]) */
	sgdt	(%rdi)
	ret
function x86_store_idt
	sidt	(%rdi)
	ret

/* VMX instructions: 0 on success, -1 on VMfailInvalid/VMfailValid (CF or ZF set) */
.macro vmx_result
	jbe	1f
	xor	%eax, %eax
	ret
1:	mov	$-1, %eax
	ret
.endm

function x86_vmxon			/* (u64 *region_phys) */
	vmxon	(%rdi)
	vmx_result
function x86_vmxoff
	vmxoff
	ret
function x86_vmclear			/* (u64 *vmcs_phys) */
	vmclear	(%rdi)
	vmx_result
function x86_vmptrld			/* (u64 *vmcs_phys) */
	vmptrld	(%rdi)
	vmx_result
function x86_vmwrite			/* (u64 field, u64 value) */
	vmwrite	%rsi, %rdi
	vmx_result
function x86_invept_all		/* INVEPT type 2 (all contexts) */
	sub	$16, %rsp
	movq	$0, 0(%rsp)
	movq	$0, 8(%rsp)
	mov	$2, %eax
	invept	(%rsp), %rax
	add	$16, %rsp
	ret
function x86_vmread			/* u64 (u64 field) */
	vmread	%rdi, %rax
	ret

function x86_vmx_exit_address
	lea	x86_vmx_exit(%rip), %rax
	ret

function x86_atomic_increment		/* u32 (u32 *value) */
	mov	$1, %eax
	lock xadd %eax, (%rdi)
	inc	%eax
	ret
function x86_atomic_exchange		/* u32 (u32 *value, u32 new) */
	mov	%esi, %eax
	xchg	%eax, (%rdi)
	ret
function x86_load_acquire		/* u32 (u32 *value): x86 loads are acquire */
	mov	(%rdi), %eax
	ret
function x86_store_release		/* (u32 *value, u32 new_value) */
	mov	%esi, (%rdi)
	ret

function x86_memory_barrier
	mfence
	ret

function x86_park
	cli
1:	hlt
	jmp	1b

/* ILCompiler brackets every RuntimeExport method with these; there is no runtime to tell. */
function RhpReversePInvoke
	ret
function RhpReversePInvokeReturn
	ret
function RhpFallbackFailFast
	jmp	x86_park

	.data
	.balign	8
	.globl	__security_cookie
__security_cookie:
	.quad	0x2f8a6c1e5b3d4970
