/* Private definitions of the event planner: the event's
 * storage and the two algorithms (selection, scheduling) its files share.
 * The algorithms work on dense indices and know nothing of the engine. */
#ifndef SM_GROUPS_EVENT_H
#define SM_GROUPS_EVENT_H

#define SM_EXPERIMENTAL_API
#include "match/match.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- the event (event.c) ------------------------------------------------ */

typedef struct sm__ev_part {
    char *id;
    char *group;      /* NULL = none */
    unsigned cap;     /* 1..SM_EVENT_CAPACITY_MAX */
    uint64_t unavail; /* bit s-1 set: cannot attend slot s */
} sm__ev_part;

typedef struct sm__ev_wish {
    uint32_t a, b;
    unsigned priority;
    double score;
    sm_wish_status status;
    unsigned slot, table; /* locked position, 0 = none */
} sm__ev_wish;

/* A named session: slots first..last (1-based), start_minute of the day or -1. */
typedef struct sm__ev_session {
    char name[SM_EVENT_SESSION_NAME_MAX + 1];
    unsigned first, last;
    int start_minute;
} sm__ev_session;

/* The sessions of an event, held inline (no allocation); n = 0: the day is one session. */
typedef struct sm__ev_sessions {
    unsigned n;
    sm__ev_session s[SM_EVENT_SLOTS_MAX];
    uint64_t mask[SM_EVENT_SLOTS_MAX]; /* slots of session i */
} sm__ev_sessions;

/* Parses the sessions text of sm_event_options (event_session.c); out is
 * untouched on failure, which names the item and says how to fix it. */
sm_status sm__ev_sessions_parse(sm__ev_sessions *out, const char *text, unsigned slots);
/* The index of the session called name (length len), -1 if none. */
int sm__ev_session_find(const sm__ev_sessions *ss, const char *name, size_t len);
/* The session of slot s (1-based), -1 if none. */
int sm__ev_session_of(const sm__ev_sessions *ss, unsigned s);
/* Fills out from session i. */
void sm__ev_session_export(sm_event_session *out, const sm__ev_sessions *ss, unsigned i);
/* Idle slots of busy within each session (or the whole day without
 * sessions), not counting the slots in unavail. */
unsigned sm__gaps_in(uint64_t busy, uint64_t unavail, const sm__ev_sessions *ss);

struct sm_event {
    sm__alloc alloc;
    const sm_engine *engine;
    sm_event_options opts; /* sessions: NULL (parsed into sess) */
    sm__ev_sessions sess;
    unsigned slot_tables[SM_EVENT_SLOTS_MAX];
    sm__ev_part *parts;
    size_t n_parts, cap_parts;
    sm__hmap part_map;
    sm__ev_wish *wishes;
    size_t n_wishes, cap_wishes;
    uint64_t *pair_keys; /* open addressing: (min << 32 | max) + 1, 0 = empty */
    uint32_t *pair_vals; /* wish index */
    size_t pair_cap;
};

long sm__ev_find(const sm_event *ev, const char *id);
/* Adds or merges one wish; indices already checked. */
sm_status sm__ev_wish_put(sm_event *ev, uint32_t a, uint32_t b, unsigned priority, double score, sm_wish_status status,
                          unsigned slot, unsigned table);
/* Makes room for n more wishes, so that up to n sm__ev_wish_put() calls cannot fail. */
sm_status sm__ev_wish_reserve(sm_event *ev, size_t n);

/* ---- event files (event_io.c; fed by event_csv.c and event_json.c) ------- */

enum { SM__EV_ID, SM__EV_A, SM__EV_B, SM__EV_CAPACITY, SM__EV_GROUP, SM__EV_UNAVAILABLE, SM__EV_PRIORITY,
       SM__EV_STATUS, SM__EV_SLOT, SM__EV_TABLE, SM__EV_SCORE, SM__EV_COL_COUNT };
/* The column names (CSV header) and keys (JSON), by column. */
extern const char *const sm__ev_col_names[SM__EV_COL_COUNT];
/* The columns each kind of file must have (-1 = none). */
extern const int sm__ev_required[4][3];

/* One record, parsed and checked, waiting for the commit. */
typedef struct sm__ev_rec {
    uint32_t a, b;
    char *id, *group; /* participants: owned until committed */
    unsigned cap, priority, slot, table;
    sm_wish_status status;
    double score;
    uint64_t mask;
} sm__ev_rec;

/* A file being read: the record in hand as text fields, and the records
 * checked so far. */
typedef struct sm__ev_reader {
    sm_event *ev;
    sm_event_input kind;
    const char *name;
    sm_status status;
    char **fields;                /* the record's fields; NULL or "" = no value */
    size_t n_fields, cap_fields;
    int col[SM__EV_COL_COUNT];    /* field of each column, -1 = absent */
    bool have_header;
    sm__ev_rec *recs;
    size_t n_recs, cap_recs;
    const char *json_key;         /* JSON: the list being read, for messages ("participants[3].capacity") */
    size_t json_index;
} sm__ev_reader;

