/* Private interface between the loader (load*.c) and the format parsers
 * (io_csv.c, io_json.c): a parser turns its input into format-neutral
 * records; the loader validates them, reports problems and applies them.
 * The last part is shared by the loader's own modules only. Not installed. */
#ifndef SM_IO_H
#define SM_IO_H

#include "core/core.h"

#include <locale.h>

/* Every field any kind of file may carry. A field's name is its CSV column
 * and JSON key (matched case-insensitively). */
typedef enum sm__fid {
    SM__F_ID,
    SM__F_NAME,
    SM__F_REGION,
    SM__F_SECTORS,
    SM__F_SIZE,
    SM__F_EMPLOYEES,
    SM__F_FOUNDED,
    SM__F_OFFERS,
    SM__F_NEEDS,
    SM__F_COOPERATION,
    SM__F_LANGUAGES,
    SM__F_CODE,
    SM__F_LAT,
    SM__F_LON,
    SM__F_DEVELOPMENT,
    SM__F_SECTOR_A,
    SM__F_SECTOR_B,
    SM__F_AFFINITY,
    SM__F_COUNT
} sm__fid;

/* The field of that name (ASCII case-insensitive, len bytes), or -1. */
int sm__field_lookup(const char *name, size_t len);
const char *sm__field_name(sm__fid f);
/* Bit mask of the fields a kind uses, and of those it requires. */
uint32_t sm__kind_fields(sm_data_kind kind);
uint32_t sm__kind_required(sm_data_kind kind);
/* The kind a CSV header (mask of the fields present) describes, or
 * SM_DATA_AUTO if none. */
sm_data_kind sm__kind_from_fields(uint32_t present);
const char *sm__kind_name(sm_data_kind kind); /* "SMEs", "regions", ... */

typedef enum sm__vkind {
    SM__V_ABSENT = 0, /* the field is not in the record */
    SM__V_NULL,       /* JSON null */
    SM__V_TEXT,       /* a string (CSV cell, JSON string) */
    SM__V_NUMBER,     /* a JSON number */
    SM__V_LIST,       /* a JSON array of strings */
    SM__V_BADTYPE     /* a JSON value of a type no field accepts (object, boolean, mixed array) */
} sm__vkind;

typedef struct sm__val {
    sm__vkind kind;
    const char *text;          /* TEXT: bytes (NUL-terminated, may hold NULs before len); BADTYPE: its JSON */
    size_t len;                /* TEXT: length */
    double num;                /* NUMBER */
    long long ival;            /* NUMBER, when is_int */
    int is_int;                /* NUMBER: written as an integer */
    const char *const *items;  /* LIST: NUL-terminated strings */
    size_t n_items;            /* LIST */
    const char *type;          /* NUMBER, LIST, BADTYPE: what it is, for messages ("a number", "an object") */
    unsigned long column;      /* CSV: 1-based field number; 0 if unknown */
} sm__val;

/* One input record: a CSV row or a JSON object. Borrowed by the loader for
 * the call to sm__load_record(). */
typedef struct sm__record {
    unsigned long line; /* physical line where it starts, 1-based; 0 if unknown */
    int typed;          /* JSON: numbers must be numbers, strings strings */
    const char *bad;    /* set when the record as a whole is malformed: what is wrong */
    const char *bad_field; /* the field it concerns, or NULL */
    const char *bad_value;
    size_t bad_value_len;
    sm__val v[SM__F_COUNT];
} sm__record;

/* The state of one load. Parsers use it only through the functions below;
 * its layout, further down, belongs to the loader's modules. */
typedef struct sm__load sm__load;

sm_engine *sm__load_engine(const sm__load *ld);
const sm__alloc *sm__load_alloc(const sm__load *ld);
sm_data_kind sm__load_kind(const sm__load *ld); /* as asked (may be AUTO) */
int sm__load_delimiter(const sm__load *ld);     /* as asked: 0 = detect */
/* A ';'-delimited CSV file: numbers may be written with a decimal comma. */
void sm__load_set_decimal_comma(sm__load *ld, bool on);

