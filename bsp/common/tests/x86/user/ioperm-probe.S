/*
 * A Linux program using port I/O permission (bsp/common/tests/hypervisor-x86.sh runs it on
 * every CPU before, during and after the hypervisor): ioperm() for the COM1 scratch register
 * 0x3ff, then an IN from it, and "ioperm-probe: port 0x3ff read". The CPU checks the port in
 * the I/O bitmap at the end of Linux's TSS, so the IN faults (SIGSEGV) if TR's limit stops
 * short of it -- as a VM exit leaves it (0x67) when leaving VMX does not reload TR.
 * Exit status 1 if ioperm() fails.
 */
	.text
	.globl	_start
_start:
	mov	$173, %eax			/* ioperm(0x3ff, 1, 1) */
	mov	$0x3ff, %edi
	mov	$1, %esi
	mov	$1, %edx
	syscall
	test	%rax, %rax
	jnz	failed
	mov	$0x3ff, %dx
	inb	%dx, %al
	mov	$1, %eax			/* write(1, message, length) */
	mov	$1, %edi
	lea	message(%rip), %rsi
	mov	$(message_end - message), %edx
	syscall
	mov	$60, %eax			/* exit(0) */
	xor	%edi, %edi
	syscall
failed:
	mov	$60, %eax			/* exit(1) */
	mov	$1, %edi
	syscall

	.section .rodata
message:
	.ascii	"ioperm-probe: port 0x3ff read\n"
message_end:
