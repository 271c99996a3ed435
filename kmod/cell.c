// SPDX-License-Identifier: GPL-2.0
/*
 * Non-root cells: create (the cell's CPUs leave Linux), load images into
 * the cell's loadable memory, start, destroy (the CPUs come back).
 */
#define pr_fmt(fmt) "jailhouse: " fmt

#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "driver.h"

struct jh_cell *jh_cell_new(const struct jh_cell_desc *desc, size_t size)
{
	const struct jh_memory *regions;
	struct jh_cell *cell;

	if (size < sizeof(*desc) || jh_cell_config_size(desc) > size)
		return ERR_PTR(-EINVAL);
	cell = kzalloc(sizeof(*cell), GFP_KERNEL);
	if (!cell)
		return ERR_PTR(-ENOMEM);
	kobject_init(&cell->kobj, &jh_cell_ktype);
	INIT_LIST_HEAD(&cell->entry);
	INIT_LIST_HEAD(&cell->cpu_stats);
	memcpy(cell->name, desc->name, sizeof(cell->name));
	cell->name[sizeof(cell->name) - 1] = 0;
	jh_cell_cpus(desc, &cell->cpus_assigned);
	regions = jh_cell_memory(desc);
	cell->memory_regions = kmemdup(regions, desc->num_memory_regions *
				       sizeof(*regions), GFP_KERNEL);
	if (desc->num_memory_regions && !cell->memory_regions) {
		kobject_put(&cell->kobj);
		return ERR_PTR(-ENOMEM);
	}
	cell->num_memory_regions = desc->num_memory_regions;
	return cell;
}

int jh_cell_register(struct jh_cell *cell)
{
	list_add_tail(&cell->entry, &jailhouse_cells);
	return jh_sysfs_cell_add(cell);
}

void jh_cell_unregister(struct jh_cell *cell)
{
	list_del(&cell->entry);
	jh_sysfs_cell_remove(cell);
}

/* Gives a cell's CPUs back to Linux (and to the root cell). */
static void jh_cell_return_cpus(struct jh_cell *cell)
{
	unsigned int cpu;
	int err;

	for_each_cpu(cpu, &cell->cpus_assigned) {
		if (cpu_online(cpu))
			continue;
		err = add_cpu(cpu);
		if (err)
			pr_err("CPU %u did not come back online (error %d)\n",
			       cpu, err);
		else if (jailhouse_root_cell)
			cpumask_set_cpu(cpu, &jailhouse_root_cell->cpus_assigned);
	}
	if (jailhouse_root_cell)
		jh_sysfs_cell_cpus_changed(jailhouse_root_cell);
}

void jh_cells_remove_all(void)
{
	struct jh_cell *cell, *next;

	list_for_each_entry_safe(cell, next, &jailhouse_cells, entry) {
		if (cell == jailhouse_root_cell)
			continue;
		jh_cell_return_cpus(cell);
		jh_cell_unregister(cell);
	}
	if (jailhouse_root_cell)
		jh_cell_unregister(jailhouse_root_cell);
	jailhouse_root_cell = NULL;
}

static struct jh_cell *jh_find_cell(const struct jailhouse_cell_id *id)
{
	struct jh_cell *cell;

	list_for_each_entry(cell, &jailhouse_cells, entry)
		if (id->id == JAILHOUSE_CELL_ID_UNUSED ?
		    strcmp(cell->name, id->name) == 0 : cell->id == id->id)
			return cell;
	return NULL;
}

/*
 * Common start of load, start and destroy: takes jailhouse_lock (held on
 * success) and finds the non-root cell the user names.
 */
static int jh_cell_prologue(struct jailhouse_cell_id *id, const char *what,
			    struct jh_cell **found)
{
	id->name[JAILHOUSE_CELL_ID_NAMELEN] = 0;
	if (mutex_lock_interruptible(&jailhouse_lock))
		return -EINTR;
	if (!jailhouse_enabled) {
		pr_err("cell %s: not enabled\n", what);
		mutex_unlock(&jailhouse_lock);
		return -EINVAL;
	}
	*found = jh_find_cell(id);
	if (!*found) {
		if (id->id == JAILHOUSE_CELL_ID_UNUSED)
			pr_err("cell %s: no cell \"%s\"\n", what, id->name);
		else
			pr_err("cell %s: no cell with id %d\n", what, id->id);
		mutex_unlock(&jailhouse_lock);
		return -ENOENT;
	}
	if (*found == jailhouse_root_cell) {
		pr_err("cell %s: not for the root cell\n", what);
		mutex_unlock(&jailhouse_lock);
		return -EINVAL;
	}
	return 0;
}

