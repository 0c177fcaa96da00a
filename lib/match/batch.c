/* Batch: the top-k partners of every SME (or of a list) on several threads.
 * Workers take querying SMEs from a shared counter, each with its own query
 * context (tables reused across its queries), and hand every result to the
 * caller's callback under one mutex, so callbacks never run at once. */
#include "match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct batch {
    const sm_engine *e;
    const sm_batch_options *o;
    const sm_query_options *q;
    const sm_weighting *w;
    const uint32_t *todo; /* SME indices to query */
    size_t total;
    atomic_size_t next;
    atomic_int stop;      /* set on error or cancellation */
    pthread_mutex_t mu;   /* callbacks, done, first error */
    size_t done;
    sm_status status;     /* first failure */
    sm__error_saved err;  /* its details */
} batch;

/* Keeps the first failure with its details; the caller's thread re-raises it. */
static void record(batch *b, sm_status st)
{
    if (b->status)
        return;
    b->status = st;
    sm__error_save(&b->err);
    if (b->err.status != st) { /* the failure left no details: name the status */
        b->err.status = st;
        snprintf(b->err.message, sizeof b->err.message, "%s", sm_status_str(st));
        b->err.file[0] = b->err.field[0] = b->err.value[0] = '\0';
    }
}

static void *worker(void *arg);

/* Workers on threads of their own run under the read lock the caller holds
 * for the whole batch; they borrow it so that callbacks on them may call
 * read-only functions of the engine without locking it again. */
static void *worker_thread(void *arg)
{
    batch *b = arg;
    sm__read_borrow(b->e);
    worker(arg);
    sm__read_return(b->e);
    return NULL;
}

static void *worker(void *arg)
{
    batch *b = arg;
    sm__qctx q;
    sm__qctx_init(&q, b->e);
    while (!atomic_load(&b->stop)) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->total)
            break;
        size_t a = b->todo[i];
        sm_result *r = NULL;
        sm_status st = sm__query_run(&q, a, b->q, b->w, &r);
        pthread_mutex_lock(&b->mu);
        if (st) {
            record(b, st);
            atomic_store(&b->stop, 1);
        } else if (!atomic_load(&b->stop)) {
            if (b->o->on_result(r, b->o->result_userdata)) {
                sm__fail(SM_ERR_CANCELLED, "batch: cancelled by the result callback");
                record(b, SM_ERR_CANCELLED);
                atomic_store(&b->stop, 1);
            } else {
                b->done++;
                if (b->o->on_progress && b->o->on_progress(b->done, b->total, b->o->progress_userdata)) {
                    sm__fail(SM_ERR_CANCELLED, "batch: cancelled by the progress callback");
                    record(b, SM_ERR_CANCELLED);
                    atomic_store(&b->stop, 1);
                }
            }
        }
        pthread_mutex_unlock(&b->mu);
        sm_result_free(r);
    }
    sm__qctx_free(&q);
    return NULL;
}

sm_status sm_batch_options_init(sm_batch_options *opts, unsigned int version)
{
    if (!opts || version != SM_BATCH_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch options: NULL or unsupported version %u", version);
    sm_batch_options d = SM_BATCH_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

#define MAX_THREADS 256

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Sorts SME indices by (region, index); keeps them when memory is short. */
static void sort_by_region(const sm_engine *e, uint32_t *todo, size_t n)
{
    uint64_t *keys = sm__malloc(&e->alloc, n * sizeof *keys);
    if (!keys)
        return;
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint64_t)e->smes.region[todo[i]] << 32 | todo[i];
    qsort(keys, n, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < n; i++)
        todo[i] = (uint32_t)keys[i];
    sm__free(&e->alloc, keys);
}

/* Every SME, in the base's region order, then those of the delta. */
static uint32_t *all_by_region(const sm_engine *e)
{
    const sm__score_cache *c = sm__score_cache_of(e);
    uint32_t *todo = sm__malloc(&e->alloc, (e->smes.n ? e->smes.n : 1) * sizeof *todo);
    if (!todo)
        return NULL;
    size_t m = 0;
    for (size_t p = 0; p < c->n_base; p++) {
        uint32_t i = c->rhot[p].idx;
        if (i < e->smes.n && c->loc[i] == p)
            todo[m++] = i;
    }
    for (size_t d = 0; d < c->n_delta; d++)
        todo[m++] = c->delta[d].idx;
    return todo;
}

/* The shard rule of sm_batch_run_shard(): FNV-1a 64 of the id, modulo n.
 * Fixed forever: shards must agree across library versions and machines. */
static uint64_t id_hash(const char *id)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static sm_status run(const sm_engine *e, const sm_batch_options *o, unsigned shard, unsigned n_shards);

sm_status sm_batch_run(const sm_engine *e, const sm_batch_options *o)
{
    return run(e, o, 0, 1);
}

sm_status sm_batch_run_shard(const sm_engine *e, const sm_batch_options *o, unsigned int shard,
                             unsigned int n_shards)
{
    if (n_shards == 0 || shard >= n_shards)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch: shard %u of %u (shards are 0 .. n_shards - 1)", shard,
                        n_shards);
    return run(e, o, shard, n_shards);
}

