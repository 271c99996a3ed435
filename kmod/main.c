// SPDX-License-Identifier: GPL-2.0
/*
 * The Jailhouse driver: /dev/jailhouse (ioctl), enabling and disabling the
 * hypervisor. Cells are in cell.c, the sysfs tree in sysfs.c and the
 * architecture's way into the hypervisor in arch/<arch>/entry.c.
 */
#define pr_fmt(fmt) "jailhouse: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/firmware.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "driver.h"

#define JH_FIRMWARE_NAME	"jailhouse.bin"

/* Serializes enable, disable, cell management and pool queries. */
DEFINE_MUTEX(jailhouse_lock);
bool jailhouse_enabled;
struct device *jailhouse_dev;
struct jh_virt_console *jailhouse_console_page;
LIST_HEAD(jailhouse_cells);
struct jh_cell *jailhouse_root_cell;

/* The hypervisor memory while enabled. */
static struct resource *hypervisor_region;
static void *hypervisor_mem;

/* What every CPU reports back from entering or leaving the hypervisor. */
struct jh_cpu_call {
	struct jh_header *header;
	const struct cpumask *allowed;	/* enable: the root cell's CPUs */
	phys_addr_t header_phys;
	atomic_t done;
	unsigned int cpus;
	int error;
};

static void jh_enter_cpu(void *info)
{
	struct jh_cpu_call *call = info;
	int err;

	err = jailhouse_arch_enter(call->header, call->header_phys,
				   smp_processor_id());
	if (err)
		call->error = err;
	atomic_inc(&call->done);
}

static void jh_leave_cpu(void *info)
{
	struct jh_cpu_call *call = info;
	long err;

	err = jailhouse_arch_call(JH_HC_DISABLE, 0, 0);
	if (err)
		call->error = err;
	atomic_inc(&call->done);
}

/*
 * Runs fn on every online CPU at the same time: the hypervisor hands over
 * only when all of them have arrived, so the calling CPU must not wait for
 * the others inside on_each_cpu.
 */
static int jh_on_every_cpu(smp_call_func_t fn, struct jh_cpu_call *call)
{
	unsigned int cpus, cpu;

	atomic_set(&call->done, 0);
	call->error = 0;
	cpus_read_lock();
	/* The hypervisor would wait for a CPU it refuses, or lose it. */
	for_each_cpu(cpu, cpu_online_mask) {
		if (call->allowed && !cpumask_test_cpu(cpu, call->allowed)) {
			pr_err("enable: CPU %u is online but not in the root cell\n",
			       cpu);
			cpus_read_unlock();
			return -EINVAL;
		}
	}
	preempt_disable();
	cpus = num_online_cpus();
	call->cpus = cpus;
	if (call->header) {
		/* Known only now; the hypervisor reads it with caches off. */
		call->header->online_cpus = cpus;
		jailhouse_arch_flush(call->header, sizeof(*call->header));
	}
	on_each_cpu(fn, call, 0);
	while (atomic_read(&call->done) != cpus)
		cpu_relax();
	preempt_enable();
	cpus_read_unlock();
	return call->error;
}

static void jh_release_hypervisor_memory(void)
{
	jailhouse_console_page = NULL;
	if (hypervisor_mem)
		jailhouse_arch_unmap(hypervisor_mem);
	hypervisor_mem = NULL;
	if (hypervisor_region)
		release_mem_region(hypervisor_region->start,
				   resource_size(hypervisor_region));
	hypervisor_region = NULL;
}

