// SPDX-License-Identifier: GPL-2.0
/*
 * arm64: into the hypervisor the way upstream Jailhouse's driver does it,
 * with Linux's hyp stub at EL2 (the kernel boots with kvm-arm.mode=none).
 *
 * Entering: the driver maps hypervisor memory executable, fills the header's
 * arm_linux_hyp_vectors (physical address of the stub's vectors) and
 * arm_linux_hyp_abi, and calls int entry(unsigned int cpu) at
 * image + header->entry on every CPU at EL1 (AAPCS64, interrupts off). The
 * entry itself asks the stub to install its vectors (HVC_SET_VECTORS) and
 * comes back at EL1 as the root cell with 0, or with the same -errno on
 * every CPU after handing EL2 back to the stub. Hypercalls then are
 * "hvc #0x4a48" with x0 = code, x1/x2 = arguments and the result in x0.
 *
 * The stub's vectors: __hyp_stub_vectors is not exported to modules. While
 * the stub owns EL2, VBAR_EL2 holds exactly that address, so the driver
 * reads it at EL2: HVC_SOFT_RESTART branches, MMU off, to a two-instruction
 * routine ("mrs x0, vbar_el2; eret") in a page of its own.
 */
#define pr_fmt(fmt) "jailhouse: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/cacheflush.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/sysreg.h>

#include "../../driver.h"

/* Linux's hyp stub calls (arch/arm64/include/asm/virt.h). */
#define JH_HVC_SOFT_RESTART	1
#define JH_HVC_STUB_ERR		0xbadca11
/* Not a stub call: the stub answers it with JH_HVC_STUB_ERR. */
#define JH_HVC_STUB_PROBE	0x4a48

/* The hyp stub ABI of Linux 4.12 and later (x0 = call number). */
#define JH_HYP_STUB_ABI_OPCODE	1

/* Run at EL2 by the stub's HVC_SOFT_RESTART: return VBAR_EL2 in x0. */
static const u32 jh_read_vbar_el2[] = {
	0xd53cc000,	/* mrs x0, vbar_el2 */
	0xd69f03e0,	/* eret */
};

typedef int (*jh_entry_fn)(unsigned int cpu);

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

/* The stub's vectors, read from VBAR_EL2 while the stub owns EL2; 0 on failure. */
static phys_addr_t jh_stub_vectors(void)
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);
	unsigned long vectors;

	if (!page)
		return 0;
	memcpy((void *)page, jh_read_vbar_el2, sizeof(jh_read_vbar_el2));
	/* EL2 fetches the routine with its MMU and caches off. */
	jailhouse_arch_flush((void *)page, sizeof(jh_read_vbar_el2));
	preempt_disable();
	vectors = jh_hyp_stub_call(JH_HVC_SOFT_RESTART, virt_to_phys((void *)page),
				   0, 0);
	preempt_enable();
	free_page(page);
	/* An unknown call would have answered JH_HVC_STUB_ERR: not an address. */
	if (vectors == JH_HVC_STUB_ERR || (vectors & 0x7ff))
		return 0;
	return vectors;
}

int jailhouse_arch_prepare(struct jh_header *header)
{
	phys_addr_t vectors = jh_stub_vectors();

	if (!vectors) {
		pr_err("enable: cannot find the hyp stub's vectors\n");
		return -ENODEV;
	}
	header->arm_linux_hyp_vectors = vectors;
	header->arm_linux_hyp_abi = JH_HYP_STUB_ABI_OPCODE;
	return 0;
}

/*
 * Sets and clears bits in the leaf entries of the kernel's translation of
 * [virt, virt + size): ioremap always maps non-executable (ioremap_page_range
 * applies pgprot_nx), and nothing exported to modules changes an I/O
 * mapping's permissions (init_mm, set_memory_x/ro for ioremap areas, vmap of
 * memory Linux has no pages for). The walk starts at TTBR1_EL1
 * (swapper_pg_dir) and reads the tables through the linear map; the leaves
 * of a fresh vmalloc-area mapping live in tables Linux allocated at run
 * time, which the linear map keeps writable. 4 KiB granule, as Debian's
 * arm64 kernels use.
 */
