/*
 * Constants the inmate's assembly shares with its C# (checked by InmateLayoutTests).
 */
#ifndef INMATE_H
#define INMATE_H

/* Where a Jailhouse cell finds its communication region on arm64 (Inmate/CommRegion.cs Base). */
#define COMM_REGION_BASE	0x80000000
/* Bytes of stack for the one CPU an inmate runs on. */
#define STACK_SIZE		0x2000

#endif
