/* The snapshot layer: one file holding an engine's primary data (never the
 * caches derived from it), read back into an identical engine. Builds on
 * core only. Not installed.
 *
 * The file, byte by byte (docs/snapshot.md says the same with examples).
 * Integers are in the byte order of the machine that wrote the file; the
 * byte-order mark tells a reader whether it is its own (else it refuses).
 *
 *   offset size  header (64 bytes)
 *   0      8     magic "SMSNAP\0\x1a"
 *   8      2     format major (SM__SNAP_MAJOR); a reader refuses a newer major
 *   10     2     format minor; a reader ignores sections it does not know
 *   12     4     byte-order mark 0x01020304
 *   16     4     header size (64)
 *   20     4     number of sections n
 *   24     8     offset of the section table (64)
 *   32     8     file size in bytes (a shorter file is truncated)
 *   40     8     content hash: XXH3-64 of the section table, which holds
 *                every section's checksum, so it names the content
 *   48     8     XXH3-64 of bytes 0..47
 *   56     8     zero
 *
 *   section table: n entries of 32 bytes, then zeros to a multiple of 64
 *   0      4     section id (SM__SEC_*)
 *   4      4     element size in bytes (0 for blobs)
 *   8      8     offset (a multiple of 64, so each section can be mapped)
 *   16     8     length in bytes (a multiple of the element size)
 *   24     8     XXH3-64 of the section's bytes
 *
 *   sections, each starting on a multiple of 64, zero padding between.
 *   A string is an offset into the STRINGS section, which ends with a NUL,
 *   so every offset inside it names a terminated string.
 *
 *   ID_MAP, TAG_MAP (1.1): the slots of a base/hmap.c map, cap of them (a
 *   power of two, >= 16, >= 2 x keys): 0 empty, else sm__hash(key) << 32 |
 *   (value + 1), linear probing from hash & (cap - 1). Written afresh in
 *   index order; the reader lends them to the engine after sm__hmap_check().
 */
#ifndef SM_SNAPSHOT_FORMAT_H
#define SM_SNAPSHOT_FORMAT_H

#include "core/core.h"

#include <stdint.h>

#define SM__SNAP_MAGIC "SMSNAP\0\x1a"
#define SM__SNAP_MAJOR 1u
#define SM__SNAP_MINOR 1u
#define SM__SNAP_BOM 0x01020304u
#define SM__SNAP_ALIGN 64u
#define SM__SNAP_HEADER 64u
#define SM__SNAP_ENTRY 32u

/* Section ids. Numbers are fixed forever; a new section takes a new id and
 * a minor version. */
enum {
    SM__SEC_META = 1,      /* one sm__snap_meta */
    SM__SEC_STRINGS = 2,   /* blob of NUL-terminated strings */
    SM__SEC_LANGS = 3,     /* char[4] ISO 639-1 codes by language id */
    SM__SEC_COOP = 4,      /* uint32 string offset per cooperation type, by bit */
    SM__SEC_REGIONS = 5,   /* sm__snap_region per region, in index order */
    SM__SEC_ADJ_START = 6, /* uint32 CSR start, n_adj_regions + 1 entries (absent: no adjacency) */
    SM__SEC_ADJ = 7,       /* uint16 region indices */
    SM__SEC_SECTORS = 8,   /* sm__snap_sector per sector, in index order */
    SM__SEC_AFFINITY = 9,  /* double[121][121] sector affinity by key; absent when the engine used the
                            * built-in table, which META names by its hash */
    SM__SEC_TAGS = 10,     /* sm__snap_tag per tag id */
    SM__SEC_COLUMNS = 11,  /* sm__snap_column per SME column: which section holds it */
    SM__SEC_POOL = 12,     /* uint32 list entries: per SME secondary sectors, offers, needs */
    SM__SEC_HISTORY = 13,  /* the cooperation history (history.c): events, members, kinds; absent: none (1.1) */
    SM__SEC_ID_MAP = 14,   /* uint64 hash map slots, SME id -> index (base/hmap.c); absent: rebuilt (1.1) */
    SM__SEC_TAG_MAP = 15,  /* the same for tag key -> tag id (1.1) */
    SM__SEC_HIST_EVENTS = 16,  /* sm__snap_event per event, in log order (1.1) */
    SM__SEC_HIST_MEMBERS = 17, /* uint32 SME indices of the events' members, UINT32_MAX for a removed SME (1.1) */
    SM__SEC_HIST_ORDER = 18,   /* uint32: per SME in index order its partners in the engine's order (1.1) */
    SM__SEC_COLUMN0 = 64,  /* SME columns: 64 + position in SM__SME_COLUMNS */
};

/* META flags. */
#define SM__SNAP_AFF_BUILTIN 1u /* the engine used the built-in affinity table (builtin_affinity_hash) */

