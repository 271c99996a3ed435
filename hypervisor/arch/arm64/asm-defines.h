/*
 * Constants shared by the arm64 assembly; the C# side has the same values
 * (HypervisorHeader, PerCpu, SystemConfig, TrapFrame), checked by HypervisorLayoutTests.
 */
#define JAILHOUSE_BASE		0xffffc0200000	/* virtual address of hypervisor memory */
#define UART_VIRT_BASE		0xffffc0000000	/* 2 MiB window holding the debug UART */

#define PERCPU_SIZE		16384

#define HEADER_CORE_SIZE	8
#define HEADER_MAX_CPUS		48
#define HEADER_DEBUG_CONSOLE	56
#define HEADER_HYP_VECTORS	64
#define HEADER_HYP_ABI		72

#define SYS_HV_PHYS		12
#define SYS_HV_SIZE		28
#define SYS_DEBUG_CONSOLE	44

/* TrapFrame: x0-x30, pad, elr, spsr, q0-q31, fpsr, fpcr */
#define FRAME_ELR		256
#define FRAME_Q			272
#define FRAME_FPSR		784
#define FRAME_SIZE		800

#define ESR_EC_HVC64		0x16
