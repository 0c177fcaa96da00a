/* The engine's lock: a phase-fair reader-writer lock, and the per-thread
 * record of the read locks a thread holds, so nested read-only calls
 * re-enter instead of locking again.
 *
 * Phase-fair: a writer that arrives waits only for the readers already
 * inside; readers that arrive while a writer waits or writes wait for that
 * one write, and are then all let in together, ahead of the next writer.
 * So a stream of queries cannot starve a writer (glibc's default rwlock
 * prefers readers: a put waited for ever beside 8 query threads), and a
 * writer that changes SMEs back to back cannot starve queries either (a
 * writer-preferring lock lets it in again before the woken readers).
 *
 * Writers also take a mutex of their own for their whole call (writer_mu),
 * and the lock only for the steps that change what readers see; so a
 * writer prepares its change, and runs the derived data's maintenance,
 * while queries run, and queued writers wait on the mutex, not in the lock
 * where they would hold back readers. */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>

int sm__rwlock_init(sm__rwlock *l)
{
    l->readers = 0;
    l->waiting_writers = 0;
    l->waiting_readers = 0;
    l->waiting_peekers = 0;
    l->writing = false;
    l->phase = 0;
    if (pthread_mutex_init(&l->mu, NULL))
        return -1;
    if (pthread_mutex_init(&l->writer_mu, NULL)) {
        pthread_mutex_destroy(&l->mu);
        return -1;
    }
    if (pthread_cond_init(&l->readers_cv, NULL)) {
        pthread_mutex_destroy(&l->writer_mu);
        pthread_mutex_destroy(&l->mu);
        return -1;
    }
    if (pthread_cond_init(&l->writers_cv, NULL)) {
        pthread_cond_destroy(&l->readers_cv);
        pthread_mutex_destroy(&l->writer_mu);
        pthread_mutex_destroy(&l->mu);
        return -1;
    }
    return 0;
}

void sm__rwlock_destroy(sm__rwlock *l)
{
    pthread_mutex_destroy(&l->writer_mu);
    pthread_cond_destroy(&l->writers_cv);
    pthread_cond_destroy(&l->readers_cv);
    pthread_mutex_destroy(&l->mu);
}

static void read_acquire(sm__rwlock *l)
{
    pthread_mutex_lock(&l->mu);
    if (l->writing || l->waiting_writers) {
        /* wait for the end of the next write; its writer counts us in */
        uint64_t ph = l->phase;
        l->waiting_readers++;
        while (l->phase == ph)
            pthread_cond_wait(&l->readers_cv, &l->mu);
    } else {
        l->readers++;
    }
    pthread_mutex_unlock(&l->mu);
}

static void read_release(sm__rwlock *l)
{
    pthread_mutex_lock(&l->mu);
    if (--l->readers == 0 && l->waiting_writers)
        pthread_cond_signal(&l->writers_cv);
    pthread_mutex_unlock(&l->mu);
}

static void write_acquire(sm__rwlock *l)
{
    pthread_mutex_lock(&l->mu);
    l->waiting_writers++;
    while (l->writing || l->readers)
        pthread_cond_wait(&l->writers_cv, &l->mu);
    l->waiting_writers--;
    l->writing = true;
    pthread_mutex_unlock(&l->mu);
}

static void write_release(sm__rwlock *l)
{
    pthread_mutex_lock(&l->mu);
    l->writing = false;
    bool woken = l->waiting_readers > 0; /* the broadcast below wakes the peekers too */
    if (l->waiting_readers) {
        /* the readers that waited for this write go first, all together */
        l->readers += l->waiting_readers;
        l->waiting_readers = 0;
        l->phase++;
        pthread_cond_broadcast(&l->readers_cv);
    } else if (l->waiting_writers) {
        pthread_cond_signal(&l->writers_cv);
    }
    if (l->waiting_peekers && !woken)
        pthread_cond_broadcast(&l->readers_cv);
    pthread_mutex_unlock(&l->mu);
}

/* A peek waits only while a write is under way: a waiting writer waits for
 * it as for a reader (it counts in readers), but it does not wait for the
 * writer. */
static void peek_acquire(sm__rwlock *l)
{
    pthread_mutex_lock(&l->mu);
    while (l->writing) {
        l->waiting_peekers++;
        pthread_cond_wait(&l->readers_cv, &l->mu);
        l->waiting_peekers--;
    }
    l->readers++;
    pthread_mutex_unlock(&l->mu);
}

