// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 (VT-x): the driver calls the image's entry on every CPU, mapped
 * executable in the kernel's address space, as
 * int entry(unsigned int cpu, struct jh_header *header), returning 0 or
 * -errno in the CPU's new guest mode. The entry must start with endbr64
 * (kernels built with IBT check indirect call targets). Hypercalls are
 * vmcall with rax = code, rdi/rsi = arguments and the result in rax, as in
 * upstream Jailhouse.
 */
#define pr_fmt(fmt) "jailhouse: " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>

#include "../../driver.h"

const char *const jailhouse_arch_name = "x86";
const __u8 jailhouse_arch_config_id;	/* 0: x86 */

typedef int (*jh_entry_fn)(unsigned int cpu, struct jh_header *header);

int jailhouse_arch_check(void)
{
	u64 control;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("enable: this CPU has no VT-x\n");
		return -ENODEV;
	}
	rdmsrl(MSR_IA32_FEAT_CTL, control);
	if (!(control & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("enable: VT-x is disabled by the firmware\n");
		return -ENODEV;
	}
	return 0;
}

int jailhouse_arch_prepare(struct jh_header *header)
{
	return 0;
}

/*
 * The hypervisor runs from this mapping, so it must be executable: x86's
 * ioremap and vmap always map NX and set_memory_x is not exported, so the
 * driver vmaps the pages (memmap= keeps them inside the kernel's memory map
 * as reserved pages, with struct pages) and clears NX in the leaf entries
 * itself (lookup_address), then flushes the TLB.
 */
void *jailhouse_arch_map(phys_addr_t phys, size_t size)
{
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT, n;
	struct page **pages;
	void *virt;

	pages = kvmalloc_array(count, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (n = 0; n < count; n++) {
		unsigned long pfn = PHYS_PFN(phys) + n;

		if (!pfn_valid(pfn)) {
			pr_err("enable: hypervisor memory page %lx has no struct page (keep it from Linux with memmap=)\n",
			       pfn);
			kvfree(pages);
			return NULL;
		}
		pages[n] = pfn_to_page(pfn);
	}
	virt = vmap(pages, count, VM_MAP, PAGE_KERNEL_EXEC);
	kvfree(pages);
	if (!virt)
		return NULL;
	for (n = 0; n < count; n++) {
		unsigned int level;
		pte_t *pte = lookup_address((unsigned long)virt + n * PAGE_SIZE,
					    &level);

		if (!pte || level != PG_LEVEL_4K) {
			pr_err("enable: no 4 KiB page-table entry for the hypervisor mapping\n");
			vunmap(virt);
			return NULL;
		}
		set_pte(pte, pte_clear_flags(*pte, _PAGE_NX));
	}
	/*
	 * flush_tlb_kernel_range is not exported; the mapping is new, so only
	 * this CPU may hold (speculatively walked) entries of it.
	 */
	__flush_tlb_all();
	return virt;
}

/*
 * The mapping stays as it is on x86: the hypervisor's host page tables take
 * Linux's kernel half, this mapping included, and run the hypervisor's code
 * through it (as upstream borrows the root cell's tables).
 */
int jailhouse_arch_protect(void *virt, size_t size)
{
	return 0;
}

void jailhouse_arch_unmap(void *virt)
{
	vunmap(virt);
}

/* Caches are coherent with memory and instruction fetch on x86. */
void jailhouse_arch_flush(void *virt, size_t size)
{
}

int jailhouse_arch_enter(struct jh_header *header, phys_addr_t header_phys,
			 unsigned int cpu)
{
	jh_entry_fn entry = (jh_entry_fn)((u8 *)header + header->entry);

	return entry(cpu, header);
}

long jailhouse_arch_call(unsigned long code, unsigned long arg1,
			 unsigned long arg2)
{
	long result;

	asm volatile("vmcall"
		     : "=a" (result)
		     : "a" (code), "D" (arg1), "S" (arg2)
		     : "memory");
	return result;
}
