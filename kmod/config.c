// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a binary configuration (revision 14): its size and where the CPU
 * set and the memory regions of a cell descriptor are. The counts come from
 * user space, so sizes are summed in 64 bits (a u32 count times the largest
 * element size cannot overflow that).
 */
#include <linux/cpumask.h>
#include <linux/stddef.h>

#include "driver.h"

size_t jh_cell_config_size(const struct jh_cell_desc *cell)
{
	u64 size = sizeof(*cell);

	size += cell->cpu_set_size;
	size += (u64)cell->num_memory_regions * sizeof(struct jh_memory);
	size += (u64)cell->num_cache_regions * JH_CACHE_SIZE;
	size += (u64)cell->num_irqchips * JH_IRQCHIP_SIZE;
	size += (u64)cell->num_pio_regions * JH_PIO_SIZE;
	size += (u64)cell->num_pci_devices * JH_PCI_DEVICE_SIZE;
	size += (u64)cell->num_pci_caps * JH_PCI_CAP_SIZE;
	size += (u64)cell->num_stream_ids * JH_STREAM_ID_SIZE;
	return size;
}

size_t jh_system_config_size(const struct jh_system *system)
{
	return offsetof(struct jh_system, root_cell) +
		jh_cell_config_size(&system->root_cell);
}

/*
 * The CPU set follows the descriptor as a little-endian bitmap; it is read
 * byte by byte because a cell descriptor need not be 8-byte aligned.
 */
void jh_cell_cpus(const struct jh_cell_desc *cell, struct cpumask *cpus)
{
	const u8 *set = (const u8 *)cell + sizeof(*cell);
	unsigned int bit;

	cpumask_clear(cpus);
	for (bit = 0; bit < cell->cpu_set_size * 8 && bit < nr_cpu_ids; bit++)
		if (set[bit / 8] & (1U << (bit % 8)))
			cpumask_set_cpu(bit, cpus);
}

const struct jh_memory *jh_cell_memory(const struct jh_cell_desc *cell)
{
	return (const struct jh_memory *)((const u8 *)cell + sizeof(*cell) +
					  cell->cpu_set_size);
}
