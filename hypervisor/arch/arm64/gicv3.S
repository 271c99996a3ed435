/*
 * GICv3 system registers for the hypervisor's CPU interface handling (GicV3.cs): the physical
 * CPU interface as EL2 sees it (ICC_*_EL1 accessed at EL2) and the virtualization control
 * registers (ICH_*_EL2), by their encodings. Leaf functions, C calling convention, x0-x2 only.
 */
#include "runtime.h"

	.text

	sysreg_reader	gicv3_read_iar1, S3_0_C12_C12_0		/* ICC_IAR1_EL1 */
	sysreg_writer	gicv3_write_eoir1, S3_0_C12_C12_1	/* ICC_EOIR1_EL1: priority drop */
	sysreg_writer	gicv3_write_dir, S3_0_C12_C11_1		/* ICC_DIR_EL1: deactivation */
	sysreg_writer	gicv3_write_sgi1r, S3_0_C12_C11_5	/* ICC_SGI1R_EL1 */
	sysreg_reader	gicv3_read_ctlr, S3_0_C12_C12_4		/* ICC_CTLR_EL1 */
	sysreg_writer	gicv3_write_ctlr, S3_0_C12_C12_4
	sysreg_reader	gicv3_read_pmr, S3_0_C4_C6_0		/* ICC_PMR_EL1 */
	sysreg_writer	gicv3_write_pmr, S3_0_C4_C6_0
	sysreg_reader	gicv3_read_igrpen1, S3_0_C12_C12_7	/* ICC_IGRPEN1_EL1 */
	sysreg_writer	gicv3_write_igrpen1, S3_0_C12_C12_7
	sysreg_reader	gicv3_read_bpr1, S3_0_C12_C12_3		/* ICC_BPR1_EL1 */
	sysreg_writer	gicv3_write_bpr1, S3_0_C12_C12_3
	sysreg_reader	gicv3_read_hcr, S3_4_C12_C11_0		/* ICH_HCR_EL2 */
	sysreg_writer	gicv3_write_hcr, S3_4_C12_C11_0
	sysreg_reader	gicv3_read_vtr, S3_4_C12_C11_1		/* ICH_VTR_EL2 */
	sysreg_reader	gicv3_read_misr, S3_4_C12_C11_2		/* ICH_MISR_EL2 */
	sysreg_reader	gicv3_read_vmcr, S3_4_C12_C11_7		/* ICH_VMCR_EL2 */
	sysreg_writer	gicv3_write_vmcr, S3_4_C12_C11_7
	sysreg_writer	gicv3_write_ap0r0, S3_4_C12_C8_0	/* ICH_AP0R0_EL2 */
	sysreg_writer	gicv3_write_ap1r0, S3_4_C12_C9_0	/* ICH_AP1R0_EL2 */

/* u64 gicv3_read_lr(u32 n): ICH_LR<n>_EL2, n < 16 (checked by the caller) */
	.globl	gicv3_read_lr
	.type	gicv3_read_lr, %function
gicv3_read_lr:
	and	x0, x0, #15
	adr	x1, 1f
	add	x1, x1, x0, lsl #3
	br	x1
1:
	.irp	n, 0,1,2,3,4,5,6,7
	mrs	x0, S3_4_C12_C12_\n
	ret
	.endr
	.irp	n, 0,1,2,3,4,5,6,7
	mrs	x0, S3_4_C12_C13_\n
	ret
	.endr

/* void gicv3_write_lr(u32 n, u64 value) */
	.globl	gicv3_write_lr
	.type	gicv3_write_lr, %function
gicv3_write_lr:
	and	x0, x0, #15
	adr	x2, 1f
	add	x2, x2, x0, lsl #3
	br	x2
1:
	.irp	n, 0,1,2,3,4,5,6,7
	msr	S3_4_C12_C12_\n, x1
	ret
	.endr
	.irp	n, 0,1,2,3,4,5,6,7
	msr	S3_4_C12_C13_\n, x1
	ret
	.endr
