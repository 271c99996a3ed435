/*
 * Constants shared by the x86-64 assembly; the C# side has the same values (PerCpu,
 * HypervisorHeader, X86Registers), checked by HypervisorLayoutTests.
 */
#define JAILHOUSE_BASE		0xfffffffff0000000	/* hypervisor memory in Linux's page tables */

#define PERCPU_SIZE		16384
#define PERCPU_CALLER_STACK	16
#define PERCPU_GUEST_REGS	256	/* X86Registers: rax..r15 (16 * 8) */
#define PERCPU_FXSAVE		512	/* 512 bytes, 16-byte aligned: the caller's / guest's FPU state */

#define HEADER_MAX_CPUS		48
