/* Deferred changes: puts and removes checked at call time, queued, and
 * published in batches, each in one exclusive step, by a publisher thread
 * of the engine's (or by the next writer, which publishes the queue before
 * its own change, or by sm_engine_flush()).
 *
 * Locks: the queue's mutex (q->mu) nests inside the writer mutex (a writer
 * takes the batch, and records its errors, under it), and a caller takes
 * the peek (sm__peek_begin) inside q->mu. No exclusive step takes q->mu, so
 * a caller waiting for a peek while holding q->mu waits for that step only.
 * The batch being published (inflight) is changed by the writer that
 * publishes it, under q->mu, and read by callers under q->mu (remove's
 * check) and by that writer without it. */
#include "core/core.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* One queued change: the record copied into the same block. */
struct sm__dchange {
    bool remove;
    bool skip;        /* superseded by a later change of the same id, or failed */
    bool need_writer; /* brings a tag or language the engine lacks: prepared in the exclusive step */
    bool earlier;     /* the batch has earlier changes of the same id */
    long found;       /* the SME's index before the batch, -1 if absent */
    sm__prep prep;
    const char *id;
    sm_sme_desc d;    /* puts only; its strings and arrays follow the struct */
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int sm__deferred_init(sm_engine *e)
{
    sm__deferred *q = &e->deferred;
    memset(q, 0, sizeof *q);
    q->max_delay_s = 1e-3;
    q->max_queued = 4096;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca))
        return -1;
    int bad = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!bad && pthread_mutex_init(&q->mu, NULL))
        bad = 1;
    if (!bad && pthread_cond_init(&q->work_cv, &ca)) {
        pthread_mutex_destroy(&q->mu);
        bad = 1;
    }
    if (!bad && pthread_cond_init(&q->space_cv, NULL)) {
        pthread_cond_destroy(&q->work_cv);
        pthread_mutex_destroy(&q->mu);
        bad = 1;
    }
    pthread_condattr_destroy(&ca);
    return bad ? -1 : 0;
}

static void change_free(sm_engine *e, sm__dchange *c)
{
    sm__prep_free(e, &c->prep);
    sm__free(&e->alloc, c);
}

void sm__deferred_destroy(sm_engine *e)
{
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    bool started = q->started;
    pthread_cond_broadcast(&q->work_cv);
    pthread_mutex_unlock(&q->mu);
    if (started)
        pthread_join(q->thread, NULL);
    /* what is still queued is dropped: nothing can see the engine any more */
    for (size_t i = 0; i < q->n_pending; i++)
        change_free(e, q->pending[i]);
    sm__free(&e->alloc, q->pending);
    sm__free(&e->alloc, q->inflight);
    pthread_cond_destroy(&q->space_cv);
    pthread_cond_destroy(&q->work_cv);
    pthread_mutex_destroy(&q->mu);
}

/* ---- publishing --------------------------------------------------------- */

/* Records the calling thread's last error as a publication error (the
 * first one is kept for flush); q->mu not held. */
static void record_failure(sm__deferred *q, size_t n)
{
    pthread_mutex_lock(&q->mu);
    if (!q->err) {
        sm__error_save(&q->err_saved);
        q->err = q->err_saved.status ? q->err_saved.status : SM_ERR_NOMEM;
    }
    q->n_failed += n;
    pthread_mutex_unlock(&q->mu);
}

static const char *change_key(const void *ctx, uint32_t v)
{
    return ((sm__dchange *const *)ctx)[v]->id;
}

static size_t list_room(const sm__dchange *c)
{
    if (!c->need_writer)
        return (size_t)c->prep.n_secondary + c->prep.n_offers + c->prep.n_needs;
    /* prepared again in the exclusive step: at most as many as given */
    const sm_sme_desc *d = &c->d;
    return (d->n_sectors > SM_LIST_MAX ? SM_LIST_MAX : d->n_sectors) - 1 + d->n_offers + d->n_needs;
}

/* Fails every change of the batch not failed yet (engine unchanged). */
static void fail_batch(sm_engine *e, sm__dchange **b, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        if (!b[i]->skip) {
            sm__prep_free(e, &b[i]->prep);
            b[i]->skip = true;
            failed++;
        }
    record_failure(&e->deferred, failed);
}