/* Copies and checks a system configuration from user space. */
static struct jh_system *jh_read_system_config(const void __user *arg,
					       size_t *size)
{
	struct jh_system header;
	struct jh_system *config;

	if (copy_from_user(&header, arg, sizeof(header)))
		return ERR_PTR(-EFAULT);
	if (memcmp(header.signature, JH_SYSTEM_SIGNATURE, JH_SIGNATURE_LEN)) {
		pr_err("enable: not a system configuration (signature is not \"%s\")\n",
		       JH_SYSTEM_SIGNATURE);
		return ERR_PTR(-EINVAL);
	}
	if (header.revision != JH_CONFIG_REVISION) {
		pr_err("enable: configuration revision %u, this driver reads %u\n",
		       header.revision, JH_CONFIG_REVISION);
		return ERR_PTR(-EINVAL);
	}
	if (header.architecture != jailhouse_arch_config_id) {
		pr_err("enable: configuration is for architecture %u, this is %s\n",
		       header.architecture, jailhouse_arch_name);
		return ERR_PTR(-EINVAL);
	}
	*size = jh_system_config_size(&header);
	if (*size > header.hypervisor_memory.size || *size > JH_CONFIG_MAX_SIZE) {
		pr_err("enable: the configuration (%zu bytes) is larger than the hypervisor memory or %u bytes\n",
		       *size, JH_CONFIG_MAX_SIZE);
		return ERR_PTR(-EINVAL);
	}
	config = kvmalloc(*size, GFP_KERNEL);
	if (!config)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(config, arg, *size)) {
		kvfree(config);
		return ERR_PTR(-EFAULT);
	}
	/*
	 * User space may change the configuration between the two copies:
	 * every count the size came from must still be what was checked.
	 */
	if (memcmp(config, &header, sizeof(header))) {
		pr_err("enable: the configuration changed while it was read\n");
		kvfree(config);
		return ERR_PTR(-EINVAL);
	}
	config->root_cell.name[JH_CELL_NAME_LEN - 1] = 0;
	return config;
}

/* Loads jailhouse.bin and checks its header. */
static int jh_load_firmware(const struct firmware **image)
{
	const struct jh_header *header;
	int err;

	err = firmware_request_nowarn(image, JH_FIRMWARE_NAME, jailhouse_dev);
	if (err == -ENOENT) {
		pr_err("enable: hypervisor firmware %s not found (it belongs in /lib/firmware)\n",
		       JH_FIRMWARE_NAME);
		return err;
	}
	if (err) {
		pr_err("enable: cannot load hypervisor firmware %s (error %d)\n",
		       JH_FIRMWARE_NAME, err);
		return err;
	}
	header = (const struct jh_header *)(*image)->data;
	if ((*image)->size < sizeof(*header) ||
	    memcmp(header->signature, JH_HEADER_SIGNATURE,
		   JH_HEADER_SIGNATURE_LEN)) {
		pr_err("enable: %s is not a hypervisor image (no \"%s\" header)\n",
		       JH_FIRMWARE_NAME, JH_HEADER_SIGNATURE);
		release_firmware(*image);
		return -EINVAL;
	}
	/* Offsets the driver follows: inside the core, without wrapping. */
	if (header->entry >= header->core_size ||
	    header->core_size < sizeof(struct jh_virt_console) ||
	    header->console_page > header->core_size -
				   sizeof(struct jh_virt_console) ||
	    header->percpu_size == 0 ||
	    header->percpu_size > JH_PERCPU_MAX_SIZE) {
		pr_err("enable: %s has an inconsistent header (entry, console page or per-CPU size)\n",
		       JH_FIRMWARE_NAME);
		release_firmware(*image);
		return -EINVAL;
	}
	return 0;
}

/* The highest CPU of the root cell plus one: how many per-CPU areas. */
static unsigned int jh_max_cpus(const struct jh_cell_desc *root)
{
	cpumask_var_t cpus;
	unsigned int last = 0, cpu;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return 0;
	jh_cell_cpus(root, cpus);
	for_each_cpu(cpu, cpus)
		last = cpu + 1;
	free_cpumask_var(cpus);
	return last;
}