typedef struct sm__snap_meta {
    uint64_t n_regions, n_sectors, n_tags, n_smes;
    uint64_t n_langs, n_coop, n_adj_regions, pool_len;
    uint64_t reserved0;  /* zero (not the change counter: equal engines make equal files) */
    uint32_t flags;      /* SM__SNAP_AFF_* */
    uint32_t library_version; /* SM_VERSION_MAJOR << 16 | MINOR << 8 | PATCH of the writer */
    /* The built-in tables compiled into the writing library: rows and an
     * XXH3-64 of their contents. The file holds every region and sector in
     * full, so a reader does not need the same tables for them; the
     * affinity is stored only when the engine changed it, else a reader
     * whose built-in table has another hash refuses the file. */
    uint64_t builtin_regions, builtin_regions_hash;
    uint64_t builtin_sectors, builtin_sectors_hash;
    uint64_t builtin_affinity_hash;
    uint64_t reserved[3];
} sm__snap_meta; /* 144 bytes */

typedef struct sm__snap_region {
    uint32_t code, name; /* string offsets */
    uint32_t parent;     /* region index, UINT32_MAX for countries */
    uint32_t reserved;
    uint64_t langs;      /* language bits (SM__SEC_LANGS ids) */
    double lat, lon, development; /* development NaN when not set */
} sm__snap_region; /* 48 bytes */

typedef struct sm__snap_sector {
    uint32_t code, name; /* string offsets */
    uint32_t parent;     /* sector index, UINT32_MAX for sections */
    uint32_t reserved;
} sm__snap_sector; /* 16 bytes */

typedef struct sm__snap_tag {
    uint32_t str;  /* string offset of the tag's key (folded, as compared) */
    uint32_t df;   /* SMEs listing it in offers or needs */
    uint32_t disp; /* string offset of the spelling first seen, UINT32_MAX when it is the key */
    uint32_t reserved;
} sm__snap_tag; /* 16 bytes */

/* HISTORY: the settings and sizes of the cooperation history. The
 * reader replays the events (members that are removed SMEs left out) as
 * sm_history_add() made them, then orders every SME's partners as
 * HIST_ORDER lists them, which the network criteria's sums follow. */
typedef struct sm__snap_history {
    uint64_t n_events, n_members, n_order; /* entries of HIST_EVENTS, HIST_MEMBERS, HIST_ORDER */
    double half_life;     /* days, finite and > 0 */
    int32_t ref_day;      /* days since 1970-01-01; INT32_MIN: the latest event's day */
    uint32_t n_kinds;     /* at most 255 */
    uint32_t kinds[256];  /* string offsets of the kind names by kind id; unused ones 0 */
} sm__snap_history; /* 1064 bytes */

typedef struct sm__snap_event {
    int32_t day;       /* days since 1970-01-01, years 0000..9999 */
    uint16_t kind;     /* kind id */
    uint16_t reserved;
    uint32_t off, n;   /* members: HIST_MEMBERS[off .. off + n), consecutive from 0 */
} sm__snap_event; /* 16 bytes */

/* The SME columns are written in SM__SME_COLUMNS order, each as its own
 * section, with two exceptions: "cold" is a uint64 string offset per SME
 * (the id, its name the string after it), and "list_off" is recomputed for a
 * pool without the garbage of removed SMEs. */
typedef struct sm__snap_column {
    char name[24];        /* column name, NUL-padded */
    uint32_t elem_size;   /* bytes per SME in the file */
    uint32_t section;     /* section id */
} sm__snap_column; /* 32 bytes */

/* The owner of the bytes an engine borrows from a snapshot (adopt.c). */
typedef struct sm__snap_owner sm__snap_owner;
/* An owner of data[0..len): a private writable mapping (released with
 * munmap) or a block of inner (released with inner). Holds one reference
 * for the caller, dropped by sm__snap_owner_drop(). */
sm_status sm__snap_owner_new(sm__snap_owner **out, const sm__alloc *inner, void *data, size_t len, bool mapped);
/* The allocator for the borrowing engine: every block made through it
 * holds a reference, and freeing borrowed bytes does nothing. */
void sm__snap_owner_alloc(sm__snap_owner *o, sm__alloc *out);
void sm__snap_owner_drop(sm__snap_owner *o);

/* XXH3-64 of a built-in table's rows (write.c), for META. */
void sm__snap_builtin_hashes(sm__snap_meta *m);

/* The reader on bytes in memory (read.c): the file reader maps the file and
 * calls it; the fuzz target calls it directly. */
sm_status sm__snapshot_read_buffer(sm_engine **out, const void *data, size_t len, const char *name,
                                   const sm_allocator *allocator);

/* Tests only: called before each write(2)/fsync/rename the writer makes
 * (n counts them from 0); the crash test aborts there. */
extern void (*sm__snapshot_write_hook)(unsigned long n);

#endif /* SM_SNAPSHOT_FORMAT_H */