int jh_cmd_cell_create(struct jailhouse_cell_create __user *arg)
{
	struct jailhouse_cell_create create;
	struct jailhouse_cell_id id = { .id = JAILHOUSE_CELL_ID_UNUSED };
	struct jh_cell_desc *config;
	struct jh_cell *cell;
	unsigned int cpu;
	long created;
	int err;

	if (copy_from_user(&create, arg, sizeof(create)))
		return -EFAULT;
	if (create.config_size < sizeof(*config) ||
	    create.config_size > KMALLOC_MAX_SIZE) {
		pr_err("cell create: a configuration of %u bytes cannot be a cell\n",
		       create.config_size);
		return -EINVAL;
	}
	/* Physically contiguous: the hypervisor reads it by address. */
	config = kmalloc(create.config_size, GFP_KERNEL);
	if (!config)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(config, u64_to_user_ptr(create.config_address),
			   create.config_size))
		goto out_free;
	err = -EINVAL;
	if (memcmp(config->signature, JH_CELL_SIGNATURE, JH_SIGNATURE_LEN)) {
		pr_err("cell create: not a cell configuration (signature is not \"%s\")\n",
		       JH_CELL_SIGNATURE);
		goto out_free;
	}
	if (config->revision != JH_CONFIG_REVISION ||
	    config->architecture != jailhouse_arch_config_id) {
		pr_err("cell create: configuration revision %u for architecture %u, this driver reads revision %u for %s\n",
		       config->revision, config->architecture,
		       JH_CONFIG_REVISION, jailhouse_arch_name);
		goto out_free;
	}
	if (jh_cell_config_size(config) > create.config_size) {
		pr_err("cell create: configuration truncated (%zu bytes needed, %u given)\n",
		       jh_cell_config_size(config), create.config_size);
		goto out_free;
	}
	config->name[JH_CELL_NAME_LEN - 1] = 0;

	err = -EINTR;
	if (mutex_lock_interruptible(&jailhouse_lock))
		goto out_free;
	err = -EINVAL;
	if (!jailhouse_enabled) {
		pr_err("cell create: not enabled\n");
		goto out_unlock;
	}
	memcpy(id.name, config->name, sizeof(id.name));
	if (jh_find_cell(&id)) {
		pr_err("cell create: a cell \"%s\" exists already\n", id.name);
		err = -EEXIST;
		goto out_unlock;
	}
	cell = jh_cell_new(config, create.config_size);
	if (IS_ERR(cell)) {
		err = PTR_ERR(cell);
		goto out_unlock;
	}
	if (cpumask_empty(&cell->cpus_assigned) ||
	    !cpumask_subset(&cell->cpus_assigned,
			    &jailhouse_root_cell->cpus_assigned)) {
		pr_err("cell create: \"%s\" needs CPUs %*pbl, the root cell has %*pbl\n",
		       cell->name, cpumask_pr_args(&cell->cpus_assigned),
		       cpumask_pr_args(&jailhouse_root_cell->cpus_assigned));
		goto out_put_cell;
	}
	for_each_cpu(cpu, &cell->cpus_assigned) {
		err = remove_cpu(cpu);
		if (err) {
			pr_err("cell create: CPU %u does not go offline (error %d)\n",
			       cpu, err);
			goto out_return_cpus;
		}
		cpumask_clear_cpu(cpu, &jailhouse_root_cell->cpus_assigned);
	}
	created = jailhouse_arch_call(JH_HC_CELL_CREATE, virt_to_phys(config),
				      0);
	if (created < 0) {
		err = created;
		pr_err("cell create: the hypervisor refused \"%s\" (error %d)\n",
		       cell->name, err);
		goto out_return_cpus;
	}
	cell->id = created;
	jh_sysfs_cell_cpus_changed(jailhouse_root_cell);
	err = jh_cell_register(cell);
	if (err)
		pr_err("cell create: \"%s\" missing from sysfs (error %d)\n",
		       cell->name, err);
	pr_info("cell \"%s\" created (id %u)\n", cell->name, cell->id);
	mutex_unlock(&jailhouse_lock);
	kfree(config);
	return 0;

out_return_cpus:
	jh_cell_return_cpus(cell);
