/*
 * x86-64 entry. The driver calls arch_entry(cpu_id) (System V ABI, 64-bit mode) through its
 * mapping of hypervisor memory at JAILHOUSE_BASE in Linux's own page tables (upstream's
 * JAILHOUSE_BORROW_ROOT_PT), so the code runs at its link address from the first instruction.
 * We save the callee-saved registers on Linux's stack, switch to the CPU's hypervisor stack,
 * save Linux's FPU/SSE state (the compiled C# uses SSE registers) and call hypervisor_init.
 * On success the CPU comes back to Linux as a VMX guest (vmx_launch, vmx.S); on failure
 * we return the error code the plain way.
 */
#include "asm-defines.h"

	.section .text.entry, "ax"
	.globl	arch_entry
	.type	arch_entry, @function
arch_entry:
	cli
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15

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

	fxrstor64 PERCPU_FXSAVE(%rsi)
	mov	PERCPU_CALLER_STACK(%rsi), %rsp
2:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
