/* Loading a large CSV file of SMEs on two threads. The input is split at a
 * line end outside quotes (after 15/32 of it). A second thread reads the header
 * and then the second part into a load of its own, which stops at its first
 * problem and stages SMEs without ever taking the writer lock (tags the
 * engine lacks stay local to the part, an SME that brings a new language is
 * staged unprepared: sm__bulk_set_deferring), while the calling thread reads
 * the first part as a load on one thread does, its new tags local too (so
 * neither thread waits at the engine's lock for the other when a long-tail
 * vocabulary brings new tags all the time). The second part's SMEs are then
 * spliced after the first part's, and the tags of both interned in file
 * order, so that tags get the ids one thread gives them. A problem in the
 * second part, an id staged in both parts or any other failure drops what
 * the second thread did, and the calling thread reads the second part
 * itself: problems, their order and their messages are always those of one
 * thread. */
#include "io/io.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Inputs shorter than this are read by one thread (tests set it to 0: every
 * input that can be split is, on any number of processors). */
size_t sm__load_split_min = (size_t)8 << 20;

/* Second parts taken from the second thread (for tests). */
size_t sm__load_split_taken;

bool sm__split_wanted(size_t size)
{
    if (size < 2 || size < sm__load_split_min)
        return false;
    if (sm__load_split_min == 0)
        return true;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus >= 2;
}

void sm__split_scan_init(sm__split_scan *s, size_t size)
{
    memset(s, 0, sizeof *s);
    /* The splice and the commit follow the end of both parts, so the
     * parts should end together. The calling thread reads its part more
     * slowly per byte (at 1,000,000 rows about a fifth: it checks the
     * file's UTF-8 before the second thread starts, and it reads as a
     * load on one thread does); after 15/32 of the input both end within
     * a few hundredths of a second, where after 3/8 it waited 0.3-0.4 s
     * for the second thread. */
    s->target = size / 32 * 15;
    s->size = size;
    s->ok = true;
}

/* Quotes in d[0..n). */
static size_t quotes(const char *d, size_t n)
{
    size_t k = 0;
    for (const char *q = d, *end = d + n; (q = memchr(q, '"', (size_t)(end - q))); q++)
        k++;
    return k;
}

void sm__split_scan_feed(sm__split_scan *s, const char *d, size_t n)
{
    size_t i = 0;
    if (s->at || !s->ok) {
        s->pos += n;
        return;
    }
    if (s->cr_end && n && d[0] != '\n')
        s->ok = false; /* a line ending in '\r' alone: lines are not counted here as the parser counts them */
    s->cr_end = false;
    while (s->ok && i < n) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - d) : n;
        const char *cr = memchr(d + i, '\r', e - i);
        if (cr && !(nl && cr == nl - 1) && !(!nl && cr == d + n - 1))
            s->ok = false;
        else if (cr && !nl)
            s->cr_end = true;
        s->quoted ^= quotes(d + i, e - i) & 1;
        if (!nl)
            break;
        s->lines++;
        if (!s->quoted && s->pos + e + 1 > s->target) {
            s->at = s->pos + e + 1;
            break;
        }
        i = e + 1;
    }
    s->pos += n;
}

bool sm__split_scan_point(const sm__split_scan *s, size_t *at, unsigned long *line)
{
    if (!s->ok || !s->at || s->at >= s->size)
        return false;
    *at = s->at;
    *line = s->lines + 1;
    return true;
}

/* ---- the second thread ---------------------------------------------------------------- */

struct sm__split {
    sm__load ld;      /* the second part's load */
    const char *mem;  /* the input in memory, or NULL: read from fd */
    int fd;
    size_t head;      /* where the header may start (after a byte order mark) */
    size_t at, size;  /* the second part: [at, size) */
    unsigned long line; /* the line that starts at `at` */
    char *buf;        /* fd: the bytes read */
    size_t chunk;
    pthread_t thread;
    atomic_bool stop; /* the calling thread needs the result no more */
    sm_status st;
};

/* Up to max bytes of the input at off; *n is 0 at its end. */
static sm_status part_read(sm__split *p, size_t off, size_t max, const char **d, size_t *n)
{
    if (max > p->chunk)
        max = p->chunk;
    if (p->mem) {
        *d = p->mem + off;
        *n = off < p->size ? (p->size - off < max ? p->size - off : max) : 0;
        return SM_OK;
    }
    ssize_t k = pread(p->fd, p->buf, max, (off_t)off);
    if (k < 0)
        return SM_ERR_IO;
    *d = p->buf;
    *n = (size_t)k;
    return SM_OK;
}