out_put_cell:
	kobject_put(&cell->kobj);
out_unlock:
	mutex_unlock(&jailhouse_lock);
out_free:
	kfree(config);
	return err;
}

/* Copies one image into the loadable region that holds its target range. */
static int jh_load_image(struct jh_cell *cell,
			 const struct jailhouse_preload_image *image)
{
	const struct jh_memory *region;
	unsigned int n;
	u64 offset;
	void *target;

	for (n = 0; n < cell->num_memory_regions; n++) {
		region = &cell->memory_regions[n];
		if (!(region->flags & JH_MEM_LOADABLE) ||
		    image->target_address < region->virt_start ||
		    image->size > region->size ||
		    image->target_address - region->virt_start >
		    region->size - image->size)
			continue;
		offset = image->target_address - region->virt_start;
		target = memremap(region->phys_start + offset, image->size,
				  MEMREMAP_WB);
		if (!target) {
			pr_err("cell load: cannot map %llx\n",
			       region->phys_start + offset);
			return -ENOMEM;
		}
		if (copy_from_user(target,
				   u64_to_user_ptr(image->source_address),
				   image->size)) {
			memunmap(target);
			return -EFAULT;
		}
		/* The cell starts with its MMU off: into memory, not cache */
		jailhouse_arch_flush(target, image->size);
		memunmap(target);
		return 0;
	}
	pr_err("cell load: \"%s\" has no loadable region for %llu bytes at %llx\n",
	       cell->name, image->size, image->target_address);
	return -EINVAL;
}

int jh_cmd_cell_load(struct jailhouse_cell_load __user *arg)
{
	struct jailhouse_preload_image image;
	struct jailhouse_cell_load load;
	struct jh_cell *cell;
	unsigned int n;
	long result;
	int err;

	if (copy_from_user(&load, arg, sizeof(load)))
		return -EFAULT;
	err = jh_cell_prologue(&load.cell_id, "load", &cell);
	if (err)
		return err;
	/* Loadable means shut down: with no image this is "cell shutdown". */
	result = jailhouse_arch_call(JH_HC_CELL_SET_LOADABLE, cell->id, 0);
	if (result < 0) {
		err = result;
		pr_err("cell load: \"%s\" cannot be loaded (error %d)\n",
		       cell->name, err);
		goto out_unlock;
	}
	for (n = 0; n < load.num_preload_images; n++) {
		if (copy_from_user(&image, &arg->image[n], sizeof(image))) {
			err = -EFAULT;
			goto out_unlock;
		}
		err = jh_load_image(cell, &image);
		if (err)
			goto out_unlock;
	}
	pr_info("cell \"%s\": %u image(s) loaded\n", cell->name,
		load.num_preload_images);
out_unlock:
	mutex_unlock(&jailhouse_lock);
	return err;
}

/*
 * A hypercall on one non-root cell by its id: on success, done() runs with
 * jailhouse_lock still held.
 */
static int jh_cell_call(struct jailhouse_cell_id __user *arg, const char *what,
			unsigned int code, void (*done)(struct jh_cell *cell))
{
	struct jailhouse_cell_id id;
	struct jh_cell *cell;
	long result;
	int err;

	if (copy_from_user(&id, arg, sizeof(id)))
		return -EFAULT;
	err = jh_cell_prologue(&id, what, &cell);
	if (err)
		return err;
	result = jailhouse_arch_call(code, cell->id, 0);
	if (result < 0) {
		err = result;
		pr_err("cell %s: \"%s\" refused by the hypervisor (error %d)\n",
		       what, cell->name, err);
	} else {
		done(cell);
	}
	mutex_unlock(&jailhouse_lock);
	return err;
}

static void jh_cell_started(struct jh_cell *cell)
{
	pr_info("cell \"%s\" started\n", cell->name);
}

static void jh_cell_destroyed(struct jh_cell *cell)
{
	jh_cell_return_cpus(cell);
	pr_info("cell \"%s\" destroyed\n", cell->name);
	jh_cell_unregister(cell);
}

int jh_cmd_cell_start(struct jailhouse_cell_id __user *arg)
{
	return jh_cell_call(arg, "start", JH_HC_CELL_START, jh_cell_started);
}

int jh_cmd_cell_destroy(struct jailhouse_cell_id __user *arg)
{
	return jh_cell_call(arg, "destroy", JH_HC_CELL_DESTROY, jh_cell_destroyed);
}
