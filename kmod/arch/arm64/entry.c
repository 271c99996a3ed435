// SPDX-License-Identifier: GPL-2.0
/*
 * arm64: into the hypervisor through Linux's hyp stub, which stays at EL2
 * when the kernel boots with kvm-arm.mode=none.
 *
 * Entering: on every CPU, the stub's HVC_SOFT_RESTART branches at EL2 with
 * the MMU off to the image's entry (physical address of the image plus
 * header->entry) with x0 = CPU number, x1 = physical address of the
 * header, x2 = 0. The hypervisor installs its own vectors, keeps x18-x30
 * and the EL1 state, and returns to EL1 with eret, x0 = 0 or -errno.
 * Hypercalls then are "hvc #0x4a48" with x0 = code, x1/x2 = arguments and
 * the result in x0, as in upstream Jailhouse.
 */
#define pr_fmt(fmt) "jailhouse: " fmt

#include <linux/io.h>
#include <linux/printk.h>
#include <asm/cacheflush.h>
#include <asm/sysreg.h>

#include "../../driver.h"

/* Linux's hyp stub calls (arch/arm64/include/asm/virt.h). */
#define JH_HVC_SOFT_RESTART	1
#define JH_HVC_STUB_ERR		0xbadca11
/* Not a stub call: the stub answers it with JH_HVC_STUB_ERR. */
#define JH_HVC_STUB_PROBE	0x4a48

/* The hyp stub ABI of Linux 4.12 and later (x0 = call number). */
#define JH_HYP_STUB_ABI_OPCODE	1

const char *const jailhouse_arch_name = "arm64";
const __u8 jailhouse_arch_config_id = 2;

static unsigned long jh_hyp_stub_call(unsigned long x0, unsigned long x1,
				      unsigned long x2, unsigned long x3)
{
	register unsigned long r0 asm("x0") = x0;
	register unsigned long r1 asm("x1") = x1;
	register unsigned long r2 asm("x2") = x2;
	register unsigned long r3 asm("x3") = x3;
	register unsigned long r4 asm("x4") = 0;

	asm volatile("hvc #0"
		     : "+r" (r0), "+r" (r1), "+r" (r2), "+r" (r3), "+r" (r4)
		     :
		     : "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
		       "x13", "x14", "x15", "x16", "x17", "memory", "cc");
	return r0;
}

int jailhouse_arch_check(void)
{
	u64 pfr0 = read_sysreg_s(SYS_ID_AA64PFR0_EL1);
	unsigned long answer;

	/* Without EL2 an hvc is undefined: never issue one then. */
	if (((pfr0 >> ID_AA64PFR0_EL1_EL2_SHIFT) & 0xf) == 0) {
		pr_err("enable: this CPU has no EL2\n");
		return -ENODEV;
	}
	if (read_sysreg(CurrentEL) == CurrentEL_EL2) {
		pr_err("enable: Linux runs at EL2 (VHE): EL2 is not free for the hypervisor\n");
		return -ENODEV;
	}
	answer = jh_hyp_stub_call(JH_HVC_STUB_PROBE, 0, 0, 0);
	if (answer != JH_HVC_STUB_ERR) {
		pr_err("enable: EL2 is not Linux's hyp stub (boot with kvm-arm.mode=none)\n");
		return -ENODEV;
	}
	return 0;
}

void jailhouse_arch_prepare(struct jh_header *header)
{
	/* The hypervisor finds the stub's vectors in VBAR_EL2 itself. */
	header->arm_linux_hyp_vectors = 0;
	header->arm_linux_hyp_abi = JH_HYP_STUB_ABI_OPCODE;
}

void *jailhouse_arch_map(phys_addr_t phys, size_t size)
{
	return memremap(phys, size, MEMREMAP_WB);
}

void jailhouse_arch_unmap(void *virt)
{
	memunmap(virt);
}

/*
 * The hypervisor starts with its MMU and caches off: what the driver wrote
 * must reach the point of coherency, and no stale instructions may remain.
 * dcache_clean_inval_poc is not exported to modules, hence the loop.
 */
void jailhouse_arch_flush(void *virt, size_t size)
{
	unsigned long line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	unsigned long addr = (unsigned long)virt & ~(line - 1);
	unsigned long end = (unsigned long)virt + size;

	for (; addr < end; addr += line)
		asm volatile("dc civac, %0" : : "r" (addr) : "memory");
	asm volatile("dsb sy\n\tic ialluis\n\tdsb ish\n\tisb" : : : "memory");
}

int jailhouse_arch_enter(struct jh_header *header, phys_addr_t header_phys,
			 unsigned int cpu)
{
	return (int)jh_hyp_stub_call(JH_HVC_SOFT_RESTART,
				     header_phys + header->entry, cpu,
				     header_phys);
}

long jailhouse_arch_call(unsigned long code, unsigned long arg1,
			 unsigned long arg2)
{
	register unsigned long r0 asm("x0") = code;
	register unsigned long r1 asm("x1") = arg1;
	register unsigned long r2 asm("x2") = arg2;

	asm volatile("hvc #0x4a48"
		     : "+r" (r0), "+r" (r1), "+r" (r2)
		     :
		     : "memory");
	return r0;
}