/* ---- read locks held by this thread -------------------------------------
 * A recursive read lock would deadlock behind a waiting writer (the inner
 * read waits for the writer, the writer for the outer read). So every
 * thread remembers the engines whose read lock it holds, and a nested
 * read-only call (from a custom criterion, a custom combiner or a batch
 * callback) only counts. Batch workers borrow the read lock their caller
 * holds for them (sm__read_borrow). */

#define HELD_MAX 16
typedef struct held {
    const sm_engine *e;
    unsigned depth;
} held;
static _Thread_local held held_locks[HELD_MAX];
static _Thread_local unsigned n_held;

static held *held_find(const sm_engine *e)
{
    for (unsigned i = n_held; i > 0; i--)
        if (held_locks[i - 1].e == e)
            return &held_locks[i - 1];
    return NULL;
}

static void held_push(const sm_engine *e)
{
    if (n_held == HELD_MAX) {
        fprintf(stderr, "smartmatch: more than %d engines read at once on one thread\n", HELD_MAX);
        abort();
    }
    held_locks[n_held++] = (held){ e, 1 };
}

static void held_drop(held *h)
{
    *h = held_locks[--n_held];
}

bool sm__read_held(const sm_engine *e)
{
    return held_find(e) != NULL;
}

/* The lock functions take a const engine because readers only read the
 * data it guards; the lock object itself is mutable by design. */
void sm__rdlock(const sm_engine *e)
{
    held *h = held_find(e);
    if (h) {
        h->depth++;
        return;
    }
    read_acquire((sm__rwlock *)&e->lock);
    held_push(e);
}

void sm__writer_begin(sm_engine *e)
{
    if (held_find(e)) {
        /* A change from inside a query or batch callback would wait for the
         * read lock this very thread holds: say so instead of hanging. */
        fprintf(stderr, "smartmatch: an engine was changed from a callback of a query or batch on it "
                        "(callbacks may only read the engine)\n");
        abort();
    }
    pthread_mutex_lock(&e->lock.writer_mu);
    /* deferred changes queued before this change go first (deferred.c) */
    sm__deferred_publish(e);
}

void sm__peek_begin(const sm_engine *e)
{
    if (held_find(e)) {
        fprintf(stderr, "smartmatch: an engine was changed from a callback of a query or batch on it "
                        "(callbacks may only read the engine)\n");
        abort();
    }
    peek_acquire((sm__rwlock *)&e->lock);
}

void sm__peek_end(const sm_engine *e)
{
    read_release((sm__rwlock *)&e->lock);
}

void sm__writer_excl(sm_engine *e)
{
    write_acquire(&e->lock);
}


/* The derived data's maintenance (core.h: sm__derived_ops.maintain), with
 * the writer mutex held and the lock not. ptr and ops are set by the first
 * query, under the derived data's mutex. */
static void maintain(sm_engine *e)
{
    pthread_mutex_lock(&e->derived.mu);
    void *ptr = e->derived.ptr;
    const sm__derived_ops *ops = e->derived.ops;
    pthread_mutex_unlock(&e->derived.mu);
    if (ptr && ops && ops->maintain)
        ops->maintain(ptr, e);
}

void sm__writer_shared(sm_engine *e)
{
    write_release(&e->lock);
}

void sm__writer_maintain(sm_engine *e)
{
    maintain(e);
}

void sm__writer_end(sm_engine *e)
{
    maintain(e);
    pthread_mutex_unlock(&e->lock.writer_mu);
}

void sm__wrlock(sm_engine *e)
{
    sm__writer_begin(e);
    write_acquire(&e->lock);
}

void sm__unlock(const sm_engine *e)
{
    held *h = held_find(e);
    if (!h) {
        sm_engine *w = (sm_engine *)e; /* a writer holds a mutable engine */
        sm__writer_shared(w);
        sm__writer_end(w);
        return;
    }
    if (--h->depth > 0)
        return;
    held_drop(h);
    read_release((sm__rwlock *)&e->lock);
}

void sm__read_borrow(const sm_engine *e)
{
    held_push(e);
}

void sm__read_return(const sm_engine *e)
{
    held *h = held_find(e);
    if (h)
        held_drop(h);
}