/* Reports a problem at file:line. The message is "<file>:<line>: <field>:
 * <what> "<value>"" (parts left out when empty or NULL). Returns SM_OK when
 * the load goes on (lenient mode or dry run, callback returned 0), else the
 * status that ends it: `status` itself, or SM_ERR_CANCELLED. `fatal`
 * problems (syntax, missing columns) always end the load. */
sm_status sm__load_problem(sm__load *ld, bool fatal, sm_status status, unsigned long line, unsigned long column,
                           const char *field, const char *value, size_t value_len, const char *what);

/* Counts a record of `kind` and validates it; a good one is staged or kept
 * for applying, a bad one reported. Returns SM_OK to go on, else the status
 * that ends the load. */
sm_status sm__load_record(sm__load *ld, sm_data_kind kind, const sm__record *rec);

/* Checks a CSV header against the kind: a fatal problem names the first
 * required column missing. */
sm_status sm__load_check_columns(sm__load *ld, sm_data_kind kind, uint32_t present, unsigned long line);

/* Parsers. Both return SM_OK or the status that ended the load (already
 * reported through sm__load_problem). Without their library they fail with
 * SM_ERR_UNSUPPORTED. */

/* CSV: streaming. begin, then feed any number of chunks, then end. */
typedef struct sm__csv sm__csv;
sm_status sm__csv_begin(sm__csv **out, sm__load *ld);
sm_status sm__csv_feed(sm__csv *c, const char *data, size_t len);
sm_status sm__csv_end(sm__csv *c);
void sm__csv_free(sm__csv *c);
/* The kind the header named, SM_DATA_AUTO before the header. */
sm_data_kind sm__csv_header_kind(const sm__csv *c);
/* Between rows (nothing of a row fed yet): the next byte fed is the start
 * of physical line `line`. False (nothing changed) in the middle of a row
 * or before the delimiter is known. */
bool sm__csv_at_line(sm__csv *c, unsigned long line);

/* Encodings (encoding.c). Input that is not UTF-8 is converted before it
 * is parsed; UTF-8 input is checked piece by piece. */
typedef struct sm__enc sm__enc;
bool sm__enc_is_utf8(const char *encoding); /* NULL, "", "UTF-8" */
/* *out is NULL when the encoding is UTF-8 (nothing to convert). */
sm_status sm__enc_open(sm__enc **out, sm__load *ld, const char *encoding);
/* Converts the next piece; *out (valid until the next call) holds UTF-8.
 * `last`: no more input follows. */
sm_status sm__enc_convert(sm__enc *x, sm__load *ld, const char *in, size_t n, bool last, const char **out,
                          size_t *out_n);
void sm__enc_free(sm__enc *x);
/* The single-byte encoding bytes most likely are, and a label for it. */
const char *sm__enc_guess(const char *data, size_t n, const char **label);
typedef struct sm__utf8_watch {
    unsigned need;       /* continuation bytes the last piece left owing */
    unsigned long lines; /* newlines before this piece */
    unsigned char lead;  /* the first byte of that sequence */
} sm__utf8_watch;
/* Checks the next piece of input said to be UTF-8; the first bad byte is one
 * fatal problem naming the likely encoding and the option to load it. */
sm_status sm__enc_check_utf8(sm__load *ld, sm__utf8_watch *w, const char *data, size_t n, bool last);

/* JSON: a whole document in memory (without a byte order mark), parsed
 * once; load.c then asks for the records of each kind, in its order. */
typedef struct sm__json sm__json;
sm_status sm__json_parse(sm__json **out, sm__load *ld, const char *data, size_t len);
/* Whether the document holds an array of records of that kind. */
bool sm__json_has(const sm__json *j, sm_data_kind kind);
/* Hands every record of that kind to sm__load_record(). */
sm_status sm__json_records(sm__json *j, sm_data_kind kind);
void sm__json_free(sm__json *j);
/* The routing of jansson's allocations (sm__json_alloc_enter/leave) is in base/base.h. */