/* Publishes b[0..n) in call order as one change: writer mutex held, lock
 * not. Only the last change of each id counts (a put sets the record, a
 * remove drops it, whatever came before), so the batch is prepared as a set
 * of distinct SMEs, beside the queries, and spliced in one exclusive step:
 * the puts first (they replace in place or append, so the indices found
 * before stay right), then the removes. A change that fails is dropped and
 * the others published; without memory the whole batch is dropped, so the
 * engine stays as it was (as after a failed sm_sme_put). */
static void publish_batch(sm_engine *e, sm__dchange **b, size_t n)
{
    sm__deferred *q = &e->deferred;
    sm__hmap seen = { 0 };
    if (sm__hmap_reserve(&seen, &e->alloc, n, change_key, b)) {
        fail_batch(e, b, n);
        return;
    }
    for (size_t i = n; i-- > 0;) {
        uint32_t last;
        if (sm__hmap_get(&seen, b[i]->id, change_key, b, &last)) {
            b[i]->skip = true;
            b[last]->earlier = true;
        } else {
            sm__hmap_insert(&seen, b[i]->id, (uint32_t)i);
        }
    }
    sm__hmap_free(&seen, &e->alloc);
    /* prepare beside the queries: this thread is the only writer */
    size_t fresh = 0, pool = 0, text = 0, changes = 0;
    for (size_t i = 0; i < n; i++) {
        sm__dchange *c = b[i];
        if (c->skip)
            continue;
        c->found = sm__sme_find(e, c->id);
        if (c->remove) {
            if (c->found < 0 && c->earlier) { /* put and removed in this batch: nothing to do */
                c->skip = true;
                continue;
            }
            if (c->found < 0) {
                sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", c->id,
                            "id: no SME \"%s\" to remove (another change removed it first)", c->id);
                c->skip = true;
                record_failure(q, 1);
                continue;
            }
        } else {
            sm_status st = sm__prep_try(e, &c->d, &c->prep, &c->need_writer);
            if (st == SM_ERR_NOMEM) {
                fail_batch(e, b, n);
                return;
            }
            if (st && !c->need_writer) {
                c->skip = true;
                record_failure(q, 1);
                continue;
            }
            fresh += c->found < 0;
            pool += list_room(c);
            text += c->need_writer ? strlen(c->d.id) + (c->d.name ? strlen(c->d.name) : 0) + 2 : c->prep.text_len;
        }
        changes++;
    }
    if (!changes)
        return;
    sm__smes_room room;
    if (sm__smes_room_make(e, fresh, pool, text, &room)) {
        fail_batch(e, b, n);
        return;
    }
    /* No step under the lock takes q->mu (a caller holding it may be
     * waiting for this step to end): failures here are recorded after it. */
    sm__writer_excl(e);
    sm__smes_room_swap(e, &room);
    sm_status st = SM_OK;
    sm__error_saved late;
    size_t n_late = 0;
    for (size_t i = 0; i < n && st != SM_ERR_NOMEM; i++) {
        sm__dchange *c = b[i];
        if (!c->skip && c->need_writer && (st = sm__prep_make(e, &c->d, &c->prep)) != SM_OK &&
            st != SM_ERR_NOMEM) {
            c->skip = true;
            if (!n_late++)
                sm__error_save(&late);
        }
    }
    if (st != SM_ERR_NOMEM)
        st = sm__smes_reserve(e, fresh, pool, text);
    if (st == SM_OK)
        st = sm__derived_reserve(e, changes);
    sm__error_saved nomem;
    if (st) {
        sm__error_save(&nomem);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!b[i]->skip && !b[i]->remove)
                sm__prep_commit_at(e, &b[i]->prep, b[i]->found);
        for (size_t i = 0; i < n; i++)
            if (!b[i]->skip && b[i]->remove)
                sm__sme_remove_at(e, (size_t)sm__sme_find(e, b[i]->id));
    }
    sm__writer_shared(e);
    sm__smes_room_free(e, &room);
    if (n_late) {
        sm__error_restore(&late);
        record_failure(q, n_late);
    }
    if (st) {
        sm__error_restore(&nomem);
        fail_batch(e, b, n);
    }
}

