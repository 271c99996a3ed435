/*
 * Entering and leaving a VMX guest. The guest's general registers live in the per-CPU area
 * (X86Registers at PERCPU_GUEST_REGS); the host stack pointer in the VMCS is the end of the
 * per-CPU area, so on a VM exit %rsp locates it.
 */
#include "asm-defines.h"

	.text

.macro load_guest_registers base
	mov	0x08(\base), %rcx
	mov	0x10(\base), %rdx
	mov	0x18(\base), %rbx
	mov	0x28(\base), %rbp
	mov	0x30(\base), %rsi
	mov	0x38(\base), %rdi
	mov	0x40(\base), %r8
	mov	0x48(\base), %r9
	mov	0x50(\base), %r10
	mov	0x58(\base), %r11
	mov	0x60(\base), %r12
	mov	0x68(\base), %r13
	mov	0x70(\base), %r14
	mov	0x78(\base), %r15
	mov	0x00(\base), %rax
.endm

/* int x86_vmx_launch(struct per_cpu *cpu): returns only if VMLAUNCH fails (-EIO) */
	.globl	x86_vmx_launch
	.type	x86_vmx_launch, @function
x86_vmx_launch:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	fxrstor64 PERCPU_FXSAVE(%rdi)
	lea	PERCPU_GUEST_REGS(%rdi), %rdi
	load_guest_registers %rdi
	mov	0x38(%rdi), %rdi
	vmlaunch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	mov	$-5, %eax
	ret

/* VM exit: save the guest, call x86_handle_exit(registers, per_cpu), resume. */
	.globl	x86_vmx_exit
	.type	x86_vmx_exit, @function
x86_vmx_exit:
	/* %rsp = end of the per-CPU area */
	push	%rax
	lea	8-PERCPU_SIZE(%rsp), %rax
	add	$PERCPU_GUEST_REGS, %rax
	mov	%rcx, 0x08(%rax)
	mov	%rdx, 0x10(%rax)
	mov	%rbx, 0x18(%rax)
	mov	%rbp, 0x28(%rax)
	mov	%rsi, 0x30(%rax)
	mov	%rdi, 0x38(%rax)
	mov	%r8, 0x40(%rax)
	mov	%r9, 0x48(%rax)
	mov	%r10, 0x50(%rax)
	mov	%r11, 0x58(%rax)
	mov	%r12, 0x60(%rax)
	mov	%r13, 0x68(%rax)
	mov	%r14, 0x70(%rax)
	mov	%r15, 0x78(%rax)
	pop	%rcx
	mov	%rcx, 0x00(%rax)
	lea	-PERCPU_GUEST_REGS(%rax), %rsi	/* per-CPU area */
	fxsave64 PERCPU_FXSAVE(%rsi)
	mov	%rax, %rdi
	push	%rsi
	push	%rsi
	call	x86_handle_exit
	pop	%rsi
	pop	%rsi
	fxrstor64 PERCPU_FXSAVE(%rsi)
	lea	PERCPU_GUEST_REGS(%rsi), %rdi
	load_guest_registers %rdi
	mov	0x38(%rdi), %rdi
	vmresume
	/* VMRESUME failed: nothing sane is left to return to. */
	jmp	x86_park
