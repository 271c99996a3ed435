/*
 * Constants shared by the x86-64 assembly; the C# side has the same values (PerCpu,
 * HypervisorHeader, X86Registers, X86PerCpu), checked by HypervisorLayoutTests.
 */
#define JAILHOUSE_BASE		0xfffffffff0000000	/* link address; the image relocates itself */

#define PERCPU_SIZE		16384
#define PERCPU_CALLER_STACK	16
#define PERCPU_LINUX_CR3	144	/* ArchData[2]: Linux's CR3 at the entry call */
#define PERCPU_HOST_NMIS	160	/* ArchData[4]: NMIs taken in the host, not yet injected */
#define PERCPU_GUEST_REGS	256	/* X86Registers: rax..r15 (16 * 8) */
#define PERCPU_FXSAVE		512	/* 512 bytes, 16-byte aligned: the caller's / guest's FPU state */

#define HEADER_MAX_CPUS		48

#define R_X86_64_RELATIVE	8
