/*
 * Assembler companions of the freestanding corelib on arm64, included by the hypervisor's and
 * the C# inmates' assembly (both builders put hypervisor/runtime/arch/arm64 on the include
 * path): a system-register reader/writer per C-callable leaf function, and the symbols an
 * ILCompiler object imports although the freestanding subset never needs them at run time.
 */

/* u64 name(void): the register's value. */
.macro sysreg_reader name, register
	.globl	\name
	.type	\name, %function
\name:
	mrs	x0, \register
	ret
.endm

/* void name(u64 value): the register written, and the write in effect before returning. */
.macro sysreg_writer name, register
	.globl	\name
	.type	\name, %function
\name:
	msr	\register, x0
	isb
	ret
.endm

/*
 * __security_cookie (the stack-protector value; any constant, nothing secret can be kept from
 * code that runs with all privileges of its level anyway), RhpReversePInvoke(Return) (ILCompiler
 * brackets every RuntimeExport method with them for the runtime's thread bookkeeping; there is
 * no runtime to tell) and RhpFallbackFailFast (the compiled code's last resort, e.g. a failed
 * stack-cookie check), which branches to \stop.
 */
.macro ilc_runtime_symbols cookie, stop
	.pushsection .data
	.balign	8
	.globl	__security_cookie
__security_cookie:
	.quad	\cookie
	.popsection

	.globl	RhpReversePInvoke
	.type	RhpReversePInvoke, %function
RhpReversePInvoke:
	ret
	.globl	RhpReversePInvokeReturn
	.type	RhpReversePInvokeReturn, %function
RhpReversePInvokeReturn:
	ret
	.globl	RhpFallbackFailFast
	.type	RhpFallbackFailFast, %function
RhpFallbackFailFast:
	b	\stop
.endm
