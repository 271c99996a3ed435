/*
 * Hostile ioctls on /dev/jailhouse (bsp/common/tests/kmod.sh runs it): arguments a buggy or
 * malicious program could pass, each with the errno the driver must answer, without an oops.
 *
 *   ioctl-probe disabled SYSTEM.cell   while the hypervisor is off: enable with a NULL or
 *                                      wrapping pointer, a broken signature, counts that make the
 *                                      configuration huge (a memory-region count, a CPU-set size
 *                                      the CPU walk would read past the copy with), a header whose
 *                                      body runs into an unmapped page; an unknown ioctl; cell
 *                                      create with sizes 0 and 4 GiB - 1, a wrapping or unmapped
 *                                      argument
 *   ioctl-probe enabled CELLNAME       with a non-root cell CELLNAME: cell load with an image
 *                                      table running into an unmapped page, an image that wraps
 *                                      around the address space, an image of 2^64 - 1 bytes; cell
 *                                      start of the root cell, destroy of a cell that is not there
 *
 * Prints "ioctl-probe: ok CASE" or "ioctl-probe: FAIL CASE: errno N"; exit status 0 when every
 * case gave the expected errno. No C library: raw system calls.
 */
	.equ	SYS_OPENAT, 56
	.equ	SYS_CLOSE, 57
	.equ	SYS_READ, 63
	.equ	SYS_WRITE, 64
	.equ	SYS_IOCTL, 29
	.equ	SYS_EXIT, 93
	.equ	SYS_MMAP, 222
	.equ	SYS_MPROTECT, 226
	.equ	AT_FDCWD, -100
	.equ	O_RDWR, 2

	.equ	JAILHOUSE_ENABLE, 0x40080000		/* _IOW(0, 0, void *) */
	.equ	JAILHOUSE_CELL_CREATE, 0x40100002	/* _IOW(0, 2, struct jailhouse_cell_create) */
	.equ	JAILHOUSE_CELL_LOAD, 0x40300003		/* _IOW(0, 3, struct jailhouse_cell_load) */
	.equ	JAILHOUSE_CELL_START, 0x40280004	/* _IOW(0, 4, struct jailhouse_cell_id) */
	.equ	JAILHOUSE_CELL_DESTROY, 0x40280005	/* _IOW(0, 5, struct jailhouse_cell_id) */

	.equ	EFAULT, 14
	.equ	EINVAL, 22
	.equ	ENOENT, 2
	.equ	ENOTTY, 25

	/* struct jailhouse_system: root cell at 356, its cpu_set_size at +48 and
	   num_memory_regions at +52; the fixed part (header and root cell) is 492 bytes */
	.equ	SYS_CPU_SET_SIZE, 404
	.equ	SYS_NUM_MEMORY_REGIONS, 408
	.equ	SYS_FIXED_SIZE, 492
	.equ	CONFIG_MAX, 65536
	.equ	PAGE, 4096

/* probe NAME, REQUEST, EXPECTED: ioctl(fd, REQUEST, x2) must fail with -EXPECTED */
.macro probe name, request, expected
	ldr	x1, =\request
	mov	x3, #\expected
	adr	x4, 9001f
	bl	check
	b	9002f
9001:	.asciz	"\name"
	.balign	4
9002:
.endm

	.text
	.globl	_start