/* Bytes sm_load_file reads at a time (64 KiB; fuzz targets make it small). */
extern size_t sm__load_chunk;
/* CSV lines without a quote are split by the loader itself, the rest by
 * libcsv (true); false sends every line to libcsv (tests compare the two). */
extern bool sm__csv_split;

/* ---- the loader's modules (load*.c) only ---------------------------------- */
/* load.c: a load's state made and freed. */
void sm__ld_init(sm__load *ld, sm_engine *e, const char *name, const sm_load_options *opts);
void sm__ld_release(sm__load *ld);
/* load_split.c: a CSV file of SMEs read on two threads. Inputs of at least
 * sm__load_split_min bytes are split (on a machine with two processors). */
extern size_t sm__load_split_min;
extern size_t sm__load_split_taken; /* second parts taken, for tests */
bool sm__split_wanted(size_t size);
/* Where to split: the first line end outside quotes after 15/32 of the
 * input (where both parts end together: load_split.c). Fed
 * the input piece by piece (all of it, or at least up to the point). */
typedef struct sm__split_scan {
    size_t target, size, pos, at;
    unsigned long lines; /* line ends before pos (or at) */
    bool quoted, cr_end, ok;
} sm__split_scan;
void sm__split_scan_init(sm__split_scan *s, size_t size);
void sm__split_scan_feed(sm__split_scan *s, const char *data, size_t n);
/* The split point: the second part is [*at, size), its first line *line;
 * false when there is none (no line end there, or lines ended by '\r'). */
bool sm__split_scan_point(const sm__split_scan *s, size_t *at, unsigned long *line);
/* Starts the second thread on [at, size) of the input (mem, or else the
 * file descriptor fd), its header read from `head` on. *out is NULL when no
 * thread could start (the caller reads on alone). */
typedef struct sm__split sm__split;
sm_status sm__split_start(sm__split **out, sm__load *ld, const char *mem, int fd, size_t head, size_t at,
                          unsigned long line, size_t size);
/* Waits for the second thread and, when `want` (the first part read
 * without an error that ends the load), moves what it staged into ld:
 * true. False: nothing moved; ld reads the second part itself. Frees p. */
bool sm__split_finish(sm__split *p, sm__load *ld, bool want);

/* A region row, kept until the whole file is read. */
typedef struct sm__pend_region {
    char code[SM_REGION_CODE_MAX + 1];
    const char *name; /* load arena */
    double lat, lon, development;
    const char **langs; /* load arena */
    size_t n_langs;
    unsigned long line, column;
    bool ok; /* passed the checks that need the whole file */
} sm__pend_region;

/* A region as it was before this load replaced it. */
typedef struct sm__pend_dev {
    char code[SM_REGION_CODE_MAX + 1];
    double value;
    unsigned long line;
} sm__pend_dev;

typedef struct sm__pend_aff {
    char a[SM_SECTOR_CODE_MAX + 1], b[SM_SECTOR_CODE_MAX + 1];
    char key[2 * SM_SECTOR_CODE_MAX + 2]; /* "a|b", a <= b */
    double value;
    unsigned long line;
} sm__pend_aff;

