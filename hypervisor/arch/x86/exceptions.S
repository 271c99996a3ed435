/*
 * The host's exception entries (X86HostDescriptors.FillIdt points the IDT here): one stub of
 * 16 bytes per vector 0-31. An exception in the hypervisor is a bug: the stub makes every
 * frame alike (a zero where the CPU pushes no error code, then the vector) and calls
 * x86_host_exception, which reports it and stops the CPU. An NMI is Linux's, sent while this
 * CPU ran the hypervisor: the stub counts it in the per-CPU area (GS base, VMCS host state)
 * and returns; the exit handler injects it into the guest before resuming it.
 */
#include "asm-defines.h"

	.text

/* Vectors for which the CPU pushes an error code (X86HostDescriptors.HasErrorCode). */
.macro exception_stub vector
	/* each stub at its 16-byte slot (.org refuses to move back: a stub too long fails here) */
	.org	x86_exception_stubs + \vector * 16, 0xcc
.if \vector == 2
	lock incl %gs:PERCPU_HOST_NMIS
	iretq
.else
.if !(\vector == 8 || \vector == 10 || \vector == 11 || \vector == 12 || \vector == 13 || \vector == 14 || \vector == 17 || \vector == 21 || \vector == 29 || \vector == 30)
	pushq	$0
.endif
	pushq	$\vector
	jmp	exception_common
.endif
.endm

	.globl	x86_exception_stubs
	.type	x86_exception_stubs, @function
	.balign	16
x86_exception_stubs:
	.irp vector, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	exception_stub \vector
	.endr
	.org	x86_exception_stubs + 32 * 16, 0xcc

/* Stack: vector, error code, rip, cs, rflags, rsp, ss (the frame x86_host_exception reads). */
exception_common:
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	x86_host_exception
	jmp	x86_park

	.globl	x86_exception_stubs_address
	.type	x86_exception_stubs_address, @function
x86_exception_stubs_address:
	lea	x86_exception_stubs(%rip), %rax
	ret