#define JH_DESC_VALID		BIT(0)
#define JH_DESC_TABLE		BIT(1)	/* table (levels 0-2) or page (level 3) */
#define JH_DESC_RDONLY		BIT(7)	/* AP[2] */
#define JH_DESC_DBM		BIT_ULL(51)	/* hardware dirty state: writable-clean */
#define JH_DESC_PXN		BIT_ULL(53)
#define JH_DESC_ADDR		GENMASK_ULL(47, 12)

static int jh_change_leaves(unsigned long virt, size_t size, u64 set,
			    u64 clear)
{
	u64 tcr = read_sysreg(tcr_el1);
	unsigned int va_bits = 64 - (tcr >> 16 & 0x3f);
	unsigned int start_level = 4 - DIV_ROUND_UP(va_bits - 12, 9);
	unsigned long addr = virt, end = virt + size;

	/* TCR_EL1.TG1 = 2: 4 KiB pages for the kernel half */
	if ((tcr >> 30 & 3) != 2)
		return -EOPNOTSUPP;

	while (addr < end) {
		u64 table = read_sysreg(ttbr1_el1) & JH_DESC_ADDR;
		unsigned int level = start_level, shift;
		u64 *entry, desc;

		for (;;) {
			shift = 12 + 9 * (3 - level);
			entry = (u64 *)phys_to_virt(table) +
				((addr >> shift) & 0x1ff);
			desc = READ_ONCE(*entry);
			if (!(desc & JH_DESC_VALID))
				return -EFAULT;
			if (level == 3 || !(desc & JH_DESC_TABLE))
				break;
			table = desc & JH_DESC_ADDR;
			level++;
		}
		WRITE_ONCE(*entry, (desc & ~clear) | set);
		addr = (addr | ((1UL << shift) - 1)) + 1;
	}
	dsb(ishst);
	flush_tlb_kernel_range(virt, end);
	return 0;
}

/* Executable: the driver calls the entry through this mapping. */
void *jailhouse_arch_map(phys_addr_t phys, size_t size)
{
	void __iomem *virt = ioremap_prot(phys, size,
					  pgprot_val(PAGE_KERNEL_EXEC));

	if (virt && jh_change_leaves((unsigned long)virt, size, 0,
				     JH_DESC_PXN)) {
		pr_err("enable: cannot make the hypervisor memory executable\n");
		iounmap(virt);
		return NULL;
	}
	return (void __force *)virt;
}

/*
 * Whether the kernel's stage-1 translation lets EL1 write @addr, as the MMU
 * itself answers it (AT S1E1W): no write is made, so a mapping that is still
 * writable does not run into the root cell's read-only stage 2.
 */
static bool jh_kernel_can_write(void *addr)
{
	unsigned long flags;
	u64 par;

	local_irq_save(flags);	/* PAR_EL1 is this CPU's until read */
	asm volatile("at s1e1w, %0" : : "r" (addr));
	isb();
	par = read_sysreg(par_el1);
	local_irq_restore(flags);
	return !(par & 1);	/* PAR_EL1.F: the translation faulted */
}

/*
 * Once the hypervisor runs, it runs from its own EL2 tables, and the root
 * cell sees hypervisor memory read-only through stage 2 (the console page,
 * an empty page elsewhere): the kernel's mapping is only read from (the
 * console), so it stops being writable and executable instead of staying
 * W+X while enabled.
 */
int jailhouse_arch_protect(void *virt, size_t size)
{
	/*
	 * With hardware dirty-state management (ARMv8.1 HAFDBS, which Linux
	 * turns on where present), AP[2] set with DBM set means "writable,
	 * clean": the first write just clears AP[2]. Read-only needs DBM clear.
	 */
	int err = jh_change_leaves((unsigned long)virt, size,
				   JH_DESC_PXN | JH_DESC_RDONLY, JH_DESC_DBM);

	if (err)
		return err;
	/* Checked, not assumed: the MMU must refuse a kernel write now. */
	if (jh_kernel_can_write(virt))
		return -EPERM;
	pr_info("enable: hypervisor memory read-only and non-executable in the kernel\n");
	return 0;
}

void jailhouse_arch_unmap(void *virt)
{
	iounmap((void __iomem __force *)virt);
}

/*
 * The hypervisor's EL2 code starts with its MMU and caches off: what the
 * driver wrote must reach the point of coherency, and no stale instructions
 * may remain.
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
	jh_entry_fn entry = (jh_entry_fn)((u8 *)header + header->entry);

	return entry(cpu);
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
