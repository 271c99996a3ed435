/*
 * x86-64 entry. The driver calls arch_entry(cpu_id, header) (System V ABI, 64-bit mode) on
 * every online CPU through its own mapping of hypervisor memory (an ioremap, anywhere in the
 * kernel's address space). The image is position independent: the first CPU applies its
 * R_X86_64_RELATIVE relocations for the address it runs at, the others wait for that.
 * We save the caller's flags and callee-saved registers on Linux's stack and Linux's CR3 in
 * the per-CPU area, switch to the CPU's hypervisor stack, save Linux's FPU/SSE state (the
 * compiled C# uses SSE registers) and call hypervisor_init. On success the CPU comes back to
 * Linux as a VMX guest (x86_vmx_launch, vmx.S); on failure we return the error code the plain
 * way, on Linux's CR3 again.
 */
#include "asm-defines.h"

	.section .text.entry, "ax"
	.globl	arch_entry
	.type	arch_entry, @function
arch_entry:
	endbr64
	pushfq
	cli
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15

	/* Relocate once: 0 = not yet, 1 = under way, 2 = done (the driver copies a fresh image). */
	lea	relocation_state(%rip), %r11
	mov	$1, %ecx
	xor	%eax, %eax
	lock cmpxchg %ecx, (%r11)
	jnz	3f
	lea	hypervisor_header(%rip), %r10
	movabs	$JAILHOUSE_BASE, %rax
	sub	%rax, %r10			/* delta: run address - link address */
	lea	__rela_start(%rip), %rsi
	lea	__rela_end(%rip), %rdx
4:	cmp	%rdx, %rsi
	jae	5f
	cmpl	$R_X86_64_RELATIVE, 8(%rsi)
	jne	6f
	mov	0(%rsi), %rax			/* r_offset (link address) */
	mov	16(%rsi), %rcx			/* r_addend */
	add	%r10, %rcx
	mov	%rcx, (%rax,%r10)
6:	add	$24, %rsi
	jmp	4b
5:	movl	$2, (%r11)
3:	cmpl	$2, (%r11)
	je	7f
	pause
	jmp	3b
7:
	/* a CPU without a per-CPU area: refuse */
	mov	%edi, %edi
	lea	hypervisor_header(%rip), %rax
	mov	HEADER_MAX_CPUS(%rax), %eax
	cmp	%rax, %rdi
	jb	1f
	mov	$-22, %eax
	jmp	2f
1:
	/* per-CPU area = page pool + cpu_id * PERCPU_SIZE */
	mov	%rdi, %rsi
	imul	$PERCPU_SIZE, %rsi, %rsi
	lea	__page_pool(%rip), %rax
	add	%rax, %rsi
	mov	%rsp, PERCPU_CALLER_STACK(%rsi)
	mov	%cr3, %rdx
	mov	%rdx, PERCPU_LINUX_CR3(%rsi)
	lea	PERCPU_SIZE(%rsi), %rsp
	fxsave64 PERCPU_FXSAVE(%rsi)

	/* hypervisor_init(cpu_id, per_cpu, header, system config) */
	lea	hypervisor_header(%rip), %rdx
	mov	HEADER_MAX_CPUS(%rdx), %ecx
	imul	$PERCPU_SIZE, %rcx, %rcx
	add	%rax, %rcx
	push	%rsi
	push	%rsi			/* keeps the stack 16-byte aligned at the call */
	call	hypervisor_init
	pop	%rsi
	pop	%rsi

	/* failed: back on Linux's page tables (setup may have switched to the host's) */
	mov	PERCPU_LINUX_CR3(%rsi), %rdx
	mov	%rdx, %cr3
	fxrstor64 PERCPU_FXSAVE(%rsi)
	mov	PERCPU_CALLER_STACK(%rsi), %rsp
2:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	popfq
	ret

	.data
	.balign	4
relocation_state:
	.long	0
