/* Describing a snapshot without reading it into an engine: the header, the
 * section table with every section's checksum checked and reported (not
 * refused), and the counts in META. For "smartmatch snapshot info" and
 * "verify" (examples/cli/cmd_snapshot.c). */
#include "snapshot/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* The name of SME column section id from the COLUMNS directory; "unknown"
 * when the directory does not list it (a later minor's section). */
static void column_name(const unsigned char *f, const sm_snapshot_section *dir, uint32_t id, char *out, size_t cap)
{
    snprintf(out, cap, "SME column");
    if (!dir || !dir->checksum_ok)
        return;
    snprintf(out, cap, "unknown");
    for (uint64_t k = 0; k + sizeof(sm__snap_column) <= dir->length; k += sizeof(sm__snap_column)) {
        sm__snap_column c;
        memcpy(&c, f + dir->offset + k, sizeof c);
        if (c.section == id) {
            snprintf(out, cap, "SME column %.*s", (int)sizeof c.name, c.name);
            return;
        }
    }
}

static sm_status describe(sm_snapshot_info **out, const unsigned char *f, size_t len, const char *path)
{
    static const reader zero;
    reader r = zero; /* for messages only */
    r.name = path;
    if (len < SM__SNAP_HEADER)
        return sm__snap_bad(&r, 0, len, "file of %zu bytes is shorter than the %u-byte header", len, SM__SNAP_HEADER);
    if (memcmp(f, SM__SNAP_MAGIC, 8) != 0)
        return sm__snap_bad(&r, 0, 0, "no snapshot magic");
    uint16_t major, minor;
    memcpy(&major, f + 8, 2);
    memcpy(&minor, f + 10, 2);
    if (sm__snap_rd32(f + 12) != SM__SNAP_BOM)
        return sm__fail_at(SM_ERR_UNSUPPORTED, path, 0, 0, "header", NULL,
                           "%s: snapshot written on a machine of the other byte order", path);
    if (major != SM__SNAP_MAJOR)
        return major > SM__SNAP_MAJOR ? sm__fail_at(SM_ERR_UNSUPPORTED, path, 0, 0, "header", NULL,
                                                    "%s: snapshot format %u.%u is newer than this library reads (%u.x)",
                                                    path, major, minor, SM__SNAP_MAJOR)
                                      : sm__snap_bad(&r, 0, 8, "format major %u is not known", major);
    if (XXH3_64bits(f, 48) != sm__snap_rd64(f + 48))
        return sm__snap_bad(&r, 0, 48, "header checksum mismatch");
    uint32_t n = sm__snap_rd32(f + 20);
    uint64_t toff = sm__snap_rd64(f + 24);
    if (sm__snap_rd64(f + 32) != len)
        return sm__snap_bad(&r, 0, 32, "the file has %zu bytes, the header says %llu (truncated?)", len,
                            (unsigned long long)sm__snap_rd64(f + 32));
    if (toff < SM__SNAP_HEADER || toff > len || n > (len - toff) / SM__SNAP_ENTRY)
        return sm__snap_bad(&r, 0, 24, "section table (%u entries at %llu) outside the file", n,
                            (unsigned long long)toff);
    const unsigned char *t = f + toff;
    if (XXH3_64bits(t, (size_t)n * SM__SNAP_ENTRY) != sm__snap_rd64(f + 40))
        return sm__snap_bad(&r, 0, toff, "section table checksum mismatch");
    sm_snapshot_info *info = sm__boxed_alloc(&sm__default_alloc, sizeof *info + (size_t)n * sizeof *info->sections);
    if (!info)
        return sm__nomem();
    memset(info, 0, sizeof *info);
    info->sections = (sm_snapshot_section *)(info + 1);
    info->n_sections = n;
    info->format_major = major;
    info->format_minor = minor;
    info->file_size = len;
    info->content_hash = sm__snap_rd64(f + 40);
    const sm_snapshot_section *dir = NULL, *meta = NULL, *hist = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = t + (size_t)i * SM__SNAP_ENTRY;
        sm_snapshot_section *s = &info->sections[i];
        memset(s, 0, sizeof *s);
        s->id = sm__snap_rd32(e);
        s->element_size = sm__snap_rd32(e + 4);
        s->offset = sm__snap_rd64(e + 8);
        s->length = sm__snap_rd64(e + 16);
        s->checksum = sm__snap_rd64(e + 24);
        s->checksum_ok = s->offset <= len && s->length <= len - s->offset && s->offset % SM__SNAP_ALIGN == 0 &&
                         XXH3_64bits(f + s->offset, (size_t)s->length) == s->checksum;
        info->n_damaged += !s->checksum_ok;
        const char *name = sm__snap_sec_name(s->id);
        snprintf(s->name, sizeof s->name, "%s", strcmp(name, "?") ? name : "unknown");
        if (s->id == SM__SEC_COLUMNS)
            dir = s;
        else if (s->id == SM__SEC_META)
            meta = s;
        else if (s->id == SM__SEC_HISTORY)
            hist = s;
    }
    for (uint32_t i = 0; i < n; i++)
        if (info->sections[i].id >= SM__SEC_COLUMN0)
            column_name(f, dir, info->sections[i].id, info->sections[i].name, sizeof info->sections[i].name);
    if (meta && meta->checksum_ok && meta->length == sizeof(sm__snap_meta)) {
        sm__snap_meta m;
        memcpy(&m, f + meta->offset, sizeof m);
        info->smes = m.n_smes;
        info->regions = m.n_regions;
        info->sectors = m.n_sectors;
        info->tags = m.n_tags;
        info->list_entries = m.pool_len;
        info->library_version = m.library_version;
        info->builtin_affinity = (m.flags & SM__SNAP_AFF_BUILTIN) != 0;
    }
    if (hist && hist->checksum_ok && hist->length == sizeof(sm__snap_history)) {
        sm__snap_history h;
        memcpy(&h, f + hist->offset, sizeof h);
        info->history_events = h.n_events;
    }
    *out = info;
    return SM_OK;
}

sm_status sm_snapshot_info_get(sm_snapshot_info **out, const char *path)
{
    if (!out || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot open snapshot: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: not a regular file", path);
    }
    size_t len = (size_t)sb.st_size;
    const void *p = "";
    if (len) {
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot map snapshot: %s", path,
                               strerror(errno));
        }
        p = m;
    }
    close(fd);
    sm_status st = describe(out, p, len, path);
    if (len)
        munmap((void *)p, len);
    return st;
}

void sm_snapshot_info_free(sm_snapshot_info *info)
{
    sm__boxed_free(info);
}
