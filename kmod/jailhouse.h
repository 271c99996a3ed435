/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space interface of /dev/jailhouse: ioctl numbers and argument
 * structures, the same as upstream Jailhouse's so its tools work unchanged.
 * This header is shared by the module and user space (the layout test
 * compiles it with the host's compiler).
 */
#ifndef _JAILHOUSE_UAPI_H
#define _JAILHOUSE_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* A cell name is at most 31 bytes plus the terminating NUL. */
#define JAILHOUSE_CELL_ID_NAMELEN	31

/* id value that asks for a lookup by name instead. */
#define JAILHOUSE_CELL_ID_UNUSED	(-1)

/* JAILHOUSE_CELL_CREATE: a cell configuration in user memory. */
struct jailhouse_cell_create {
	__u64 config_address;
	__u32 config_size;
	__u32 padding;
};

/* One image for JAILHOUSE_CELL_LOAD, copied to a loadable cell region. */
struct jailhouse_preload_image {
	__u64 source_address;
	__u64 size;
	__u64 target_address;
	__u64 padding;
};

/* Names a cell by id, or by name when id is JAILHOUSE_CELL_ID_UNUSED. */
struct jailhouse_cell_id {
	__s32 id;
	__u32 padding;
	char name[JAILHOUSE_CELL_ID_NAMELEN + 1];
};

/* JAILHOUSE_CELL_LOAD: zero images just shuts the cell down. */
struct jailhouse_cell_load {
	struct jailhouse_cell_id cell_id;
	__u32 num_preload_images;
	__u32 padding;
	struct jailhouse_preload_image image[];
};

#define JAILHOUSE_ENABLE		_IOW(0, 0, void *)
#define JAILHOUSE_DISABLE		_IO(0, 1)
#define JAILHOUSE_CELL_CREATE		_IOW(0, 2, struct jailhouse_cell_create)
#define JAILHOUSE_CELL_LOAD		_IOW(0, 3, struct jailhouse_cell_load)
#define JAILHOUSE_CELL_START		_IOW(0, 4, struct jailhouse_cell_id)
#define JAILHOUSE_CELL_DESTROY		_IOW(0, 5, struct jailhouse_cell_id)

#endif /* _JAILHOUSE_UAPI_H */