static int jh_cmd_enable(const void __user *arg)
{
	const struct jh_memory *hv_mem;
	const struct firmware *image;
	struct jh_cpu_call call = {};
	struct jh_system *config;
	struct jh_header *header;
	struct jh_cell *root;
	size_t config_size;
	u64 core_and_percpu;
	unsigned int max_cpus;
	int err;

	config = jh_read_system_config(arg, &config_size);
	if (IS_ERR(config))
		return PTR_ERR(config);
	hv_mem = &config->hypervisor_memory;

	if (mutex_lock_interruptible(&jailhouse_lock)) {
		err = -EINTR;
		goto out_free_config;
	}
	err = -EBUSY;
	if (jailhouse_enabled) {
		pr_err("enable: already enabled\n");
		goto out_unlock;
	}
	err = jailhouse_arch_check();
	if (err)
		goto out_unlock;
	err = jh_load_firmware(&image);
	if (err)
		goto out_unlock;

	header = (struct jh_header *)image->data;
	max_cpus = jh_max_cpus(&config->root_cell);
	core_and_percpu = header->core_size +
		(u64)max_cpus * header->percpu_size;
	err = -EINVAL;
	if (max_cpus == 0) {
		pr_err("enable: the root cell has no CPU\n");
		goto out_release_firmware;
	}
	if (image->size > header->core_size ||
	    core_and_percpu + config_size > hv_mem->size) {
		pr_err("enable: hypervisor (%zu bytes, core %llu, %u x %llu per CPU) and configuration (%zu bytes) do not fit into %llu bytes of hypervisor memory\n",
		       image->size, header->core_size, max_cpus,
		       header->percpu_size, config_size, hv_mem->size);
		goto out_release_firmware;
	}

	err = -EBUSY;
	hypervisor_region = request_mem_region(hv_mem->phys_start, hv_mem->size,
					       "Jailhouse hypervisor");
	if (!hypervisor_region) {
		pr_err("enable: hypervisor memory %llx-%llx is in use (keep it from Linux with mem= or memmap=)\n",
		       hv_mem->phys_start, hv_mem->phys_start + hv_mem->size - 1);
		goto out_release_firmware;
	}
	err = -ENOMEM;
	hypervisor_mem = jailhouse_arch_map(hv_mem->phys_start, hv_mem->size);
	if (!hypervisor_mem) {
		pr_err("enable: cannot map hypervisor memory at %llx\n",
		       hv_mem->phys_start);
		goto out_release_memory;
	}

	/* Image at the start, zeros, the configuration after the per-CPU areas */
	memcpy(hypervisor_mem, image->data, image->size);
	memset(hypervisor_mem + image->size, 0, hv_mem->size - image->size);
	memcpy(hypervisor_mem + core_and_percpu, config, config_size);
	header = hypervisor_mem;
	header->max_cpus = max_cpus;
	/* jh_load_firmware checked that the console page lies in the core. */
	if (config->flags & JH_SYS_VIRTUAL_DEBUG_CONSOLE)
		jailhouse_console_page = hypervisor_mem + header->console_page;

	root = jh_cell_new(&config->root_cell, config_size -
			   offsetof(struct jh_system, root_cell));
	if (IS_ERR(root)) {
		err = PTR_ERR(root);
		goto out_release_memory;
	}
	call.allowed = &root->cpus_assigned;

	err = jailhouse_arch_prepare(header);
	if (err) {
		kobject_put(&root->kobj);
		goto out_release_memory;
	}
	jailhouse_arch_flush(hypervisor_mem, hv_mem->size);
	call.header = header;
	call.header_phys = hv_mem->phys_start;
	err = jh_on_every_cpu(jh_enter_cpu, &call);
	cpumask_and(&root->cpus_assigned, &root->cpus_assigned,
		    cpu_online_mask);
	if (err) {
		pr_err("enable: the hypervisor refused to start (error %d)\n",
		       err);
		kobject_put(&root->kobj);
		goto out_release_memory;
	}

	err = jailhouse_arch_protect(hypervisor_mem, hv_mem->size);
	if (err)
		pr_warn("enable: hypervisor memory stays writable and executable in the kernel (error %d)\n",
			err);
	release_firmware(image);
	jailhouse_root_cell = root;
	err = jh_cell_register(root);
	if (err)
		pr_err("enable: root cell missing from sysfs (error %d)\n", err);
	jailhouse_enabled = true;
	__module_get(THIS_MODULE);
	mutex_unlock(&jailhouse_lock);
	kvfree(config);
	/* Not header->online_cpus: the root cell now sees an empty page there. */
	pr_info("enabled: hypervisor running on %u CPUs\n", call.cpus);
	return 0;

out_release_memory:
	jh_release_hypervisor_memory();
out_release_firmware:
	release_firmware(image);
out_unlock:
	mutex_unlock(&jailhouse_lock);
out_free_config:
	kvfree(config);
	return err;
}