static sm_status part_run(sm__split *p, sm__csv **cp)
{
    sm__load *ld = &p->ld;
    sm_status st;
    if (!p->mem && !(p->buf = sm__malloc(sm__load_alloc(ld), p->chunk)))
        return sm__nomem();
    if ((st = sm_bulk_new(&ld->bulk, ld->engine)))
        return st;
    /* The part is read on a thread of its own, whose allocations a malloc
     * may keep in a pool of that thread's after they are freed: a large
     * part's lists go in blocks that are mapped one by one (glibc maps
     * every allocation above 32 MiB) and so given back when freed; its items
     * go in one array made at once for as many rows as the first part has
     * lines (and a little more), instead of arrays grown and freed. */
    size_t big = ((size_t)32 << 20) + 4096;
    bool large = p->size - p->at >= (size_t)16 << 20;
    if ((st = sm__bulk_set_deferring(ld->bulk, large ? big : 0, p->line + p->line / 8)))
        return st;
    if ((st = sm__csv_begin(cp, ld)))
        return st;
    sm__csv *c = *cp;
    /* the header, a line at a time, from the start of the first part */
    const char *d;
    size_t n;
    if ((st = part_read(p, p->head, p->at - p->head, &d, &n)))
        return st;
    for (size_t i = 0; i < n && sm__csv_header_kind(c) == SM_DATA_AUTO;) {
        const char *nl = memchr(d + i, '\n', n - i);
        if (!nl)
            break;
        size_t e = (size_t)(nl - d) + 1;
        if ((st = sm__csv_feed(c, d + i, e - i)))
            return st;
        i = e;
    }
    if (sm__csv_header_kind(c) != SM_DATA_SMES || !sm__csv_at_line(c, p->line))
        return SM_ERR_UNSUPPORTED; /* the calling thread reads it all */
    for (size_t off = p->at; !atomic_load_explicit(&p->stop, memory_order_relaxed);) {
        if ((st = part_read(p, off, p->size - off, &d, &n)))
            return st;
        if (!n)
            break;
        if ((st = sm__csv_feed(c, d, n)))
            return st;
        off += n;
    }
    if (atomic_load(&p->stop))
        return SM_ERR_CANCELLED;
    return sm__csv_end(c);
}

static void *part_main(void *arg)
{
    sm__split *p = arg;
    sm__csv *c = NULL;
    p->st = part_run(p, &c);
    sm__csv_free(c);
    sm__free(sm__load_alloc(&p->ld), p->buf);
    p->buf = NULL;
    return NULL;
}

sm_status sm__split_start(sm__split **out, sm__load *ld, const char *mem, int fd, size_t head, size_t at,
                          unsigned long line, size_t size)
{
    *out = NULL;
    sm__split *p = sm__calloc(sm__load_alloc(ld), 1, sizeof *p);
    if (!p)
        return sm__nomem();
    sm__ld_init(&p->ld, ld->engine, ld->name, &ld->opts);
    /* every problem ends the part; nothing is delivered from it */
    p->ld.opts.on_problem = NULL;
    p->ld.opts.lenient = 0;
    p->ld.opts.dry_run = 0;
    p->ld.speculative = true;
    p->mem = mem;
    p->fd = fd;
    p->head = head;
    p->at = at;
    p->line = line;
    p->size = size;
    p->chunk = sm__load_chunk ? sm__load_chunk : 1;
    atomic_init(&p->stop, false);
    if (pthread_create(&p->thread, NULL, part_main, p) != 0) {
        sm__ld_release(&p->ld);
        sm__free(sm__load_alloc(ld), p);
        return SM_OK; /* one thread then */
    }
    *out = p;
    return SM_OK;
}

/* Moves what the second part staged into the load: all of it, or nothing. */
static sm_status take(sm__load *ld, sm__load *part)
{
    sm_status st;
    if (!ld->bulk && (st = sm_bulk_new(&ld->bulk, ld->engine)))
        return st;
    /* the lines of the staged SMEs name the first of a duplicate id; the
     * second part ends the file, nothing is staged after it: its lines are
     * not kept */
    if ((st = sm__bulk_splice(ld->bulk, part->bulk)))
        return st;
    ld->rep.rows += part->rep.rows;
    ld->rep.loaded += part->rep.loaded;
    return SM_OK;
}

bool sm__split_finish(sm__split *p, sm__load *ld, bool want)
{
    if (!p)
        return false;
    if (!want)
        atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    bool ok = want && p->st == SM_OK;
    if (ok) {
        /* a failure here was the part's own: its error is not the load's */
        sm__error_saved saved;
        sm__error_save(&saved);
        ok = take(ld, &p->ld) == SM_OK;
        sm__error_restore(&saved);
        sm__load_split_taken += ok;
    }
    sm__ld_release(&p->ld);
    sm__free(sm__load_alloc(ld), p);
    return ok;
}
