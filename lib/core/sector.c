/* Sectors: NACE Rev. 2 codes at four levels, spelling normalisation and the
 * hierarchy that scoring and filters use. */
#include "core/core.h"

#include <ctype.h>
#include <string.h>

const char *sm__sector_key(const void *ctx, uint32_t v)
{
    const sm_engine *e = ctx;
    return e->sectors[v]->info.code;
}

/* Parses a spelling into its normalised code and the optional section
 * letter the spelling carried ('\0' if none). */
static bool parse_code(const char *code, char out[SM_SECTOR_CODE_MAX + 1], char *letter_out)
{
    const unsigned char *p = (const unsigned char *)code;
    char letter = 0, digits[5];
    int nd = 0, dot_at = -1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (isalpha(*p) && *p < 0x80) {
        letter = (char)toupper(*p);
        p++;
        while (*p == ' ' || *p == '-')
            p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd == 4)
                return false;
            digits[nd++] = (char)*p;
        } else if (*p == '.') {
            if (dot_at >= 0 || nd != 2)
                return false;
            dot_at = nd;
        } else
            break;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        return false;
    if (letter && (letter < 'A' || letter > 'U'))
        return false;
    if (nd == 0) {
        if (!letter || dot_at >= 0)
            return false;
        out[0] = letter;
        out[1] = '\0';
    } else {
        if (nd < 2 || (dot_at >= 0 && nd == 2))
            return false;
        size_t k = 0;
        out[k++] = digits[0];
        out[k++] = digits[1];
        if (nd > 2) {
            out[k++] = '.';
            for (int i = 2; i < nd; i++)
                out[k++] = digits[i];
        }
        out[k] = '\0';
    }
    if (letter_out)
        *letter_out = nd ? letter : 0;
    return true;
}

sm_status sm_sector_normalize(char *out, size_t capacity, const char *code)
{
    if (!out || !code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sector: NULL argument");
    char buf[SM_SECTOR_CODE_MAX + 1];
    if (!parse_code(code, buf, NULL))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "sectors", code,
                           "sectors: malformed NACE code \"%s\" (e.g. \"C\", \"25\", \"25.1\", \"25.11\", \"C25.11\")",
                           code);
    if (strlen(buf) + 1 > capacity)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sector: output buffer too small (%zu bytes)", capacity);
    strcpy(out, buf);
    return SM_OK;
}

static long find_norm(const sm_engine *e, const char *norm)
{
    uint32_t v;
    if (sm__hmap_get(&e->sector_map, norm, sm__sector_key, e, &v))
        return (long)v;
    return -1;
}

long sm__sector_find(const sm_engine *e, const char *code)
{
    char norm[SM_SECTOR_CODE_MAX + 1], letter;
    if (!parse_code(code, norm, &letter))
        return -1;
    long i = find_norm(e, norm);
    if (i >= 0 && letter && e->sectors[i]->info.section[0] != letter)
        return -1; /* "A25.11": the letter contradicts the division */
    return i;
}