_start:
	ldr	x24, [sp]			/* argc */
	cmp	x24, #3
	b.lt	usage
	ldr	x25, [sp, #16]			/* argv[1]: mode */
	ldr	x26, [sp, #24]			/* argv[2] */
	mov	x23, #0				/* failures */

	mov	x0, #AT_FDCWD
	adr	x1, device
	mov	x2, #O_RDWR
	mov	x8, #SYS_OPENAT
	svc	#0
	tbnz	x0, #63, usage
	mov	x19, x0

	/* two pages, the second unmapped (PROT_NONE): for arguments that run off the end */
	mov	x0, #0
	mov	x1, #(2 * PAGE)
	mov	x2, #3				/* PROT_READ | PROT_WRITE */
	mov	x3, #0x22			/* MAP_PRIVATE | MAP_ANONYMOUS */
	mov	x4, #-1
	mov	x5, #0
	mov	x8, #SYS_MMAP
	svc	#0
	tbnz	x0, #63, usage
	mov	x22, x0
	add	x0, x22, #PAGE
	mov	x1, #PAGE
	mov	x2, #0				/* PROT_NONE */
	mov	x8, #SYS_MPROTECT
	svc	#0

	ldrb	w0, [x25]
	cmp	w0, #'e'
	b.eq	enabled

disabled:
	/* the system configuration, argv[2] */
	mov	x0, #AT_FDCWD
	mov	x1, x26
	mov	x2, #0				/* O_RDONLY */
	mov	x8, #SYS_OPENAT
	svc	#0
	tbnz	x0, #63, usage
	mov	x27, x0
	adr	x20, config
	mov	x21, #0
1:	mov	x0, x27
	add	x1, x20, x21
	mov	x2, #CONFIG_MAX
	sub	x2, x2, x21
	cbz	x2, usage			/* too large for this probe */
	mov	x8, #SYS_READ
	svc	#0
	tbnz	x0, #63, usage
	add	x21, x21, x0
	cbnz	x0, 1b
	mov	x0, x27
	mov	x8, #SYS_CLOSE
	svc	#0
	cmp	x21, #SYS_FIXED_SIZE
	b.lt	usage

	mov	x2, #0
	probe	"enable with a NULL configuration", JAILHOUSE_ENABLE, EFAULT
	mov	x2, #-256
	probe	"enable with a configuration wrapping around the address space", JAILHOUSE_ENABLE, EFAULT

	bl	copy_config
	ldrb	w0, [x20]
	eor	w0, w0, #0x20
	strb	w0, [x20]
	adr	x2, scratch
	probe	"enable with a broken signature", JAILHOUSE_ENABLE, EINVAL

	bl	copy_config
	adr	x2, scratch
	mov	w0, #-1
	str	w0, [x2, #SYS_NUM_MEMORY_REGIONS]
	probe	"enable with 2^32 - 1 memory regions", JAILHOUSE_ENABLE, EINVAL

	bl	copy_config
	adr	x2, scratch
	mov	w0, #-1
	str	w0, [x2, #SYS_CPU_SET_SIZE]
	probe	"enable with a CPU set larger than the configuration", JAILHOUSE_ENABLE, EINVAL

	/* header and root cell intact at the end of the mapped page, the rest unmapped */
	add	x0, x22, #(PAGE - SYS_FIXED_SIZE)
	adr	x1, config
	mov	x2, #SYS_FIXED_SIZE
	bl	copy
	add	x2, x22, #(PAGE - SYS_FIXED_SIZE)
	probe	"enable with a configuration cut off by an unmapped page", JAILHOUSE_ENABLE, EFAULT

	adr	x2, config
	probe	"an unknown ioctl", 0x4008dead, ENOTTY

	/* struct jailhouse_cell_create { u64 config_address; u32 config_size; u32 padding; } */
	adr	x2, create_arg
	adr	x0, config
	str	x0, [x2]
	str	wzr, [x2, #8]
	probe	"cell create of 0 bytes", JAILHOUSE_CELL_CREATE, EINVAL
	adr	x2, create_arg
	mov	w0, #-1
	str	w0, [x2, #8]
	probe	"cell create of 4 GiB - 1 bytes", JAILHOUSE_CELL_CREATE, EINVAL
	adr	x2, create_arg
	mov	x0, #-PAGE
	str	x0, [x2]
	mov	w0, #PAGE
	str	w0, [x2, #8]
	probe	"cell create from the last page of the address space", JAILHOUSE_CELL_CREATE, EFAULT
	add	x2, x22, #PAGE
	probe	"cell create with its argument unmapped", JAILHOUSE_CELL_CREATE, EFAULT
	b	finish

enabled:
	/* struct jailhouse_cell_load: cell_id (id -1, padding, name[32]) at 0, count at 40, images from 48 */
	adr	x0, load_arg
	bl	load_header
	adr	x0, load_arg
	mov	w1, #-1
	str	w1, [x0, #40]			/* 2^32 - 1 images: the second one is not there */
	add	x0, x22, #(PAGE - 48 - 32)	/* one image fits before the unmapped page */
	adr	x1, load_arg
	mov	x2, #48
	bl	copy
	add	x0, x22, #(PAGE - 32)		/* image 0: 8 KiB to the last page, wrapping */
	str	xzr, [x0]
	mov	x1, #0x2000
	str	x1, [x0, #8]
	mov	x1, #-PAGE
	str	x1, [x0, #16]
	add	x2, x22, #(PAGE - 48 - 32)
	/* image 0 is refused before the table runs off: the count alone must not be trusted */
	probe	"cell load refusing its first image of a 2^32 - 1 image table", JAILHOUSE_CELL_LOAD, EINVAL
	add	x0, x22, #(PAGE - 48)		/* now no image is readable at all */
	adr	x1, load_arg
	mov	x2, #48
	bl	copy
	add	x2, x22, #(PAGE - 48)
	probe	"cell load with its image table unmapped", JAILHOUSE_CELL_LOAD, EFAULT

	adr	x0, load_arg
	mov	w1, #1
	str	w1, [x0, #40]
	adr	x1, config			/* source: any readable memory */
	str	x1, [x0, #48]			/* source_address */
	mov	x1, #0x2000
	str	x1, [x0, #56]			/* size */
	mov	x1, #-PAGE
	str	x1, [x0, #64]			/* target_address: wraps with the size */
	adr	x2, load_arg
	probe	"cell load of an image wrapping around the address space", JAILHOUSE_CELL_LOAD, EINVAL
	adr	x0, load_arg
	mov	x1, #-1
	str	x1, [x0, #56]			/* 2^64 - 1 bytes */
	str	xzr, [x0, #64]
	adr	x2, load_arg
	probe	"cell load of a 2^64 - 1 byte image", JAILHOUSE_CELL_LOAD, EINVAL

	/* struct jailhouse_cell_id: the root cell by id, then a name no cell has */
	adr	x2, id_arg
	str	xzr, [x2]
	probe	"cell start of the root cell", JAILHOUSE_CELL_START, EINVAL
	adr	x2, id_arg
	mov	w0, #-1
	str	w0, [x2]
	mov	w0, #'n'
	strb	w0, [x2, #8]
	probe	"cell destroy of a cell that is not there", JAILHOUSE_CELL_DESTROY, ENOENT

finish:
	mov	x0, x19
	mov	x8, #SYS_CLOSE
	svc	#0
	cmp	x23, #0
	cset	x0, ne
	mov	x8, #SYS_EXIT
	svc	#0

usage:
	adr	x1, message_usage
	mov	x2, #(message_usage_end - message_usage)
	bl	write
	mov	x0, #2
	mov	x8, #SYS_EXIT
	svc	#0

/* check: ioctl(x19, x1, x2); the result must be -x3; x4 names the case. Clobbers x0-x8. */
check:
	mov	x28, x30
	mov	x5, x3
	mov	x6, x4
	stp	x5, x6, [sp, #-16]!
	mov	x0, x19
	mov	x8, #SYS_IOCTL
	svc	#0
	ldp	x5, x6, [sp], #16
	neg	x7, x0				/* errno */
	stp	x6, x7, [sp, #-16]!
	cmp	x7, x5
	b.ne	1f
	adr	x1, message_ok
	mov	x2, #(message_ok_end - message_ok)
	bl	write
	ldr	x1, [sp]
	bl	write_string
	adr	x1, newline
	mov	x2, #1
	bl	write
	add	sp, sp, #16
	ret	x28
1:	add	x23, x23, #1
	adr	x1, message_fail
	mov	x2, #(message_fail_end - message_fail)
	bl	write
	ldr	x1, [sp]
	bl	write_string
	adr	x1, message_errno
	mov	x2, #(message_errno_end - message_errno)
	bl	write
	ldr	x3, [sp, #8]
	bl	write_signed
	adr	x1, newline
	mov	x2, #1
	bl	write
	add	sp, sp, #16
	ret	x28

/* copy_config: the read configuration (x20, x21 bytes) to scratch; x20 = scratch afterwards */
copy_config:
	mov	x9, x30
	adr	x0, scratch
	adr	x1, config
	mov	x2, x21
	bl	copy
	adr	x20, scratch
	ret	x9

/* copy(x0 destination, x1 source, x2 bytes). Clobbers x0-x3. */
copy:
	cbz	x2, 2f
1:	ldrb	w3, [x1], #1
	strb	w3, [x0], #1
	subs	x2, x2, #1
	b.ne	1b
2:	ret

/* load_header(x0): a cell_load naming the cell argv[2] (x26), no images. Clobbers x0-x4. */
load_header:
	mov	w1, #-1
	str	w1, [x0]			/* id: by name */
	str	wzr, [x0, #4]
	add	x2, x0, #8
	mov	x3, #0
1:	ldrb	w4, [x26, x3]
	strb	w4, [x2, x3]
	cbz	w4, 2f
	add	x3, x3, #1
	cmp	x3, #31
	b.lt	1b
	strb	wzr, [x2, x3]
2:	str	wzr, [x0, #40]
	str	wzr, [x0, #44]
	ret

/* write(1, x1, x2). Clobbers x0, x8. */
write:
	mov	x0, #1
	mov	x8, #SYS_WRITE
	svc	#0
	ret

/* write_string(x1): a NUL-terminated string. Clobbers x0-x3, x8. */
write_string:
	mov	x3, x30
	mov	x2, #0
1:	ldrb	w0, [x1, x2]
	cbz	w0, 2f
	add	x2, x2, #1
	b	1b
2:	bl	write
	ret	x3

/* write_signed(x3): decimal. Clobbers x0-x8, x10-x12. */
write_signed:
	mov	x12, x30
	adr	x1, digits_end
	mov	x10, x3
	cmp	x10, #0
	cneg	x10, x10, lt
	mov	x11, #10
1:	udiv	x5, x10, x11
	msub	x6, x5, x11, x10
	add	x6, x6, #'0'
	strb	w6, [x1, #-1]!
	mov	x10, x5
	cbnz	x10, 1b
	tbz	x3, #63, 2f
	mov	w6, #'-'
	strb	w6, [x1, #-1]!
2:	adr	x2, digits_end
	sub	x2, x2, x1
	bl	write
	ret	x12

	.ltorg

device:		.asciz	"/dev/jailhouse"
message_ok:	.ascii	"ioctl-probe: ok "
message_ok_end:
message_fail:	.ascii	"ioctl-probe: FAIL "
message_fail_end:
message_errno:	.ascii	": errno "
message_errno_end:
newline:	.ascii	"\n"
message_usage:	.ascii	"usage: ioctl-probe disabled SYSTEM.cell | enabled CELLNAME\n"
message_usage_end:

	.data
digits:		.space	24
digits_end:
	.balign	8
create_arg:	.space	16
id_arg:		.space	40
	.balign	8
load_arg:	.space	72

	.bss
	.balign	8
config:		.space	CONFIG_MAX
scratch:	.space	CONFIG_MAX