void sm__deferred_publish(sm_engine *e)
{
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    size_t n = q->n_pending;
    if (n) {
        /* the queue becomes the batch; the (empty) batch array the queue */
        sm__dchange **t = q->inflight;
        size_t tc = q->cap_inflight;
        q->inflight = q->pending;
        q->cap_inflight = q->cap_pending;
        q->n_inflight = n;
        q->pending = t;
        q->cap_pending = tc;
        q->n_pending = 0;
    }
    pthread_mutex_unlock(&q->mu);
    if (!n)
        return;
    sm__error_saved keep; /* the caller's own error stays as it was */
    sm__error_save(&keep);
    publish_batch(e, q->inflight, n);
    sm__error_restore(&keep);
    pthread_mutex_lock(&q->mu);
    q->n_inflight = 0;
    pthread_cond_broadcast(&q->space_cv);
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < n; i++)
        change_free(e, q->inflight[i]);
}

/* The publisher: waits until the oldest queued change has waited
 * max_delay (or the queue is full), then publishes as a writer. */
static void *publisher(void *arg)
{
    sm_engine *e = arg;
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    while (!q->stop) {
        if (!q->n_pending) {
            pthread_cond_wait(&q->work_cv, &q->mu);
            continue;
        }
        double due = q->oldest_s + q->max_delay_s;
        if (q->n_pending < q->max_queued && now_s() < due) {
            struct timespec ts = { (time_t)due, (long)((due - (double)(time_t)due) * 1e9) };
            if (ts.tv_nsec >= 1000000000L)
                ts.tv_nsec = 999999999L;
            pthread_cond_timedwait(&q->work_cv, &q->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&q->mu);
        sm__writer_begin(e); /* publishes the queue */
        sm__writer_end(e);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* ---- queueing ----------------------------------------------------------- */

static size_t strsize(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static size_t list_size(const char *const *l, size_t n)
{
    size_t b = n * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        b += strlen(l[i]) + 1;
    return b;
}

static char *put_str(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t l = strlen(s) + 1;
    char *d = memcpy(*at, s, l);
    *at += l;
    return d;
}

/* Copies list l into ptrs (room for n) and its strings at *at. */
static const char *const *put_list(const char **ptrs, char **at, const char *const *l, size_t n)
{
    if (!n)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ptrs[i] = put_str(at, l[i]);
    return ptrs;
}

/* A change in one block of the engine's allocator: a remove of id, or
 * (d not NULL) a put of a copy of d, which was checked. */
static sm__dchange *change_new(sm_engine *e, const char *id, const sm_sme_desc *d)
{
    size_t ptrs = 0, bytes = sizeof(sm__dchange);
    if (d) {
        ptrs = d->n_sectors + d->n_offers + d->n_needs + d->n_languages;
        bytes += list_size(d->sectors, d->n_sectors) + list_size(d->offers, d->n_offers) +
                 list_size(d->needs, d->n_needs) + list_size(d->languages, d->n_languages) + strsize(d->id) +
                 strsize(d->name) + strsize(d->region);
    } else {
        bytes += strsize(id);
    }
    sm__dchange *c = sm__malloc(&e->alloc, bytes);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    const char **p = (const char **)(c + 1);
    char *at = (char *)(p + ptrs);
    if (!d) {
        c->remove = true;
        c->id = put_str(&at, id);
        return c;
    }
    c->d = *d;
    c->d.id = c->id = put_str(&at, d->id);
    c->d.name = put_str(&at, d->name);
    c->d.region = put_str(&at, d->region);
    c->d.sectors = put_list(p, &at, d->sectors, d->n_sectors);
    p += d->n_sectors;
    c->d.offers = put_list(p, &at, d->offers, d->n_offers);
    p += d->n_offers;
    c->d.needs = put_list(p, &at, d->needs, d->n_needs);
    p += d->n_needs;
    c->d.languages = put_list(p, &at, d->languages, d->n_languages);
    return c;
}

/* Whether the engine with the queued changes applied holds id: the last
 * queued change of id decides, else the engine (q->mu and the peek held). */
static bool holds(const sm_engine *e, const sm__deferred *q, const char *id)
{
    for (size_t i = q->n_pending; i-- > 0;)
        if (!strcmp(q->pending[i]->id, id))
            return !q->pending[i]->remove;
    for (size_t i = q->n_inflight; i-- > 0;)
        if (!strcmp(q->inflight[i]->id, id))
            return !q->inflight[i]->remove;
    return sm__sme_find(e, id) >= 0;
}

/* Checks a put (d) or a remove (id) and queues it. */
static sm_status enqueue(sm_engine *e, const sm_sme_desc *d, const char *id)
{
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    while (q->n_pending + q->n_inflight >= q->max_queued && !q->stop) {
        pthread_cond_signal(&q->work_cv); /* full: publish now */
        pthread_cond_wait(&q->space_cv, &q->mu);
    }
    sm_status st = SM_OK;
    sm__peek_begin(e);
    if (d) {
        sm__prep p;
        bool need_writer = false;
        st = sm__prep_try(e, d, &p, &need_writer);
        if (st == SM_OK)
            sm__prep_free(e, &p);
        else if (need_writer) /* a new tag or language: interned when published */
            st = SM_OK;
    } else if (!holds(e, q, id)) {
        st = sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "id: no SME \"%s\" (nor a queued put of it)", id);
    }
    sm__peek_end(e);
    sm__dchange *c = NULL;
    if (st == SM_OK && !(c = change_new(e, id, d)))
        st = sm__nomem();
    if (st == SM_OK && sm__grow(&e->alloc, (void **)&q->pending, &q->cap_pending, q->n_pending + 1,
                                sizeof *q->pending))
        st = sm__nomem();
    if (st == SM_OK && !q->started) {
        if (pthread_create(&q->thread, NULL, publisher, e))
            st = sm__fail(SM_ERR_NOMEM, "deferred changes: cannot start the publisher thread");
        else
            q->started = true;
    }
    if (st == SM_OK) {
        if (!q->n_pending) {
            q->oldest_s = now_s();
            pthread_cond_signal(&q->work_cv);
        }
        q->pending[q->n_pending++] = c;
        if (q->n_pending >= q->max_queued)
            pthread_cond_signal(&q->work_cv);
    } else if (c) {
        sm__free(&e->alloc, c);
    }
    pthread_mutex_unlock(&q->mu);
    return st;
}

sm_status sm_sme_put_deferred(sm_engine *e, const sm_sme_desc *d)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    if (!d)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL description");
    return enqueue(e, d, NULL);
}

sm_status sm_sme_remove_deferred(sm_engine *e, const char *id)
{
    if (!e || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL argument");
    return enqueue(e, NULL, id);
}

sm_status sm_engine_flush(sm_engine *e)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    sm__writer_begin(e); /* publishes what is queued (a batch under way is done: it held the mutex) */
    sm__writer_end(e);
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    sm_status st = q->err;
    sm__error_saved saved;
    if (st)
        saved = q->err_saved;
    size_t failed = q->n_failed;
    q->err = SM_OK;
    q->n_failed = 0;
    pthread_mutex_unlock(&q->mu);
    if (!st)
        return SM_OK;
    sm__error_restore(&saved);
    if (failed > 1)
        return sm__fail_at(st, saved.file, saved.line, saved.column, saved.field, saved.value,
                           "%s (and %zu more deferred changes failed)", saved.message, failed - 1);
    return st;
}

sm_status sm_engine_defer_configure(sm_engine *e, const sm_defer_options *opts)
{
    sm_defer_options d = SM_DEFER_OPTIONS_INIT;
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    if (!opts)
        opts = &d;
    if (opts->version != SM_DEFER_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "defer options: unknown version %u", opts->version);
    if (!(opts->max_delay_ms >= 0 && opts->max_delay_ms <= 10000))
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "max_delay_ms", NULL,
                           "max_delay_ms: %g out of range 0..10000", opts->max_delay_ms);
    if (opts->max_queued < 1 || opts->max_queued > 1048576)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "max_queued", NULL, "max_queued: %zu out of range 1..1048576",
                           opts->max_queued);
    sm__deferred *q = &e->deferred;
    pthread_mutex_lock(&q->mu);
    q->max_delay_s = opts->max_delay_ms / 1e3;
    q->max_queued = opts->max_queued;
    pthread_cond_broadcast(&q->work_cv);
    pthread_cond_broadcast(&q->space_cv);
    pthread_mutex_unlock(&q->mu);
    return SM_OK;
}