static int jh_cmd_disable(void)
{
	struct jh_cpu_call call = {};
	int err;

	if (mutex_lock_interruptible(&jailhouse_lock))
		return -EINTR;
	err = -EINVAL;
	if (!jailhouse_enabled) {
		pr_err("disable: not enabled\n");
		goto out_unlock;
	}
	if (!cpumask_subset(&jailhouse_root_cell->cpus_assigned,
			    cpu_online_mask)) {
		/* It waits in the hypervisor, which would then be gone. */
		pr_err("disable: a CPU of the root cell is offline: bring it online first\n");
		err = -EBUSY;
		goto out_unlock;
	}
	err = jh_on_every_cpu(jh_leave_cpu, &call);
	if (err) {
		pr_err("disable: the hypervisor refused to stop (error %d)\n",
		       err);
		goto out_unlock;
	}
	/* Non-root cells are gone with the hypervisor: their CPUs return. */
	jh_cells_remove_all();
	jh_release_hypervisor_memory();
	jailhouse_enabled = false;
	module_put(THIS_MODULE);
	pr_info("disabled\n");
out_unlock:
	mutex_unlock(&jailhouse_lock);
	return err;
}

static long jh_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	void __user *user = (void __user *)arg;

	switch (ioctl) {
	case JAILHOUSE_ENABLE:
		return jh_cmd_enable(user);
	case JAILHOUSE_DISABLE:
		return jh_cmd_disable();
	case JAILHOUSE_CELL_CREATE:
		return jh_cmd_cell_create(user);
	case JAILHOUSE_CELL_LOAD:
		return jh_cmd_cell_load(user);
	case JAILHOUSE_CELL_START:
		return jh_cmd_cell_start(user);
	case JAILHOUSE_CELL_DESTROY:
		return jh_cmd_cell_destroy(user);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations jh_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = jh_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice jh_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "jailhouse",
	.fops = &jh_fops,
};

/*
 * Power-off and reboot with the hypervisor on would take every cell down:
 * the hypervisor refuses PSCI SYSTEM_OFF/RESET (as upstream), so, as
 * upstream's driver does, disable first when Linux shuts down.
 */
static int jh_reboot_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	int err;

	if (!READ_ONCE(jailhouse_enabled))
		return NOTIFY_DONE;
	err = jh_cmd_disable();
	if (err && err != -EINVAL)
		pr_emerg("disable before shutdown failed (error %d)\n", err);
	return NOTIFY_DONE;
}

static struct notifier_block jh_reboot_nb = {
	.notifier_call = jh_reboot_notify,
};

static int __init jh_init(void)
{
	int err;

	jailhouse_dev = root_device_register("jailhouse");
	if (IS_ERR(jailhouse_dev))
		return PTR_ERR(jailhouse_dev);
	err = jh_sysfs_init(jailhouse_dev);
	if (err)
		goto out_unregister_root;
	err = misc_register(&jh_misc);
	if (err)
		goto out_sysfs;
	register_reboot_notifier(&jh_reboot_nb);
	pr_info("driver loaded (%s)\n", jailhouse_arch_name);
	return 0;

out_sysfs:
	jh_sysfs_exit(jailhouse_dev);
out_unregister_root:
	root_device_unregister(jailhouse_dev);
	return err;
}

static void __exit jh_exit(void)
{
	unregister_reboot_notifier(&jh_reboot_nb);
	misc_deregister(&jh_misc);
	jh_sysfs_exit(jailhouse_dev);
	root_device_unregister(jailhouse_dev);
}

module_init(jh_init);
module_exit(jh_exit);

MODULE_DESCRIPTION("Jailhouse partitioning hypervisor driver");
MODULE_LICENSE("GPL");
MODULE_FIRMWARE(JH_FIRMWARE_NAME);