struct sm__load {
    sm_engine *engine;
    const char *name; /* file or buffer name for messages */
    sm_load_options opts;
    sm_load_report rep;
    bool quiet;           /* second pass over records already reported */
    bool decimal_comma;   /* numbers may be written "119,5" (';'-delimited CSV) */
    bool row_delivered;   /* the record's problems were delivered as they were found */
    bool substitute;      /* dry staging: SMEs in regions of this file use an existing ancestor */
    bool regions_applied;
    bool regions_done;    /* whole-file region checks ran */
    bool speculative;     /* a part of the file read ahead (load_split.c): a problem only ends it */
    size_t n_problems;
    bool have_first;
    sm__error_saved first; /* the first problem, re-raised at the end */
    /* one record's strings and list pointers */
    char *scratch;
    size_t scratch_len, scratch_cap;
    const char **ptrs;
    size_t n_ptrs, cap_ptrs;
    /* cooperation names seen in this load and their bits (a type, once
     * registered, keeps its bit: a name that resolved resolves the same) */
    struct {
        char name[24];
        uint32_t bit;
    } coop_seen[8];
    unsigned n_coop_seen;
    /* SMEs */
    sm_bulk *bulk;
    unsigned long *staged_line; /* line of each staged SME, by staging order */
    size_t n_staged, cap_staged;
    /* regions, development, affinity waiting to be applied */
    sm__arena arena;
    sm__pend_region *regs;
    size_t n_regs, cap_regs, *reg_order;
    sm__hmap reg_map;
    sm__savepoint regions_sp; /* the engine before the regions were applied */
    uint64_t gen_after;    /* engine generation right after the regions were applied */
    sm__pend_dev *devs;
    size_t n_devs, cap_devs;
    sm__hmap dev_map;
    sm__pend_aff *affs;
    size_t n_affs, cap_affs;
    sm__hmap aff_map;
};

/* load_problem.c: every problem goes through sm__ld_record_problem, which
 * records it as the thread's last error, then sm__ld_deliver, which counts
 * it, calls the callback and decides whether the load goes on. */
/* Writes v (n bytes) for a message: quotes, backslashes and control
 * characters escaped, bytes that are not UTF-8 shown as \xNN, cut after
 * `limit` input bytes with "...". */
void sm__ld_show(char *out, size_t cap, const char *v, size_t n, size_t limit);
sm_status sm__ld_record_problem(const sm__load *ld, sm_status st, unsigned long line, unsigned long column,
                                const char *field, const char *value, size_t vlen, bool show_value, const char *what);
sm_status sm__ld_deliver(sm__load *ld, bool fatal);
/* A problem with field f (or -1) of record r; records it, returns st. */
sm_status sm__ld_bad(const sm__load *ld, const sm__record *r, int f, sm_status st, const char *value, size_t vlen,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
/* Re-records the core's last error at the record's file and line. */
sm_status sm__ld_rewrap(const sm__load *ld, const sm__record *r);
/* A value seen twice in one file: names the line of the first. */
sm_status sm__ld_dup_problem(const sm__load *ld, const sm__record *r, int f, const char *value, const char *what,
                             unsigned long first);

/* load_values.c: reading field f of a record. Strings land in the load's
 * scratch, which sm__ld_scratch_reserve sizes for the record first. */
sm_status sm__ld_scratch_reserve(sm__load *ld, const sm__record *r, uint32_t used);
sm_status sm__ld_get_text(sm__load *ld, const sm__record *r, int f, const char **out, size_t *len);
sm_status sm__ld_get_list(sm__load *ld, const sm__record *r, int f, const char *const **out, size_t *n_out);
sm_status sm__ld_get_int(sm__load *ld, const sm__record *r, int f, long long min, long long max, long long *out,
                         bool *present);
sm_status sm__ld_get_real(sm__load *ld, const sm__record *r, int f, double *out, bool *present, char text[64]);
sm_status sm__ld_missing(const sm__load *ld, const sm__record *r, int f);
sm_status sm__ld_real_in(const sm__load *ld, const sm__record *r, int f, double x, const char *text, double min,
                         double max, const char *range);

/* load_regions.c */
bool sm__ld_engine_has_region(sm__load *ld, const char *code);
/* The file's region of that code, if it passed the whole-file checks. */
sm__pend_region *sm__ld_pending_region(const sm__load *ld, const char *code);
sm_status sm__ld_region_record(sm__load *ld, const sm__record *r);
sm_status sm__ld_finish_regions(sm__load *ld);
sm_status sm__ld_apply_regions(sm__load *ld);
void sm__ld_undo_regions(sm__load *ld);

#endif /* SM_IO_H */