sm_status sm__sector_put_locked(sm_engine *e, const char *code, const char *name, const char *section, bool replace)
{
    char norm[SM_SECTOR_CODE_MAX + 1], letter;
    if (!parse_code(code, norm, &letter))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "sector", code, "sector: malformed NACE code \"%s\"", code);
    if (!name || !*name)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "name", code, "name: sector \"%s\" needs a name", code);
    if (strlen(name) > SM_NAME_MAX)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "name", code, "name: name of sector \"%s\" is too long", code);
    long existing = find_norm(e, norm);
    if (existing >= 0) {
        if (!replace)
            return SM_OK;
        char *nm = sm__arena_strdup(&e->arena, &e->alloc, name);
        if (!nm)
            return sm__nomem();
        e->sectors[existing]->info.name = nm;
        sm__changed(e, true); /* the scoring caches do not depend on sectors */
        return SM_OK;
    }
    size_t len = strlen(norm);
    int level = len == 1 ? 1 : len == 2 ? 2 : len == 4 ? 3 : 4;
    long parent = -1;
    if (level == 2) {
        char sec[SM_SECTOR_CODE_MAX + 1] = { letter, 0 };
        if (section && *section) {
            if (!parse_code(section, sec, NULL) || strlen(sec) != 1)
                return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "section", section,
                                   "section: malformed NACE section \"%s\"", section);
        }
        if (!sec[0])
            return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "section", norm,
                               "section: new division \"%s\" needs its section letter", norm);
        parent = find_norm(e, sec);
        if (parent < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, "sector", code,
                               "sector: section \"%s\" of \"%s\" is not in the engine", sec, norm);
    } else if (level > 2) {
        char pc[SM_SECTOR_CODE_MAX + 1];
        memcpy(pc, norm, len - 1);
        pc[len - 1] = '\0';
        if (level == 3)
            pc[2] = '\0'; /* "25.1" -> "25" */
        parent = find_norm(e, pc);
        if (parent < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, "sector", code,
                               "sector: parent \"%s\" of \"%s\" is not in the engine", pc, norm);
    }
    if (e->n_sectors >= SM__MAX_SECTORS)
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, "sector", norm, "sector: %u sectors at most", SM__MAX_SECTORS);
    sm__arena_mark mark = sm__arena_mark_get(&e->arena);
    sm__sector *s = sm__arena_alloc(&e->arena, &e->alloc, sizeof *s);
    char *c = sm__arena_strdup(&e->arena, &e->alloc, norm);
    char *nm = sm__arena_strdup(&e->arena, &e->alloc, name);
    if (!s || !c || !nm ||
        sm__grow(&e->alloc, (void **)&e->sectors, &e->cap_sectors, e->n_sectors + 1, sizeof *e->sectors) ||
        sm__hmap_reserve(&e->sector_map, &e->alloc, 1, sm__sector_key, e)) {
        sm__arena_rollback(&e->arena, &e->alloc, mark);
        return sm__nomem();
    }
    uint16_t idx = (uint16_t)e->n_sectors;
    s->info.code = c;
    s->info.name = nm;
    s->info.level = level;
    s->level = (uint8_t)level;
    if (parent < 0) {
        s->parent = UINT16_MAX;
        s->section = idx;
        s->info.parent = "";
        s->info.section = c;
    } else {
        const sm__sector *p = e->sectors[parent];
        s->parent = (uint16_t)parent;
        s->section = p->section;
        s->info.parent = p->info.code;
        s->info.section = e->sectors[p->section]->info.code;
    }
    s->aff_key = level == 1 ? (uint8_t)(100 + (c[0] - 'A')) : (uint8_t)((c[0] - '0') * 10 + (c[1] - '0'));
    s->division = level == 2 ? idx : level > 2 ? (level == 3 ? (uint16_t)parent : e->sectors[parent]->division)
                                               : UINT16_MAX;
    s->group = level == 3 ? idx : level == 4 ? (uint16_t)parent : UINT16_MAX;
    e->sectors[e->n_sectors++] = s;
    sm__hmap_insert(&e->sector_map, c, idx);
    sm__changed(e, true); /* the scoring caches do not depend on sectors */
    return SM_OK;
}

sm_status sm_sector_put(sm_engine *e, const char *code, const char *name, const char *section)
{
    if (!e || !code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sector: NULL argument");
    sm__wrlock(e);
    sm_status st = sm__sector_put_locked(e, code, name, section, true);
    sm__unlock(e);
    return st;
}

sm_status sm_sector_get(const sm_sector_info **out, const sm_engine *e, const char *code)
{
    if (!out || !e || !code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sector: NULL argument");
    char norm[SM_SECTOR_CODE_MAX + 1];
    if (!parse_code(code, norm, NULL))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "sector", code, "sector: malformed NACE code \"%s\"", code);
    sm__rdlock(e);
    long i = sm__sector_find(e, code);
    if (i >= 0)
        *out = &e->sectors[i]->info;
    sm__unlock(e);
    if (i < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "sector", code, "sector: unknown NACE code \"%s\"", code);
    return SM_OK;
}

size_t sm_sector_count(const sm_engine *e)
{
    if (!e)
        return 0;
    sm__rdlock(e);
    size_t n = e->n_sectors;
    sm__unlock(e);
    return n;
}

sm_status sm_sector_at(const sm_sector_info **out, const sm_engine *e, size_t index)
{
    if (!out || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sector: NULL argument");
    sm__rdlock(e);
    size_t n = e->n_sectors;
    if (index < n)
        *out = &e->sectors[index]->info;
    sm__unlock(e);
    if (index >= n)
        return sm__fail(SM_ERR_NOT_FOUND, "sector: index %zu past the end (%zu sectors)", index, n);
    return SM_OK;
}

int sm__sector_ancestor(const sm_engine *e, int sector, int level)
{
    while (e->sectors[sector]->level > level)
        sector = e->sectors[sector]->parent;
    return sector;
}
