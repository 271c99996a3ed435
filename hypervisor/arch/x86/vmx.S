/*
 * Entering and leaving a VMX guest. The guest's general registers live in the per-CPU area
 * (X86Registers at PERCPU_GUEST_REGS); the host stack pointer in the VMCS is the end of the
 * per-CPU area, so on a VM exit %rsp locates it.
 */
#include "asm-defines.h"

	.text

/* All but rdi, which the caller loads last (it is usually the base). */
.macro load_guest_registers base
	mov	0x08(\base), %rcx
	mov	0x10(\base), %rdx
	mov	0x18(\base), %rbx
	mov	0x28(\base), %rbp
	mov	0x30(\base), %rsi
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

/*
 * void x86_leave_to_guest(u64 *state, u64 *registers): after VMXOFF, continue the guest
 * natively where its last VM exit left it (the disable hypercall). state (Vmx.LeaveToGuest):
 * 0 cr3, 1 gdtr base, 2 gdtr limit, 3 idtr base, 4 idtr limit, 5 rip, 6 rsp, 7 rflags,
 * 8 cs, 9 ss, 10 ds, 11 es, 12 fs, 13 gs, 14 fs base, 15 gs base, 16 tr (0: keep),
 * 17 ldtr, 18 scratch GDT. The guest's (Linux's) page tables come first: the host's have
 * nothing of Linux, and Linux's map hypervisor memory, where this code, its stack and the
 * state are, at the same addresses.
 */
	.globl	x86_leave_to_guest
	.type	x86_leave_to_guest, @function
x86_leave_to_guest:
	mov	0(%rdi), %rax
	mov	%rax, %cr3
	sub	$32, %rsp
	/*
	 * TR: Linux's descriptor is busy (Linux loaded it) and LTR takes only an available one,
	 * so load it from a copy with the busy bit clear in the scratch GDT; the TR cache then
	 * holds Linux's base and limit (the VM exit left a limit of 0x67).
	 */
	mov	128(%rdi), %rcx
	test	%rcx, %rcx
	jz	1f
	mov	8(%rdi), %rdx
	mov	144(%rdi), %r8
	mov	0(%rdx,%rcx), %rax
	mov	%rax, 0(%r8,%rcx)
	mov	8(%rdx,%rcx), %rax
	mov	%rax, 8(%r8,%rcx)
	andb	$~2, 5(%r8,%rcx)
	lea	15(%rcx), %rax
	mov	%ax, 0(%rsp)
	mov	%r8, 2(%rsp)
	lgdt	0(%rsp)
	ltr	%cx
1:	mov	16(%rdi), %ax
	mov	%ax, 0(%rsp)
	mov	8(%rdi), %rax
	mov	%rax, 2(%rsp)
	lgdt	0(%rsp)
	mov	32(%rdi), %ax
	mov	%ax, 16(%rsp)
	mov	24(%rdi), %rax
	mov	%rax, 18(%rsp)
	lidt	16(%rsp)
	add	$32, %rsp
	mov	136(%rdi), %ax
	lldt	%ax
	/* selectors first: loading FS/GS may change their bases */
	mov	80(%rdi), %ax
	mov	%ax, %ds
	mov	88(%rdi), %ax
	mov	%ax, %es
	mov	96(%rdi), %ax
	mov	%ax, %fs
	mov	104(%rdi), %ax
	mov	%ax, %gs
	mov	$0xc0000100, %ecx
	mov	112(%rdi), %eax
	mov	116(%rdi), %edx
	wrmsr
	mov	$0xc0000101, %ecx
	mov	120(%rdi), %eax
	mov	124(%rdi), %edx
	wrmsr
	/* iretq frame: ss, rsp, rflags, cs, rip */
	pushq	72(%rdi)
	pushq	48(%rdi)
	pushq	56(%rdi)
	pushq	64(%rdi)
	pushq	40(%rdi)
	mov	%rsi, %rdi
	load_guest_registers %rdi
	mov	0x38(%rdi), %rdi
	iretq
