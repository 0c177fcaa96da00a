/* The snapshot reader's state, shared by the files that read sections
 * (read.c, history.c). Not installed. */
#ifndef SM_SNAPSHOT_READER_H
#define SM_SNAPSHOT_READER_H

#include "snapshot/format.h"

#include <string.h>

typedef struct sec {
    unsigned char *p; /* writable: the engine borrows sections (adopt.c) */
    uint64_t off, len;
    bool present;
} sec;

typedef struct reader {
    unsigned char *data; /* owned by an sm__snap_owner */
    size_t len;
    const char *name; /* file name for messages */
    sec s[256];       /* by id; ids >= 256 are unknown and ignored */
    sm__snap_meta m;
    const char *str;  /* STRINGS */
    uint64_t str_len;
} reader;

/* A corrupt file: names the section and the file offset of the problem
 * (SM_ERR_PARSE). Section id 0 is the header. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
sm_status sm__snap_bad(const reader *r, uint32_t id, uint64_t off, const char *fmt, ...);
/* Section id holds exactly n elements of elem bytes (absent: n must be 0). */
sm_status sm__snap_need(reader *r, uint32_t id, uint64_t n, size_t elem);
/* The string at offset off of STRINGS, for a value at file offset at of section id. */
sm_status sm__snap_str_at(reader *r, uint32_t id, uint64_t at, uint64_t off, const char **out);
/* A section id's name for messages ("meta", "SME column", "?"). */
const char *sm__snap_sec_name(uint32_t id);
/* The cooperation history (history.c), after the SMEs. */
sm_status sm__snap_read_history(reader *r, sm_engine *e);

/* Little-endian fields of the file (the header says the byte order; a
 * file of the other order is refused before any field is read). */
static inline uint64_t sm__snap_rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t sm__snap_rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

#endif /* SM_SNAPSHOT_READER_H */