static sm_status run(const sm_engine *e, const sm_batch_options *o, unsigned shard, unsigned n_shards)
{
    if (!e || !o)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch: NULL argument");
    if (o->version != SM_BATCH_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch options: unsupported version %u", o->version);
    if (!o->on_result)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch: on_result is required");
    if (o->n_ids && !o->ids)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "batch: ids is NULL but n_ids is %zu", o->n_ids);
    sm_query_options defaults = SM_QUERY_OPTIONS_INIT;
    const sm_query_options *qo = o->query ? o->query : &defaults;
    const sm_weighting *w = NULL;
    sm_status st = sm__query_options_check(qo);
    if (st || (st = sm__query_weighting(&w, qo->weighting)))
        return st;

    batch *b = sm__calloc(&e->alloc, 1, sizeof *b);
    if (!b)
        return sm__nomem();
    b->e = e;
    b->o = o;
    b->q = qo;
    b->w = w;
    uint32_t *todo = NULL;
    if (pthread_mutex_init(&b->mu, NULL)) {
        sm__free(&e->alloc, b);
        return sm__nomem();
    }
    sm__rdlock(e);
    if (o->n_ids) {
        todo = sm__malloc(&e->alloc, o->n_ids * sizeof *todo);
        if (!todo) {
            st = sm__nomem();
            goto out;
        }
        for (size_t i = 0; i < o->n_ids; i++) {
            long x = o->ids[i] ? sm__sme_find(e, o->ids[i]) : -1;
            if (x < 0) {
                st = sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "ids", o->ids[i], "ids: no SME \"%s\"",
                                 o->ids[i] ? o->ids[i] : "(null)");
                goto out;
            }
            todo[i] = (uint32_t)x;
        }
        b->total = o->n_ids;
    } else if (n_shards > 1) {
        todo = sm__malloc(&e->alloc, (e->smes.n ? e->smes.n : 1) * sizeof *todo);
        if (!todo) {
            st = sm__nomem();
            goto out;
        }
        for (size_t i = 0; i < e->smes.n; i++)
            todo[i] = (uint32_t)i;
        b->total = e->smes.n;
    } else {
        b->total = e->smes.n;
    }
    if (n_shards > 1) {
        size_t k = 0;
        for (size_t i = 0; i < b->total; i++)
            if (id_hash(sm__sme_id(e, todo[i])) % n_shards == shard)
                todo[k++] = todo[i];
        b->total = k;
    }
    if ((st = sm__score_cache_get(NULL, e)))
        goto out;
    /* Region by region: consecutive queries of a worker mostly share their
     * region tables (sm__qctx reuses them). Results come in no fixed order.
     * Not done, because it did not pay: seeding a query's k-th threshold
     * with the exact scores of the partners of the worker's last 8 queries
     * (seeds reach about 0.8 of the final k-th total, which the scan's
     * first candidates reach about as fast) saved under 2 % of the scan's
     * instructions and cost more than that in set-up and pair scores. */
    if (todo)
        sort_by_region(e, todo, b->total);
    else if (!(todo = all_by_region(e))) {
        st = sm__nomem();
        goto out;
    }
    b->todo = todo;

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = o->threads ? o->threads : (cpus > 0 ? (size_t)cpus : 1);
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads > b->total)
        threads = b->total ? b->total : 1;
    pthread_t tids[MAX_THREADS];
    size_t started = 0;
    /* The calling thread is worker 0; a thread that cannot start just means fewer workers. */
    for (size_t t = 1; t < threads; t++)
        if (pthread_create(&tids[started], NULL, worker_thread, b) == 0)
            started++;
    worker(b);
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    st = b->status;
    if (st)
        sm__error_restore(&b->err);
out:
    sm__unlock(e);
    sm__free(&e->alloc, todo);
    pthread_mutex_destroy(&b->mu);
    sm__free(&e->alloc, b);
    return st;
}
