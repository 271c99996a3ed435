/*
 * Constants shared by the arm64 assembly; the C# side has the same values
 * (HypervisorHeader, PerCpu, SystemConfig, TrapFrame), checked by HypervisorLayoutTests.
 */
#define JAILHOUSE_BASE		0xffffc0200000	/* virtual address of hypervisor memory */
#define UART_VIRT_BASE		0xffffc0000000	/* 2 MiB window holding the debug UART */
#define HV_MEMORY_MAX		0x3fe00000	/* bootstrap: 511 2 MiB blocks of one L2 table */

#define PERCPU_SIZE		32768	/* El2State.PerCpuAreaSize */
#define PERCPU_SVE		4096	/* El2State.SveSaveOffset: z0-z31, p0-p15, FFR */

/* The caller's EL2 registers in PerCpu.ArchData (El2State indices * 8) */
#define PERCPU_SAVED_EL2	128
#define SAVED_HCR		0
#define SAVED_CPTR		8
#define SAVED_SCTLR		16
#define SAVED_TCR		24
#define SAVED_MAIR		32
#define SAVED_TTBR0		40
#define SAVED_VTCR		48
#define SAVED_VTTBR		56
#define SAVED_TPIDR		64
#define SAVED_SP		72
#define SAVED_FLAGS		80
#define SAVED_EL2_SIZE		88
#define SAVE_SVE_BIT		0	/* El2State.SaveSve */
#define SAVE_SME_BIT		1	/* El2State.SaveSme */
#define HARDEN_BP_BIT		2	/* El2State.HardenBranchPredictor */
#define SMCCC_ARCH_WORKAROUND_1	0x80008000
#define CPTR_TFP		0x400

#define HEADER_CORE_SIZE	8
#define HEADER_MAX_CPUS		48
#define HEADER_DEBUG_CONSOLE	56
#define HEADER_HYP_VECTORS	64
#define HEADER_HYP_ABI		72

#define SYS_HV_PHYS		12
#define SYS_HV_SIZE		28
#define SYS_DEBUG_CONSOLE	44

/* TrapFrame: x0-x30, svcr, elr, spsr, q0-q31, fpsr, fpcr */
#define FRAME_SVCR		248
#define FRAME_ELR		256
#define FRAME_Q			272
#define FRAME_FPSR		784
#define FRAME_SIZE		800

#define ESR_EC_HVC64		0x16