/* Takes the fields as the header row (CSV). */
sm_status sm__ev_header(sm__ev_reader *r, unsigned long line);
/* Checks the record in the fields and keeps it; line for messages (CSV). */
sm_status sm__ev_row(sm__ev_reader *r, unsigned long line);
/* Applies every kept record if r->status is SM_OK (all or nothing), frees
 * them, and returns r->status. */
sm_status sm__ev_finish(sm__ev_reader *r);

/* ---- selection (event_select.c) ----------------------------------------- */

typedef struct sm__bm_edge {
    uint32_t u, v;
    double w;
    bool forced;
} sm__bm_edge;

/* Max-weight b-matching, fairness first if asked (maximise the number of
 * vertices with degree >= 1, then >= 2, ..., then weight), with at most
 * max_edges edges in all (the seats of the event). Forced edges are in the
 * result; their degrees must fit (checked by the caller). sel[i] is set to 1
 * for chosen edges. */
sm_status sm__bmatch(const sm__alloc *a, size_t n, const unsigned *cap, const sm__bm_edge *e, size_t m, bool fairness,
                     unsigned effort, size_t max_edges, unsigned char *sel, bool *optimal);

/* Events up to this many participants get the exact search at effort 2. */
#define SM__EXACT_MAX_PARTICIPANTS 100
/* Work of the exact search (arcs looked at by its flow searches, some
 * 2 * 10^7 a second): a bound on its time. */
#define SM__EXACT_WORK 50000000L

/* Exact selection by branch and bound (event_exact.c), starting from the
 * feasible selection in sel and improving it in place. *optimal is set when
 * the search finished within budget (work, see SM__EXACT_WORK): sel is then optimal. */
sm_status sm__bmatch_exact(const sm__alloc *a, size_t n, const unsigned *cap, const sm__bm_edge *e, size_t m,
                           bool fairness, size_t max_edges, long budget, unsigned char *sel, bool *optimal);

/* Upper bound on the weight of any b-matching with at most seats edges and
 * degrees at least lb (NULL = no lower bounds) (event_bound.c): the Lagrangian dual, minimised by sweeps of coordinate
 * descent. */
sm_status sm__dual_bound(const sm__alloc *a, size_t n, const unsigned *cap, const unsigned *lb, const sm__bm_edge *e,
                         size_t m, size_t seats, unsigned sweeps, double *bound);

/* ---- scheduling (event_schedule.c) ---------------------------------------- */

typedef struct sm__sched_in {
    size_t n;              /* vertices */
    const uint64_t *avail; /* per vertex: slots it may use */
    unsigned slots;
    const unsigned *tables; /* per slot (index slot-1) */
    size_t m;               /* meetings */
    const uint32_t *u, *v;  /* endpoints */
    const unsigned *lock_slot, *lock_table; /* 0 = free */
    const bool *must;       /* must be placed (fail otherwise) */
    const sm__ev_sessions *sess; /* idle gaps count within a session */
} sm__sched_in;

/* Gives meetings a slot and a table (0 = could not place, reason in why).
 * Returns SM_ERR_INVALID_ARGUMENT with *bad set for an impossible locked or
 * must meeting. */
sm_status sm__schedule(const sm__alloc *a, const sm__sched_in *in, unsigned *slot, unsigned *table,
                       sm_event_reason *why, size_t *bad);

typedef struct sm__refill_in {
    const sm__sched_in *sched;        /* the scheduling problem */
    const unsigned *slot, *table;     /* its result per meeting, slot 0 = not placed */
    const unsigned *cap;              /* per vertex */
    const sm__bm_edge *e;             /* all candidate wishes */
    size_t m;
    const unsigned char *sel;         /* per edge: selected (placed or not) */
    bool fairness;
    sm_event_reason *why;             /* per edge: set for wishes left out with room on both sides */
} sm__refill_in;

/* Adds unselected wishes in the seats left free (event_refill.c): added[i]
 * is an edge, slot[i] and table[i] its place, for i < *n_added (at most the
 * number of unselected edges). */
sm_status sm__refill(const sm__alloc *a, const sm__refill_in *in, uint32_t *added, unsigned *slot, unsigned *table,
                     size_t *n_added);

/* Idle slots between the first and last set bit of busy, not counting breaks. */
unsigned sm__gaps(uint64_t busy, uint64_t breaks);

/* ---- the plan (event_plan.c) -------------------------------------------- */

struct sm_event_plan {
    sm__alloc alloc;
    char **ids;     /* participants, borrowed by meetings */
    char *others;   /* storage of unscheduled[].other */
    size_t n_ids;
    sm_event_meeting *meetings;
    sm_event_unscheduled *unscheduled;
    sm_event_stats stats;
    unsigned slots;
    uint64_t breaks;
    sm__ev_sessions sess;
};

long sm__plan_find(const sm_event_plan *p, const char *id);

#endif
