/**
 * @file smartmatch.h
 * @brief smartmatch — a partner-matching engine for small and medium enterprises.
 *
 * smartmatch finds, scores and explains cross-sector and cross-region
 * cooperation partners for SMEs. An application creates one engine
 * (::sm_engine), fills it with regions (NUTS), sectors (NACE) and SMEs —
 * usually starting from the built-in reference taxonomies — and asks for the
 * best partners of an SME under a weighting of criteria (::sm_weighting).
 *
 * Conventions used throughout this header:
 *  - Every function that can fail returns ::sm_status (::SM_OK is 0). Results
 *    come back through out-parameters named @c out, which come first.
 *  - After a failure, sm_error_last() describes it (per thread).
 *  - On failure, out-parameters are left untouched and the engine is exactly
 *    as it was before the call.
 *  - The library copies what it keeps; the caller owns what it passes in.
 *    Objects returned through @c **out are owned by the caller and have one
 *    documented free function, which accepts NULL. @c const pointers returned
 *    by getters are borrowed from their parent.
 *  - Options structs start with @c unsigned @c int @c version, come with an
 *    @c SM_..._INIT macro and an @c ..._init() function, and only ever grow at
 *    the end.
 *  - Thread safety: read-only functions (getters, queries, explain) may run at
 *    once from any number of threads on one engine. Functions that modify the
 *    engine run one at a time (writers queue on a mutex of their own, where
 *    they hold back no query) and take the engine's lock only for the steps
 *    that change what queries read: they wait for the queries running then,
 *    and queries that arrive meanwhile wait for that step.
 *  - Consistency: every call sees one version of the engine: the state after
 *    some sequence of completed changes, never half of one. A put, a remove
 *    and every other single change is one change. A bulk commit (and so the
 *    SMEs of a load) is all-or-nothing for errors, but readers see it in
 *    chunks: a call that runs during sm_bulk_commit() sees the engine before
 *    it, after it, or after one of its chunks (the staged SMEs up to some
 *    point, in staging order); a call started after the commit returned sees
 *    all of it. A call started after a change returned sees it.
 *    sm_batch_run() sees one version for its whole run: every result of a
 *    batch comes from the same engine state (a bulk commit waits for it
 *    between chunks). Deferred changes (experimental,
 *    sm_sme_put_deferred()) are published in batches, each one change for
 *    readers; a query started after sm_engine_flush() returned sees all
 *    that were queued before it. Results equal those of a freshly built engine holding
 *    the same SMEs (docs/scoring.md, "Updates").
 *  - Progress: the lock is phase-fair: a waiting writer holds back the
 *    queries that arrive after it until its step is done, and those queries
 *    then all go before the next writer, so neither side starves. A change
 *    prepares its work (validation, text folding, look-ups, allocation)
 *    beside running queries and holds the lock only to splice it in (one
 *    SME, or a chunk of a bulk commit). Storage that must grow (the SME
 *    arrays, the id map, the list pool, which is also compacted) is copied
 *    beside running queries and swapped in by that step. The scoring caches
 *    follow each change in time proportional to that SME, and the writer
 *    whose change makes them due for a rebuild builds the new ones beside
 *    the current ones, with queries running, and swaps them in with a short
 *    step. They follow a region added or given other languages the same
 *    way; changes of sectors, affinity, development indices, region names
 *    and places, and history leave them as they are. Where they cannot
 *    follow (no memory), the writer rebuilds them at the end of its call,
 *    beside the queries; queries that start meanwhile wait for that build,
 *    which no query then repeats.
 *  - Callbacks (custom criteria and combiners, batch callbacks) run while
 *    the call that runs them holds the engine's reader lock, on the calling
 *    thread or a batch worker thread. They may call read-only functions on
 *    the same engine (the lock is re-entered, not taken again, so they never
 *    deadlock against a waiting writer), but must not change it: a change
 *    from a callback would wait for itself, and aborts the process with a
 *    message instead.
 */
#ifndef SMARTMATCH_H
#define SMARTMATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup api Export and version
 * @{
 */

/** Marks every exported function; everything else in the library is hidden. */
#if defined(_WIN32) && defined(SM_BUILDING_LIBRARY)
#define SM_API __declspec(dllexport)
#elif defined(_WIN32) && !defined(SM_STATIC)
#define SM_API __declspec(dllimport)
#elif defined(__GNUC__) || defined(__clang__)
#define SM_API __attribute__((visibility("default")))
#else
#define SM_API
#endif

#define SM_VERSION_MAJOR 0 /**< Major version: changes break the API or ABI. */
#define SM_VERSION_MINOR 1 /**< Minor version: additions only. */
#define SM_VERSION_PATCH 0 /**< Patch version: fixes only. */
/** The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH. */
#define SM_VERSION_NUMBER (SM_VERSION_MAJOR * 10000 + SM_VERSION_MINOR * 100 + SM_VERSION_PATCH)
/** The version as a string, "MAJOR.MINOR.PATCH". */
#define SM_VERSION_STRING "0.1.0"

/**
 * The version of the library actually linked, as ::SM_VERSION_NUMBER.
 * Compare with ::SM_VERSION_NUMBER to tell header from library.
 * Thread-safe; cannot fail.
 */
SM_API unsigned int sm_version(void);

/** The version of the linked library as a static string, e.g. "0.1.0". */
SM_API const char *sm_version_string(void);

/** @} */

/**
 * @defgroup errors Errors
 *
 * Every function that can fail returns an ::sm_status. The numeric values are
 * fixed forever and never reused. The details of the last failure are kept
 * per thread (as libgit2 does): a thread that got a failing status calls
 * sm_error_last() to learn what went wrong and where, and other threads
 * sharing the same engine cannot overwrite it.
 * @{
 */

/** Status codes. Values are part of the ABI. */
typedef enum sm_status {
    SM_OK = 0,                 /**< Success. */
    SM_ERR_INVALID_ARGUMENT = 1, /**< A NULL pointer or an invalid option value. */
    SM_ERR_NOMEM = 2,          /**< An allocation failed; nothing was changed. */
    SM_ERR_NOT_FOUND = 3,      /**< No SME (or region, sector) with that id or code. */
    SM_ERR_DUPLICATE = 4,      /**< The id or code is already present where that is not allowed. */
    SM_ERR_BAD_ID = 5,         /**< An SME id is empty, too long or contains control characters. */
    SM_ERR_BAD_CODE = 6,       /**< A region, sector, language or tag is malformed. */
    SM_ERR_UNKNOWN_CODE = 7,   /**< A well-formed region or sector code (or a parent) is not in the engine. */
    SM_ERR_RANGE = 8,          /**< A number is NaN or out of its documented range. */
    SM_ERR_PARSE = 9,          /**< Input text could not be parsed (file syntax, bad value in a file). */
    SM_ERR_IO = 10,            /**< A file could not be opened, read or written. */
    SM_ERR_UNSUPPORTED = 11,   /**< The feature was not built in (e.g. JSON without jansson). */
    SM_ERR_CALLBACK = 12,      /**< A user callback failed (returned NaN or a failure code). */
    SM_ERR_CANCELLED = 13,     /**< A callback asked to stop. */
    SM_ERR_LIMIT = 14,         /**< A documented capacity limit would be exceeded. */
    SM_ERR_UNKNOWN_NAME = 15   /**< An unknown criterion, preset, size class or cooperation name. */
} sm_status;

/**
 * The symbolic name of a status code, e.g. "SM_ERR_NOMEM"; "SM_ERR_UNKNOWN"
 * for values not listed above. The string is static. Thread-safe.
 */
SM_API const char *sm_status_str(sm_status status);

/**
 * Details of a failure. All strings are NUL-terminated and never NULL
 * ("" when not applicable). Also passed to ::sm_diag_fn callbacks.
 */
typedef struct sm_error {
    sm_status status;     /**< The status that was returned. */
    const char *message;  /**< Full message, e.g. "smes.csv:42: region: unknown NUTS code \"SI9\"". */
    const char *file;     /**< Input file or buffer name, "" if none. */
    unsigned long line;   /**< 1-based line in @c file, 0 if none. */
    unsigned long column; /**< 1-based column (field number in CSV), 0 if unknown. */
    const char *field;    /**< Name of the field at fault ("region", "weights", ...), "" if none. */
    const char *value;    /**< The offending value (truncated to 200 bytes), "" if none. */
} sm_error;

/**
 * The last failure on the calling thread.
 *
 * Returns a pointer to thread-local storage, valid until the next failing call
 * on the same thread. Successful calls do not clear it. Never returns NULL:
 * if nothing failed yet, status is ::SM_OK and message is "".
 * Thread-safe: each thread sees only its own failures.
 */
SM_API const sm_error *sm_error_last(void);

/** Resets the calling thread's last error to ::SM_OK. Thread-safe. */
SM_API void sm_error_clear(void);

/** @} */

/**
 * @defgroup engine Engine
 * @{
 */

/** The engine: all regions, sectors and SMEs, and the scoring tables. Opaque. */
typedef struct sm_engine sm_engine;

/** Allocates @p size bytes; returns NULL on failure. */
typedef void *(*sm_malloc_fn)(size_t size, void *userdata);
/** Resizes @p ptr (NULL allowed) to @p size bytes (> 0); returns NULL on failure leaving @p ptr valid. */
typedef void *(*sm_realloc_fn)(void *ptr, size_t size, void *userdata);
/** Frees @p ptr (never NULL). */
typedef void (*sm_free_fn)(void *ptr, void *userdata);

/**
 * Replaceable allocation functions (as libuv and SQLite allow). All three
 * must be set. They are called from any thread that uses the engine, so they
 * must be thread-safe; they must not call back into smartmatch.
 */
typedef struct sm_allocator {
    sm_malloc_fn malloc_fn;   /**< malloc replacement. */
    sm_realloc_fn realloc_fn; /**< realloc replacement. */
    sm_free_fn free_fn;       /**< free replacement. */
    void *userdata;           /**< Passed to every call; must outlive the engine and the objects it returns. */
} sm_allocator;

#define SM_TAXONOMY_NONE 0u /**< Start with an empty engine. */
#define SM_TAXONOMY_NUTS 1u /**< Preload all NUTS 2021 regions (levels 0–3) and the countries BA, MD, UA, XK. */
#define SM_TAXONOMY_NACE 2u /**< Preload all 996 NACE Rev. 2 codes with English titles. */
#define SM_TAXONOMY_ALL (SM_TAXONOMY_NUTS | SM_TAXONOMY_NACE) /**< Both. */

#define SM_ENGINE_OPTIONS_VERSION 1 /**< Current version of ::sm_engine_options. */

/** Options for sm_engine_new(). Initialise with ::SM_ENGINE_OPTIONS_INIT or sm_engine_options_init(). */
typedef struct sm_engine_options {
    unsigned int version;          /**< ::SM_ENGINE_OPTIONS_VERSION. */
    unsigned int taxonomies;       /**< Built-in taxonomies to preload: SM_TAXONOMY_* flags. Default ::SM_TAXONOMY_ALL. */
    const sm_allocator *allocator; /**< Allocation functions, copied; NULL = malloc/realloc/free. */
} sm_engine_options;

/** Static initialiser for ::sm_engine_options with the defaults. */
#define SM_ENGINE_OPTIONS_INIT { SM_ENGINE_OPTIONS_VERSION, SM_TAXONOMY_ALL, NULL }

/**
 * Fills @p opts with the defaults.
 * @param opts    options to initialise
 * @param version ::SM_ENGINE_OPTIONS_VERSION
 * @return ::SM_OK, or ::SM_ERR_INVALID_ARGUMENT if @p opts is NULL or @p version unknown.
 */
SM_API sm_status sm_engine_options_init(sm_engine_options *opts, unsigned int version);

/**
 * Creates an engine.
 * @param out  receives the new engine; free it with sm_engine_free()
 * @param opts options, or NULL for the defaults (all built-in taxonomies, malloc)
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL @p out, bad version, incomplete
 *         allocator, unknown taxonomy flag); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_engine_new(sm_engine **out, const sm_engine_options *opts);

/**
 * Frees an engine and everything it holds. Accepts NULL. No other thread may
 * use the engine during or after this call. Objects returned by the engine
 * (results, SME records, weightings) stay valid and are freed separately.
 */
SM_API void sm_engine_free(sm_engine *engine);

/**
 * Loads built-in taxonomies into an existing engine. Codes already present are
 * kept as they are (their names and points are not overwritten).
 * @param engine     the engine
 * @param taxonomies SM_TAXONOMY_* flags
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM (nothing added).
 * Takes the writer lock.
 */
SM_API sm_status sm_engine_load_builtin(sm_engine *engine, unsigned int taxonomies);

/** @} */

/**
 * @defgroup regions Regions
 *
 * Regions use hierarchical NUTS-style codes: two upper-case letters for the
 * country (level 0, Eurostat usage: "EL" for Greece), then one character per
 * level (digits or upper-case letters), up to level 3: "SI", "SI0", "SI03",
 * "SI032". The parent is the code minus its last character and must exist
 * before a child is added.
 * @{
 */

#define SM_REGION_CODE_MAX 5 /**< Longest region code (level 3). */
#define SM_LANGUAGE_MAX 64   /**< Most distinct languages an engine can hold. */
#define SM_NAME_MAX 512      /**< Longest name (bytes) of a region, sector or SME. */

/** Description of a region, for sm_region_put(). */
typedef struct sm_region_desc {
    unsigned int version;             /**< ::SM_REGION_DESC_VERSION. */
    const char *code;                 /**< NUTS-style code (required). */
    const char *name;                 /**< Name (required, UTF-8, 1..::SM_NAME_MAX bytes). */
    double lat;                       /**< Representative point: latitude, -90..90. */
    double lon;                       /**< Representative point: longitude, -180..180. */
    double development;               /**< Development index (> 0, e.g. GDP/head PPS, EU = 100), or NaN if unknown. */
    const char *const *languages;     /**< Working languages (ISO 639-1, e.g. "sl"), may be NULL if n_languages is 0. */
    size_t n_languages;               /**< Number of entries in @c languages. */
} sm_region_desc;

#define SM_REGION_DESC_VERSION 1 /**< Current version of ::sm_region_desc. */
/** Static initialiser for ::sm_region_desc (no point: set lat/lon; development unknown). */
#define SM_REGION_DESC_INIT { SM_REGION_DESC_VERSION, NULL, NULL, 0.0, 0.0, (0.0 / 0.0), NULL, 0 }

/**
 * A region as the engine holds it. Returned by sm_region_get() and
 * sm_region_at(); borrowed from the engine and valid until the engine is
 * freed. Its fields change only when the same code is put again or
 * sm_region_set_development() is called; do not do that while other threads
 * read the record.
 */
typedef struct sm_region_info {
    const char *code;             /**< Code, e.g. "SI032". */
    const char *name;             /**< Name. */
    const char *country;          /**< Country code (first two letters). */
    const char *parent;           /**< Parent code, "" for countries. */
    int level;                    /**< 0 = country .. 3. */
    double lat;                   /**< Latitude of the representative point. */
    double lon;                   /**< Longitude of the representative point. */
    double development;           /**< Development index as set on this region, NaN if none (see sm_region_development()). */
    const char *const *languages; /**< Languages set on this region (not inherited). */
    size_t n_languages;           /**< Number of @c languages. */
} sm_region_info;

/**
 * Adds a region, or replaces the name, point, development index and languages
 * of an existing one (its code and position in iteration order stay).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, bad version, missing name);
 *         ::SM_ERR_BAD_CODE (shape); ::SM_ERR_UNKNOWN_CODE (parent missing);
 *         ::SM_ERR_RANGE (NaN or out-of-range point, development <= 0);
 *         ::SM_ERR_LIMIT (more than ::SM_LANGUAGE_MAX languages, 65535 regions); ::SM_ERR_NOMEM.
 * Takes the writer lock.
 */
SM_API sm_status sm_region_put(sm_engine *engine, const sm_region_desc *desc);

/**
 * Sets (or with NaN clears) the development index of a region.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND; ::SM_ERR_RANGE (<= 0 or infinite).
 * Takes the writer lock.
 */
SM_API sm_status sm_region_set_development(sm_engine *engine, const char *code, double development);

/**
 * Looks a region up by code.
 * @param out    receives a borrowed pointer, valid until the region is replaced or the engine freed
 * @param engine the engine
 * @param code   a NUTS code in upper case ("SI032")
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_NOT_FOUND.
 */
SM_API sm_status sm_region_get(const sm_region_info **out, const sm_engine *engine, const char *code);

/**
 * The development index that scoring uses for a region: its own, else the
 * nearest ancestor's; NaN if none is known. NaN also if the code is unknown.
 */
SM_API double sm_region_development(const sm_engine *engine, const char *code);

/** Number of regions in the engine. Returns 0 for NULL. */
SM_API size_t sm_region_count(const sm_engine *engine);

/**
 * The @p index-th region (0-based; order of insertion, built-ins first by level then code).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND if @p index >= count.
 */
SM_API sm_status sm_region_at(const sm_region_info **out, const sm_engine *engine, size_t index);

/**
 * Great-circle (haversine, R = 6371.0088 km) distance between the representative
 * points of two regions.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND.
 */
SM_API sm_status sm_region_distance_km(double *out, const sm_engine *engine, const char *code_a, const char *code_b);

/**
 * Whether two regions are neighbours as the region-reach criterion sees
 * them: different regions whose ancestors at the coarser of their two levels
 * share a border (built-in adjacency from the GISCO NUTS 2021 polygons; a
 * few land borders of countries without NUTS codes are added; user-added
 * regions have no neighbours).
 * @return 1 if neighbours, 0 if not or if either code is unknown or NULL.
 */
SM_API int sm_region_neighbours(const sm_engine *engine, const char *code_a, const char *code_b);

/** @} */

/**
 * @defgroup sectors Sectors
 *
 * NACE Rev. 2 codes at four levels: section "C" (level 1), division "25"
 * (level 2), group "25.1" (level 3), class "25.11" (level 4). The usual
 * spellings are accepted and normalised: "C25.11", "c 25.11", "2511", "25.11"
 * all mean class "25.11"; "C25" and "25" mean division "25". The section of a
 * division is derived from the NACE structure.
 * @{
 */

#define SM_SECTOR_CODE_MAX 5 /**< Longest normalised sector code ("25.11"). */

/** A sector as the engine holds it; borrowed, valid until the engine is freed. */
typedef struct sm_sector_info {
    const char *code;    /**< Normalised code, e.g. "25.11". */
    const char *name;    /**< Title. */
    const char *parent;  /**< Parent code ("25.1", "25", "C"), "" for sections. */
    const char *section; /**< Section letter. */
    int level;           /**< 1 = section .. 4 = class. */
} sm_sector_info;

/**
 * Normalises a sector code spelling into @p out.
 * @param out      buffer of at least @p capacity bytes (::SM_SECTOR_CODE_MAX + 1 is enough)
 * @param capacity size of @p out
 * @param code     spelling to normalise
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE if no NACE shape.
 * Pure function, thread-safe; does not check that the code exists.
 */
SM_API sm_status sm_sector_normalize(char *out, size_t capacity, const char *code);

/**
 * Adds a sector or renames an existing one. The parent (derived) must exist;
 * a division needs its section given as @p section ("C") when it is new,
 * otherwise pass NULL.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_UNKNOWN_CODE (parent);
 *         ::SM_ERR_LIMIT (65535 sectors); ::SM_ERR_NOMEM. Takes the writer lock.
 */
SM_API sm_status sm_sector_put(sm_engine *engine, const char *code, const char *name, const char *section);

/**
 * Looks a sector up by any accepted spelling.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_NOT_FOUND.
 */
SM_API sm_status sm_sector_get(const sm_sector_info **out, const sm_engine *engine, const char *code);

/** Number of sectors. Returns 0 for NULL. */
SM_API size_t sm_sector_count(const sm_engine *engine);

/** The @p index-th sector (insertion order). ::SM_ERR_NOT_FOUND past the end. */
SM_API sm_status sm_sector_at(const sm_sector_info **out, const sm_engine *engine, size_t index);

/**
 * Replaces the sector-affinity matrix with the caller's own.
 *
 * @p codes are NACE divisions or sections (any accepted spelling); @p values
 * is an @p n × @p n row-major matrix in [0, 1]. An asymmetric matrix is made
 * symmetric by the mean of (i, j) and (j, i). Pairs of codes not covered get 0
 * (a section covers its divisions). Finer codes are mapped to their division.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_UNKNOWN_CODE
 *         (not a division or section); ::SM_ERR_DUPLICATE; ::SM_ERR_RANGE; ::SM_ERR_NOMEM.
 * Takes the writer lock.
 */
SM_API sm_status sm_affinity_set_matrix(sm_engine *engine, const char *const *codes, size_t n, const double *values);

/**
 * Sets one symmetric entry of the affinity matrix (divisions or sections).
 * The first change copies the built-in table into the engine.
 */
SM_API sm_status sm_affinity_set(sm_engine *engine, const char *code_a, const char *code_b, double value);

/** Restores the built-in affinity table (derived from input–output flows; see docs/scoring.md). */
SM_API sm_status sm_affinity_reset(sm_engine *engine);

/**
 * The affinity of two sector codes as the sector-affinity criterion uses it
 * (including the NACE-hierarchy rule for finer codes).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_NOT_FOUND.
 */
SM_API sm_status sm_affinity_get(double *out, const sm_engine *engine, const char *code_a, const char *code_b);

/** @} */

/**
 * @defgroup smes SMEs
 * @{
 */

#define SM_ID_MAX 64      /**< Longest SME id in bytes. */
#define SM_TAG_MAX 128    /**< Longest offer/need tag in bytes after normalisation. */
#define SM_LIST_MAX 65535 /**< Most entries in one list (sectors, offers, needs, languages) of an SME. */

/** Size classes (EU definition by employees: micro < 10, small < 50, medium < 250). */
typedef enum sm_size {
    SM_SIZE_UNKNOWN = 0, /**< Not given. */
    SM_SIZE_MICRO = 1,   /**< Fewer than 10 employees. */
    SM_SIZE_SMALL = 2,   /**< 10–49. */
    SM_SIZE_MEDIUM = 3,  /**< 50–249. */
    SM_SIZE_LARGE = 4    /**< 250 or more. */
} sm_size;

/** Name of a size class ("micro", ..., "unknown"); static. */
SM_API const char *sm_size_name(sm_size size);
/** Parses a size class name (case-insensitive). ::SM_ERR_UNKNOWN_NAME if not one. */
SM_API sm_status sm_size_parse(sm_size *out, const char *name);
/** The size class for an employee count (< 0 gives ::SM_SIZE_UNKNOWN). */
SM_API sm_size sm_size_from_employees(long employees);

/** @name Cooperation types
 * A bit set of the cooperation types an SME seeks. The first eight are
 * built in; sm_cooperation_register() adds more (up to 32 in all).
 * @{ */
#define SM_COOP_JOINT_VENTURE  (1u << 0) /**< "joint_venture" */
#define SM_COOP_SUBCONTRACTING (1u << 1) /**< "subcontracting" */
#define SM_COOP_DISTRIBUTION   (1u << 2) /**< "distribution" */
#define SM_COOP_LICENSING      (1u << 3) /**< "licensing" */
#define SM_COOP_RND            (1u << 4) /**< "rnd" (also "r&d") */
#define SM_COOP_TRAINING       (1u << 5) /**< "training" */
#define SM_COOP_SUPPLY         (1u << 6) /**< "supply" */
#define SM_COOP_SERVICES       (1u << 7) /**< "services" */
/** @} */

/**
 * Registers a new cooperation type name (lower case letters, digits, '_').
 * @param out    receives its bit; if the name exists, its existing bit
 * @param engine the engine
 * @param name   the type's name, 1..32 bytes
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE; ::SM_ERR_LIMIT (32 types). Takes the writer lock.
 */
SM_API sm_status sm_cooperation_register(uint32_t *out, sm_engine *engine, const char *name);
/** The bit of a cooperation type name (case-insensitive; "r&d" = "rnd"). ::SM_ERR_UNKNOWN_NAME if none. */
SM_API sm_status sm_cooperation_parse(uint32_t *out, const sm_engine *engine, const char *name);
/** The name of one cooperation bit, or NULL if not registered. Borrowed, valid for the engine's life. */
SM_API const char *sm_cooperation_name(const sm_engine *engine, uint32_t bit);

/**
 * An SME record: the input of sm_sme_put() and the output of sm_sme_get().
 *
 * As input, all pointers are the caller's and are only read during the call.
 * Tags (offers, needs) are normalised: surrounding white space removed, inner
 * runs of white space collapsed to one space, ASCII letters lower-cased.
 * Languages are ISO 639-1 codes ("sl"), lower-cased.
 */
typedef struct sm_sme_desc {
    unsigned int version;           /**< ::SM_SME_DESC_VERSION. */
    const char *id;                 /**< Unique external id, 1..::SM_ID_MAX bytes, no control characters. */
    const char *name;               /**< Name (UTF-8, may be NULL or ""; at most ::SM_NAME_MAX bytes). */
    const char *region;             /**< Region code (must exist in the engine). */
    const char *const *sectors;     /**< Sector codes, first = primary; at least one. */
    size_t n_sectors;               /**< Number of @c sectors (1..::SM_LIST_MAX). */
    sm_size size;                   /**< Size class; ::SM_SIZE_UNKNOWN derives it from @c employees. */
    long employees;                 /**< Employee count, or -1 if unknown. Must agree with @c size if both are given. */
    int founded;                    /**< Founding year (1000..2100), or 0 if unknown. */
    const char *const *offers;      /**< What the SME offers (tags). */
    size_t n_offers;                /**< Number of @c offers. */
    const char *const *needs;       /**< What the SME needs (tags). */
    size_t n_needs;                 /**< Number of @c needs. */
    uint32_t cooperation;           /**< Cooperation types sought: SM_COOP_* bits. */
    const char *const *languages;   /**< Working languages (ISO 639-1). */
    size_t n_languages;             /**< Number of @c languages. */
} sm_sme_desc;

#define SM_SME_DESC_VERSION 1 /**< Current version of ::sm_sme_desc. */
/** Static initialiser for ::sm_sme_desc: everything empty or unknown. */
#define SM_SME_DESC_INIT { SM_SME_DESC_VERSION, NULL, NULL, NULL, NULL, 0, SM_SIZE_UNKNOWN, -1, 0, NULL, 0, NULL, 0, 0u, NULL, 0 }

/** Fills @p desc with the defaults of ::SM_SME_DESC_INIT. ::SM_ERR_INVALID_ARGUMENT on NULL or bad version. */
SM_API sm_status sm_sme_desc_init(sm_sme_desc *desc, unsigned int version);

/**
 * Inserts an SME, or replaces the one with the same id.
 *
 * Validation, in this order, stops at the first problem and changes nothing:
 * ::SM_ERR_INVALID_ARGUMENT (NULL engine/desc, bad version, NULL list with a
 * non-zero count, no sector), ::SM_ERR_BAD_ID, ::SM_ERR_BAD_CODE (malformed
 * region, sector, language or tag), ::SM_ERR_UNKNOWN_CODE (region or sector
 * not in the engine), ::SM_ERR_RANGE (founding year, employees, size
 * contradicting employees, over-long name), ::SM_ERR_LIMIT (lists longer than
 * ::SM_LIST_MAX, too many languages or SMEs), ::SM_ERR_NOMEM.
 * Duplicate entries within one list are dropped. Validates and prepares the
 * SME while queries run, then takes the writer lock only to splice it in
 * (for the whole put when the SME brings a tag or language the engine does
 * not know yet).
 */
SM_API sm_status sm_sme_put(sm_engine *engine, const sm_sme_desc *desc);

/**
 * Removes the SME with this id.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND. Takes the writer lock.
 * Removal moves the last SME into the freed slot, so indices used by
 * sm_sme_at() change.
 */
SM_API sm_status sm_sme_remove(sm_engine *engine, const char *id);

/**
 * A copy of the SME with this id.
 * @param out    receives a record owned by the caller (one allocation holding all
 *               strings and lists); free it with sm_sme_desc_free()
 * @param engine the engine
 * @param id     the SME's external id
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND; ::SM_ERR_NOMEM.
 * Sector codes come back normalised, tags normalised, size derived.
 */
SM_API sm_status sm_sme_get(sm_sme_desc **out, const sm_engine *engine, const char *id);

/** Like sm_sme_get() for the @p index-th SME (0-based). ::SM_ERR_NOT_FOUND past the end. */
SM_API sm_status sm_sme_at(sm_sme_desc **out, const sm_engine *engine, size_t index);

/** Whether an SME with this id exists (1) or not (0). Never fails; 0 for NULL arguments. */
SM_API int sm_sme_contains(const sm_engine *engine, const char *id);

/** Number of SMEs. 0 for NULL. */
SM_API size_t sm_sme_count(const sm_engine *engine);

/** Frees a record returned by sm_sme_get() or sm_sme_at(). Accepts NULL. */
SM_API void sm_sme_desc_free(sm_sme_desc *desc);

/**
 * A bulk change: SMEs put into it are validated and prepared one by one, then
 * committed all together or not at all (queries may see the commit's chunks,
 * see "Consistency" above). Loaders use it so that a strict load
 * leaves the engine exactly as before when any row is bad. Not thread-safe by
 * itself (one thread fills one bulk); the engine may be queried meanwhile.
 */
typedef struct sm_bulk sm_bulk;

/** Starts a bulk change. Free it with sm_bulk_free(). ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM. */
SM_API sm_status sm_bulk_new(sm_bulk **out, sm_engine *engine);

/**
 * Validates and stages one SME (same rules and status codes as sm_sme_put();
 * ::SM_ERR_DUPLICATE if the id was already staged in this bulk). A failing
 * put leaves the bulk as it was. Regions and sectors are resolved now;
 * they can never be removed from an engine, so they stay valid until commit.
 * Takes the reader lock (queries go on), or the writer lock briefly when
 * the row brings a tag or language the engine does not know yet (interned
 * at once).
 */
SM_API sm_status sm_bulk_put(sm_bulk *bulk, const sm_sme_desc *desc);

/** Number of SMEs staged. */
SM_API size_t sm_bulk_count(const sm_bulk *bulk);

/**
 * Applies every staged SME (insert or replace), all or none; the bulk is
 * empty afterwards. Room for all of them is made first, in one step, so
 * that nothing can fail later; then the SMEs are spliced in chunks of a few
 * thousand under the writer lock, and queries run between the chunks (each
 * query sees the engine before or after a chunk, never inside one).
 * @return ::SM_OK; ::SM_ERR_NOMEM (engine unchanged, bulk kept).
 */
SM_API sm_status sm_bulk_commit(sm_bulk *bulk);

/** Frees a bulk (uncommitted SMEs are dropped). Accepts NULL. Free before its engine. */
SM_API void sm_bulk_free(sm_bulk *bulk);

/** @} */

/**
 * @defgroup weighting Criteria and weighting
 *
 * A criterion maps a pair of SMEs (a, b) to a score in [0, 1]; docs/scoring.md
 * gives each built-in formula. A weighting holds a weight per criterion, the
 * parameters of the built-in criteria, optional custom criteria and a
 * combiner that turns the scores into one total in [0, 1].
 *
 * A weighting is not tied to an engine. It is immutable while queries use it:
 * several threads may query with one weighting at once, but changing it while
 * a query runs is not allowed (copy it instead).
 * @{
 */

/** Built-in criteria. Values are part of the ABI. */
typedef enum sm_criterion {
    SM_CRIT_COMPLEMENTARITY = 0,  /**< "complementarity": offers meet needs, both ways. */
    SM_CRIT_SECTOR_AFFINITY = 1,  /**< "sector_affinity": input–output affinity of the sectors. */
    SM_CRIT_REGION_REACH = 2,     /**< "region_reach": distance decay, cross-border and neighbour bonus. */
    SM_CRIT_COHESION = 3,         /**< "cohesion": links less with more developed regions. */
    SM_CRIT_SIZE_FIT = 4,         /**< "size_fit": size-class compatibility. */
    SM_CRIT_COOPERATION_FIT = 5,  /**< "cooperation_fit": overlap of cooperation types sought. */
    SM_CRIT_LANGUAGE = 6          /**< "language": a shared working language. */
} sm_criterion;

#define SM_CRIT_BUILTIN_COUNT 7 /**< Number of built-in criteria. */
#define SM_CRITERIA_MAX 32      /**< Most criteria (built-in + custom) in one weighting. */

/** Name of a built-in criterion ("complementarity", ...), NULL if out of range. Static. */
SM_API const char *sm_criterion_name(sm_criterion criterion);

/** How the two directions of complementarity combine (see docs/scoring.md). */
typedef enum sm_reciprocity {
    SM_RECIPROCITY_HARMONIC = 0,   /**< 2xy/(x+y): both sides must gain (default). */
    SM_RECIPROCITY_ARITHMETIC = 1, /**< (x+y)/2. */
    SM_RECIPROCITY_MAX = 2,        /**< max(x, y): one-way supply counts fully. */
    SM_RECIPROCITY_MIN = 3         /**< min(x, y). */
} sm_reciprocity;

/** How criterion scores combine into the total. */
typedef enum sm_combiner {
    SM_COMBINE_MEAN = 0,      /**< Weighted arithmetic mean (default). */
    SM_COMBINE_GEOMETRIC = 1, /**< Weighted geometric mean. */
    SM_COMBINE_MIN = 2,       /**< Minimum over criteria with weight > 0. */
    SM_COMBINE_CUSTOM = 3     /**< A ::sm_combine_fn. */
} sm_combiner;

/** One side of a pair, as custom criteria see it. All pointers borrowed for the call. */
typedef struct sm_pair_side {
    const char *id;          /**< SME id. */
    const char *region;      /**< Region code. */
    const char *country;     /**< Country code. */
    const char *sector;      /**< Primary sector code. */
    sm_size size;            /**< Size class. */
    long employees;          /**< Employees or -1. */
    int founded;             /**< Founding year or 0. */
    uint32_t cooperation;    /**< Cooperation bits. */
    size_t n_offers;         /**< Number of offers. */
    size_t n_needs;          /**< Number of needs. */
} sm_pair_side;

/** The pair handed to a custom criterion. Filled by the library; valid only during the call. */
typedef struct sm_pair {
    const sm_engine *engine; /**< The engine (read-only functions may be called). */
    sm_pair_side a;          /**< The querying SME. */
    sm_pair_side b;          /**< The candidate. */
    double distance_km;      /**< Distance between the regions' points. */
    const double *builtin;   /**< The ::SM_CRIT_BUILTIN_COUNT built-in scores of this pair, by ::sm_criterion. */
} sm_pair;

/**
 * A custom criterion. Returns a score in [0, 1]. Values outside [0, 1] are
 * clamped. NaN means failure: the query stops and returns ::SM_ERR_CALLBACK
 * with the criterion name in the message. Called from the querying thread
 * (batch: a worker thread), possibly from several threads at once; it may call
 * read-only smartmatch functions but must not modify the engine.
 */
typedef double (*sm_criterion_fn)(const sm_pair *pair, void *userdata);

/**
 * A custom combiner: @p scores and @p weights have @p n entries (criteria with
 * weight 0 are included). Must return a total in [0, 1]; clamped otherwise;
 * NaN fails the query with ::SM_ERR_CALLBACK. Same threading rules as ::sm_criterion_fn.
 */
typedef double (*sm_combine_fn)(const double *scores, const double *weights, size_t n, void *userdata);

/** Destroys user data kept by a weighting; called on replace and on free. */
typedef void (*sm_destroy_fn)(void *userdata);

/** A weighting of criteria. Opaque. */
typedef struct sm_weighting sm_weighting;

/**
 * A new weighting equal to the "balanced" preset. Free with sm_weighting_free().
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_weighting_new(sm_weighting **out);

/**
 * A new weighting from a named preset: "balanced", "cross_border",
 * "supply_chain", "cohesion", "local" (docs/scoring.md lists their weights).
 * "-" and "_" are interchangeable in names.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNKNOWN_NAME; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_weighting_preset(sm_weighting **out, const char *name);

/** Number of presets; sm_weighting_preset_name() enumerates them. */
SM_API size_t sm_weighting_preset_count(void);
/** Name of the @p index-th preset, NULL past the end. Static. */
SM_API const char *sm_weighting_preset_name(size_t index);

/**
 * Parses a weighting from text: an optional preset name first, then
 * comma-separated "name=value" items, e.g. "cross_border,complementarity=3,cohesion=0.5".
 * Names are built-in criterion names or parameters ("complementarity.reciprocity=max",
 * "region_reach.scale_km=300", see sm_weighting_set_param()), and "combiner=mean|geometric|min".
 * Without a preset, criteria not named get weight 0.
 * Errors name the item: ::SM_ERR_UNKNOWN_NAME, ::SM_ERR_RANGE (negative, NaN,
 * infinite or all-zero weights), ::SM_ERR_PARSE (no '=', empty item, bad number);
 * ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_weighting_parse(sm_weighting **out, const char *text);

/** A deep copy (custom criteria share their user data; destructors run once, with the last owner). */
SM_API sm_status sm_weighting_copy(sm_weighting **out, const sm_weighting *weighting);

/** Frees a weighting, calling the destructors of user data it holds. Accepts NULL. */
SM_API void sm_weighting_free(sm_weighting *weighting);

/**
 * Sets the weight of a criterion (built-in or custom) by name. Criterion,
 * parameter and combiner names are matched ignoring ASCII case, with "-"
 * and "_" interchangeable, here and in sm_weighting_parse().
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNKNOWN_NAME; ::SM_ERR_RANGE (negative, NaN, infinite).
 */
SM_API sm_status sm_weighting_set(sm_weighting *weighting, const char *name, double weight);

/** Sets the weight of a built-in criterion. Errors as sm_weighting_set(). */
SM_API sm_status sm_weighting_set_builtin(sm_weighting *weighting, sm_criterion criterion, double weight);

/** The weight of a criterion by name. ::SM_ERR_UNKNOWN_NAME if none. */
SM_API sm_status sm_weighting_get(double *out, const sm_weighting *weighting, const char *name);

/** Number of criteria (built-in first, then custom in order of addition). */
SM_API size_t sm_weighting_count(const sm_weighting *weighting);

/**
 * Name and weight of the @p index-th criterion.
 * @param out_name   receives a borrowed name (valid while the weighting lives), may be NULL
 * @param out_weight receives the weight, may be NULL
 * @param weighting  the weighting
 * @param index      0-based, below sm_weighting_count()
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND past the end.
 */
SM_API sm_status sm_weighting_at(const char **out_name, double *out_weight, const sm_weighting *weighting, size_t index);

/**
 * Adds a custom criterion, or replaces the function of the custom criterion
 * of that name (the old user data is destroyed).
 * @param weighting the weighting to extend
 * @param name     [a-z0-9_], 1..32 bytes, not a built-in name
 * @param fn       the criterion
 * @param userdata passed to @p fn
 * @param destroy  called on @p userdata when replaced or when the last weighting holding it is freed; may be NULL
 * @param weight   its weight (>= 0)
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_BAD_CODE (name); ::SM_ERR_DUPLICATE
 *         (built-in name); ::SM_ERR_RANGE; ::SM_ERR_LIMIT (::SM_CRITERIA_MAX); ::SM_ERR_NOMEM.
 * On failure @p destroy is not called: the caller keeps ownership of @p userdata.
 */
SM_API sm_status sm_weighting_add_criterion(sm_weighting *weighting, const char *name, sm_criterion_fn fn,
                                            void *userdata, sm_destroy_fn destroy, double weight);

/**
 * Chooses the combiner. For ::SM_COMBINE_CUSTOM pass @p fn (and optional
 * user data and destructor); otherwise they must be NULL.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT.
 */
SM_API sm_status sm_weighting_set_combiner(sm_weighting *weighting, sm_combiner combiner, sm_combine_fn fn,
                                           void *userdata, sm_destroy_fn destroy);

/** The combiner in use. */
SM_API sm_combiner sm_weighting_combiner(const sm_weighting *weighting);

/**
 * Sets a parameter of a built-in criterion (docs/scoring.md lists defaults):
 * "complementarity.reciprocity" (an ::sm_reciprocity value),
 * "region_reach.scale_km" (> 0), "region_reach.cross_border_bonus" and
 * "region_reach.neighbour_bonus" (0..1), "cohesion.full_ratio" (> 1),
 * "sector_affinity.secondary_factor" (0..1).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNKNOWN_NAME; ::SM_ERR_RANGE.
 */
SM_API sm_status sm_weighting_set_param(sm_weighting *weighting, const char *name, double value);

/** Reads a parameter. ::SM_ERR_UNKNOWN_NAME if none. */
SM_API sm_status sm_weighting_get_param(double *out, const sm_weighting *weighting, const char *name);

/**
 * Writes the weighting as text that sm_weighting_parse() reads back (custom
 * criteria are listed with their weights but cannot be recreated from text).
 * @param out       receives a string owned by the caller; free with sm_free()
 * @param weighting the weighting to write
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_weighting_to_string(char **out, const sm_weighting *weighting);

/** @} */

/**
 * @defgroup queries Queries and results
 * @{
 */

#define SM_LEVEL_ANY (-1) /**< "No constraint" for cross_region_level and cross_sector_level. */

/**
 * A query: how many partners, under which weighting and filters.
 * Initialise with ::SM_QUERY_OPTIONS_INIT or sm_query_options_init().
 */
typedef struct sm_query_options {
    unsigned int version;                  /**< ::SM_QUERY_OPTIONS_VERSION. */
    size_t k;                              /**< Number of partners wanted (default 10; 0 = none). */
    const sm_weighting *weighting;         /**< Weighting; NULL = "balanced". Borrowed for the call. */
    double min_score;                      /**< Keep only totals >= this (default 0). */
    int cross_region_level;                /**< Partner's region must differ at this NUTS level (0..3), ::SM_LEVEL_ANY = off. */
    int cross_border;                      /**< Non-zero: partner must be in another country. */
    int cross_sector_level;                /**< Primary sectors must differ at this NACE level (1..4), ::SM_LEVEL_ANY = off. */
    const char *const *countries;          /**< If n_countries > 0: partner's country must be one of these. */
    size_t n_countries;                    /**< Number of @c countries. */
    const char *const *exclude_countries;  /**< Partner's country must not be one of these. */
    size_t n_exclude_countries;            /**< Number of @c exclude_countries. */
    unsigned int size_classes;             /**< Bit set of (1u << ::sm_size) allowed; 0 = all. */
    double max_km;                         /**< Maximum distance between regions' points; 0 = no limit. */
    const char *const *exclude_ids;        /**< SMEs never returned (unknown ids are ignored). */
    size_t n_exclude_ids;                  /**< Number of @c exclude_ids. */
} sm_query_options;

#define SM_QUERY_OPTIONS_VERSION 1 /**< Current version of ::sm_query_options. */
/** Static initialiser: k = 10, balanced, no filters. */
#define SM_QUERY_OPTIONS_INIT { SM_QUERY_OPTIONS_VERSION, 10, NULL, 0.0, SM_LEVEL_ANY, 0, SM_LEVEL_ANY, NULL, 0, NULL, 0, 0u, 0.0, NULL, 0 }

/** Fills @p opts with the defaults. ::SM_ERR_INVALID_ARGUMENT on NULL or bad version. */
SM_API sm_status sm_query_options_init(sm_query_options *opts, unsigned int version);

/**
 * A ranked list of matches for one querying SME, each with its total and the
 * per-criterion breakdown. Owned by the caller; immutable; independent of
 * the engine once returned (ids are copied). Free with sm_result_free().
 */
typedef struct sm_result sm_result;

/**
 * The best @p opts->k partners of SME @p id.
 *
 * Ranking: total descending, ties broken by id ascending (byte order), so the
 * result does not depend on insertion order or threads. The SME itself never
 * appears. Pruning by upper bounds never changes the result: it equals a
 * sort of sm_query_explain() over every candidate (docs/scoring.md).
 *
 * Read-only and thread-safe: it holds the engine's reader lock for the
 * whole scan, so an update (put, remove, load) waits for it and a query
 * started after the update sees the update complete. SME changes are
 * followed incrementally: the query after one put or remove costs about a
 * steady query (it also scans the SMEs changed since the last rebuild).
 * The scoring caches are rebuilt in full (about 0.1 s for a million SMEs;
 * concurrent queries wait for it once) by the first query after
 * max(1024, N / 128) SME changes, or after a change of regions, sectors or
 * affinities. Allocates per call (tables of one entry per region, per
 * sector and per SME byte), never per candidate.
 * @param out  receives the result (free with sm_result_free()); untouched on failure
 * @param engine the engine
 * @param id   the querying SME
 * @param opts options, NULL = defaults (k 10, "balanced", no filters)
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, bad version, bad level,
 *         negative or NaN min_score/max_km); ::SM_ERR_NOT_FOUND (unknown id);
 *         ::SM_ERR_BAD_CODE (malformed country in a filter); ::SM_ERR_CALLBACK; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_query_top(sm_result **out, const sm_engine *engine, const char *id, const sm_query_options *opts);

/**
 * The breakdown of one pair, ignoring filters: a result with exactly one match
 * (@p id_b) whose query id is @p id_a. @p weighting NULL = "balanced".
 * @return as sm_query_top(); ::SM_ERR_INVALID_ARGUMENT if @p id_a equals @p id_b.
 */
SM_API sm_status sm_query_explain(sm_result **out, const sm_engine *engine, const char *id_a, const char *id_b,
                                  const sm_weighting *weighting);

/** Frees a result. Accepts NULL. */
SM_API void sm_result_free(sm_result *result);
/** The id of the querying SME. Borrowed from the result. */
SM_API const char *sm_result_query_id(const sm_result *result);
/** Number of matches (0 for NULL). */
SM_API size_t sm_result_count(const sm_result *result);
/** Id of the @p i-th match, NULL past the end. Borrowed from the result. */
SM_API const char *sm_result_id(const sm_result *result, size_t i);
/** Total score of the @p i-th match, NaN past the end. */
SM_API double sm_result_score(const sm_result *result, size_t i);
/** All totals, count() entries, in rank order (NULL if empty). Borrowed. */
SM_API const double *sm_result_scores(const sm_result *result);
/** Number of criteria in each breakdown (those of the weighting, built-in first). */
SM_API size_t sm_result_criterion_count(const sm_result *result);
/** Name of criterion @p j of the breakdown, NULL past the end. Borrowed. */
SM_API const char *sm_result_criterion_name(const sm_result *result, size_t j);
/** Weight of criterion @p j as used, NaN past the end. */
SM_API double sm_result_criterion_weight(const sm_result *result, size_t j);
/** Score of criterion @p j for match @p i, NaN past the end. */
SM_API double sm_result_breakdown(const sm_result *result, size_t i, size_t j);
/** The breakdown matrix, count() × criterion_count() row-major (NULL if empty). Borrowed. */
SM_API const double *sm_result_breakdowns(const sm_result *result);
/** Distance in km between the querying SME's region and match @p i's, NaN past the end. */
SM_API double sm_result_distance_km(const sm_result *result, size_t i);

/** @} */

/**
 * @defgroup batch Batch: all-pairs top-k
 * @{
 */

/**
 * Receives the result of one querying SME. The result is borrowed for the call
 * (copy what you keep). Calls are serialised (never two at once) but come
 * from worker threads (including the caller's) in no fixed order. Return 0
 * to go on, non-zero to cancel. May call read-only functions on the engine
 * (they see the batch's version); must not modify it.
 */
typedef int (*sm_batch_result_fn)(const sm_result *result, void *userdata);

/** Progress: @p done of @p total SMEs finished. Serialised like results. Return non-zero to cancel. */
typedef int (*sm_progress_fn)(size_t done, size_t total, void *userdata);

/** Options for sm_batch_run(). */
typedef struct sm_batch_options {
    unsigned int version;             /**< ::SM_BATCH_OPTIONS_VERSION. */
    const sm_query_options *query;    /**< k, weighting and filters for every SME; NULL = defaults. */
    unsigned int threads;             /**< Worker threads; 0 = number of online CPUs. */
    const char *const *ids;           /**< SMEs to match; NULL (n_ids 0) = all. */
    size_t n_ids;                     /**< Number of @c ids. */
    sm_batch_result_fn on_result;     /**< Receives each result (required). */
    void *result_userdata;            /**< For @c on_result. */
    sm_progress_fn on_progress;       /**< Optional progress callback. */
    void *progress_userdata;          /**< For @c on_progress. */
} sm_batch_options;

#define SM_BATCH_OPTIONS_VERSION 1 /**< Current version of ::sm_batch_options. */
/** Static initialiser: defaults, all SMEs, all CPUs; set on_result. */
#define SM_BATCH_OPTIONS_INIT { SM_BATCH_OPTIONS_VERSION, NULL, 0u, NULL, 0, NULL, NULL, NULL, NULL }

/** Fills @p opts with the defaults. */
SM_API sm_status sm_batch_options_init(sm_batch_options *opts, unsigned int version);

/**
 * Top-k partners of every SME (or of @c ids), on several threads, streaming
 * each result to @c on_result. Results equal those of sm_query_top() for each
 * SME. Holds the reader lock for the whole run, so the whole batch sees one
 * version of the engine; updates wait until it ends (a long batch delays
 * writers, and with them the queries that arrive after a waiting writer).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND (an id);
 *         ::SM_ERR_CANCELLED (a callback returned non-zero); ::SM_ERR_CALLBACK; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_batch_run(const sm_engine *engine, const sm_batch_options *opts);

/** @} */

/**
 * @defgroup io Loading and writing data
 *
 * File formats are defined in docs/data-format.md. CSV needs libcsv and JSON
 * needs jansson at build time; without them the loaders return
 * ::SM_ERR_UNSUPPORTED.
 * @{
 */

/** File formats. */
typedef enum sm_format {
    SM_FORMAT_AUTO = 0, /**< From the file name (.csv, .json); buffers: sniffed. */
    SM_FORMAT_CSV = 1,  /**< RFC 4180 CSV with a header row; lists separated by ';'. */
    SM_FORMAT_JSON = 2  /**< JSON. */
} sm_format;

/** What a file holds. */
typedef enum sm_data_kind {
    SM_DATA_AUTO = 0,        /**< CSV: from the header; JSON: from the top-level keys. */
    SM_DATA_SMES = 1,        /**< SMEs. */
    SM_DATA_REGIONS = 2,     /**< Extra regions. */
    SM_DATA_DEVELOPMENT = 3, /**< Development indices of regions. */
    SM_DATA_AFFINITY = 4     /**< Sector-affinity entries. */
} sm_data_kind;

/**
 * Receives each problem found by a lenient load or a validation. @p diag is
 * borrowed for the call. Called on the loading thread. Return 0 to go on,
 * non-zero to stop (the load then fails with ::SM_ERR_CANCELLED).
 */
typedef int (*sm_diag_fn)(const sm_error *diag, void *userdata);

/** Options for sm_load_file() and sm_load_buffer(). */
typedef struct sm_load_options {
    unsigned int version;   /**< ::SM_LOAD_OPTIONS_VERSION. */
    sm_format format;       /**< Format; default ::SM_FORMAT_AUTO. */
    sm_data_kind kind;      /**< Content; default ::SM_DATA_AUTO. */
    int lenient;            /**< 0 (default, strict): the first error aborts and nothing is loaded.
                                 Non-zero: bad rows are reported to @c on_problem and skipped, good rows loaded. */
    int dry_run;            /**< Non-zero: validate everything, change nothing (for "validate"). */
    sm_diag_fn on_problem;  /**< Receives each problem (both modes); may be NULL. */
    void *userdata;         /**< For @c on_problem. */
    /* version 2 */
    int delimiter;          /**< CSV field delimiter: ',', ';' or '\\t'; 0 (default) detects it from the
                                 header line (docs/data-format.md). A ';' file also reads "119,5" as 119.5. */
    const char *encoding;   /**< Character encoding of the input as iconv names it ("windows-1250",
                                 "ISO-8859-2"); NULL or "UTF-8" (default): UTF-8. Borrowed for the call. */
} sm_load_options;

#define SM_LOAD_OPTIONS_VERSION 2 /**< Current version of ::sm_load_options (1 is still accepted: no
                                       @c delimiter or @c encoding). */
/** Static initialiser: auto format, kind and delimiter, UTF-8, strict. */
#define SM_LOAD_OPTIONS_INIT { SM_LOAD_OPTIONS_VERSION, SM_FORMAT_AUTO, SM_DATA_AUTO, 0, 0, NULL, NULL, 0, NULL }

/** Fills @p opts with the defaults of @p version (1 or ::SM_LOAD_OPTIONS_VERSION). */
SM_API sm_status sm_load_options_init(sm_load_options *opts, unsigned int version);

/** Counts from a load. */
typedef struct sm_load_report {
    size_t rows;    /**< Data rows (records) read. */
    size_t loaded;  /**< Records applied (or that would be, in a dry run). */
    size_t skipped; /**< Records skipped as bad (lenient mode). */
} sm_load_report;

/**
 * Loads a file into the engine.
 * @param engine the engine
 * @param path   file path
 * @param opts   options, NULL = defaults (strict, auto)
 * @param out_report receives counts, may be NULL; filled even when the load
 *                   fails (a dry run that found problems, say); after a failed
 *                   load that is not a dry run its @c loaded is 0
 * @return ::SM_OK; ::SM_ERR_IO; ::SM_ERR_PARSE and the SME status codes (strict
 *         mode, first problem; sm_error_last() names file, line, field, value);
 *         ::SM_ERR_UNSUPPORTED; ::SM_ERR_CANCELLED; ::SM_ERR_NOMEM.
 * Takes the writer lock only to commit. In strict mode a failure leaves the engine unchanged
 * (docs/data-format.md describes the one case it cannot undo). A CSV file of
 * SMEs of 8 MiB or more is read on two threads, with the result, problems and
 * messages of one; the problem callback runs on the calling thread
 * (docs/data-format.md).
 */
SM_API sm_status sm_load_file(sm_engine *engine, const char *path, const sm_load_options *opts,
                              sm_load_report *out_report);

/**
 * Like sm_load_file() for data in memory; @p name is used in messages
 * (NULL = "<buffer>"). ::SM_FORMAT_AUTO sniffs: '{' or '[' first means JSON.
 */
SM_API sm_status sm_load_buffer(sm_engine *engine, const char *data, size_t size, const char *name,
                                const sm_load_options *opts, sm_load_report *out_report);

/** Whether a format was built in (1) or not (0). */
SM_API int sm_format_supported(sm_format format);

/**
 * Writes results as text: CSV with a header
 * ("query_id,rank,id,score,distance_km,<criterion>...") or a JSON array of
 * objects. Needs no optional library. Explained results (sm_result_explain(),
 * experimental) add, at the end of each CSV row, the columns "gives", "gets"
 * (tags joined by ';'), "<criterion>_contribution"... and
 * "<criterion>_reason"... (the first result decides whether the header has
 * them), and to each JSON match the keys "gives" and "gets" (arrays of
 * {"tag", "weight"}), "contributions" and "reasons" ({"code", "params", "text"}
 * per criterion).
 * @param out     receives a NUL-terminated string owned by the caller; free with sm_free() (made with the results' engine allocator)
 * @param out_len receives its length, may be NULL
 * @param results @p n results written one after another (a batch)
 * @param n       number of results
 * @param format  ::SM_FORMAT_CSV or ::SM_FORMAT_JSON
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_result_format(char **out, size_t *out_len, const sm_result *const *results, size_t n,
                                  sm_format format);

/** Frees a string returned by the library (sm_result_format(), sm_weighting_to_string()). Accepts NULL. */
SM_API void sm_free(void *ptr);

/** @} */

/* ========================================================================== */
/* Experimental API                                                            */
/* ========================================================================== */

#if defined(SM_EXPERIMENTAL_API) || defined(SM_BUILDING_LIBRARY) || defined(DOXYGEN)
/**
 * @defgroup experimental Experimental API
 * New functions start here, behind the macro @c SM_EXPERIMENTAL_API, and are
 * promoted to the stable part in a later minor release (docs/api-stability.md).
 * Define @c SM_EXPERIMENTAL_API before including this header to use them.
 * Their signatures may change between minor releases; their symbols are
 * exported like the stable ones, with the same @c sm_ prefix.
 * @{
 */

/* ---- experimental: explanations ------------------------------------------ */

/**
 * @name Explanations
 * Why a partner is in a result, as data and as English text: the tags where
 * offers meet needs in each direction with their idf weights, each
 * criterion's contribution to the total, and one reason per criterion (a
 * ::sm_reason_code with named parameters, so an application can word it in
 * any language, plus an English sentence). sm_query_explain() results carry
 * them; other results get them from sm_result_explain().
 * docs/explanations.md shows the output for the bundled data.
 * @{
 */

/** What a reason says. Values are fixed; parameter names are listed per code. */
typedef enum sm_reason_code {
    SM_REASON_NONE = 0,            /**< No explanation (result not explained, index past the end). */
    SM_REASON_TAGS_MATCH = 1,      /**< complementarity: "a", "b", "gives", "gets" (tags joined by ", "). */
    SM_REASON_TAGS_NONE = 2,       /**< complementarity: no offer meets a need; "a", "b". */
    SM_REASON_SECTORS = 3,         /**< sector_affinity: "sector_a", "sector_b", "section_a", "section_b",
                                        "affinity" (of the primary sectors), "secondary_a", "secondary_b". */
    SM_REASON_SAME_REGION = 4,     /**< region_reach: "km", "region". */
    SM_REASON_SAME_COUNTRY = 5,    /**< region_reach: "km", "country", "neighbours" ("1"/"0"). */
    SM_REASON_CROSS_BORDER = 6,    /**< region_reach: "km", "country_a", "country_b", "neighbours". */
    SM_REASON_DEVELOPMENT = 7,     /**< cohesion: "region_a", "development_a", "region_b", "development_b",
                                        "ratio" (larger over smaller; "" when one is unknown). */
    SM_REASON_DEVELOPMENT_UNKNOWN = 8, /**< cohesion: neither index is known; "region_a", "region_b". */
    SM_REASON_SIZES = 9,           /**< size_fit: "size_a", "size_b". */
    SM_REASON_COOPERATION_SHARED = 10, /**< cooperation_fit: "shared". */
    SM_REASON_COOPERATION_NONE = 11,   /**< cooperation_fit: nothing in common; "a", "b". */
    SM_REASON_COOPERATION_UNKNOWN = 12,/**< cooperation_fit: "missing" (an id, or "either"). */
    SM_REASON_LANGUAGE_SHARED = 13,    /**< language: "shared". */
    SM_REASON_LANGUAGE_NONE = 14,      /**< language: none shared; "a", "b". */
    SM_REASON_LANGUAGE_UNKNOWN = 15,   /**< language: "missing" (an id, or "either"). */
    SM_REASON_CUSTOM = 16,             /**< a custom criterion: "score". */
    SM_REASON_PAST_PARTNERS = 17,  /**< past_partners (experimental, history): "count" (cooperations together),
                                        "last" (YYYY-MM-DD of the latest), "kind" (their kind when the history
                                        holds one kind, else ""). */
    SM_REASON_PAST_NONE = 18,      /**< past_partners: never cooperated; "score". */
    SM_REASON_COMMON_PARTNERS = 19,/**< common_partners: "count" (partners both cooperated with, 0 or more),
                                        "adamic_adar" (the index before squashing). */
    SM_REASON_ACTIVITY = 20,       /**< activity: "count" (cooperations of the candidate), "most" (of the most
                                        active SME). */
    SM_REASON_SECTOR_HISTORY = 21  /**< sector_history: "division_a", "division_b" (affinity keys: a NACE
                                        division or section), "links" (past cooperations between them),
                                        "expected" (under random pairing), "prior" (input-output affinity). */
} sm_reason_code;

/** Name of a reason code ("tags_match", ...), NULL if out of range. Static. */
SM_API const char *sm_reason_code_name(sm_reason_code code);

/**
 * Adds explanations to every match of a result, from the engine's current
 * data (the same engine the result came from, normally right after the
 * query). Calling it again replaces them. Not thread-safe for one result
 * (explain it before sharing it); takes the engine's reader lock.
 * @param result the result; gains the explanations, freed with it
 * @param engine the engine the result came from
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL); ::SM_ERR_NOT_FOUND (an SME
 *         of the result was removed since); ::SM_ERR_NOMEM (result unchanged).
 */
SM_API sm_status sm_result_explain(sm_result *result, const sm_engine *engine);

/** Whether a result carries explanations (1) or not (0; also for NULL). */
SM_API int sm_result_is_explained(const sm_result *result);

/**
 * Share of criterion @p j in the total of match @p i: weight × score over the
 * sum of weights. For the weighted mean these add up to the total; for other
 * combiners they show each criterion's part in the same way. Needs no
 * explanation. NaN past the end.
 */
SM_API double sm_result_contribution(const sm_result *result, size_t i, size_t j);

/** Number of tags that the querying SME offers and match @p i needs ("gives"); 0 if not explained. */
SM_API size_t sm_result_gives_count(const sm_result *result, size_t i);
/** The @p t-th "gives" tag of match @p i, heaviest first (ties by tag). NULL past the end. Borrowed. */
SM_API const char *sm_result_gives_tag(const sm_result *result, size_t i, size_t t);
/** The idf weight ln(1 + N/df) of that tag, as complementarity uses it. NaN past the end. */
SM_API double sm_result_gives_weight(const sm_result *result, size_t i, size_t t);
/** Number of tags that match @p i offers and the querying SME needs ("gets"); 0 if not explained. */
SM_API size_t sm_result_gets_count(const sm_result *result, size_t i);
/** The @p t-th "gets" tag of match @p i, heaviest first. NULL past the end. Borrowed. */
SM_API const char *sm_result_gets_tag(const sm_result *result, size_t i, size_t t);
/** The idf weight of that tag. NaN past the end. */
SM_API double sm_result_gets_weight(const sm_result *result, size_t i, size_t t);

/** The reason code for criterion @p j of match @p i; ::SM_REASON_NONE if not explained. */
SM_API sm_reason_code sm_result_reason_code(const sm_result *result, size_t i, size_t j);
/** Number of parameters of that reason (0 if not explained). */
SM_API size_t sm_result_reason_param_count(const sm_result *result, size_t i, size_t j);
/** Name of parameter @p p of that reason (see ::sm_reason_code). NULL past the end. Static. */
SM_API const char *sm_result_reason_param_name(const sm_result *result, size_t i, size_t j, size_t p);
/** Value of parameter @p p as text (numbers in C notation). NULL past the end. Borrowed. */
SM_API const char *sm_result_reason_param_value(const sm_result *result, size_t i, size_t j, size_t p);
/** The reason as an English sentence ("CZ-00032 offers what SK-00038 needs: ..."). NULL if not explained. Borrowed. */
SM_API const char *sm_result_reason_text(const sm_result *result, size_t i, size_t j);

/** Why a candidate is or is not in a query's result (sm_query_rank()). Values are fixed. */
typedef enum sm_exclusion {
    SM_EXCLUDED_NOT = 0,          /**< In the result. */
    SM_EXCLUDED_SELF = 1,         /**< The querying SME itself. */
    SM_EXCLUDED_ID = 2,           /**< Listed in @c exclude_ids. */
    SM_EXCLUDED_CROSS_BORDER = 3, /**< Same country under @c cross_border. */
    SM_EXCLUDED_CROSS_REGION = 4, /**< Same region at @c cross_region_level. */
    SM_EXCLUDED_COUNTRY = 5,      /**< Country not in @c countries. */
    SM_EXCLUDED_EXCLUDED_COUNTRY = 6, /**< Country in @c exclude_countries. */
    SM_EXCLUDED_DISTANCE = 7,     /**< Farther than @c max_km. */
    SM_EXCLUDED_CROSS_SECTOR = 8, /**< Same sector at @c cross_sector_level. */
    SM_EXCLUDED_SIZE = 9,         /**< Size class not in @c size_classes. */
    SM_EXCLUDED_MIN_SCORE = 10,   /**< Total below @c min_score. */
    SM_EXCLUDED_RANK = 11         /**< Passes every filter but ranks below @c k. */
} sm_exclusion;

/** Name of an exclusion ("cross_border", ...), NULL if out of range. Static. */
SM_API const char *sm_exclusion_name(sm_exclusion exclusion);

/** Where a candidate stands for a query: the answer of sm_query_rank(). */
typedef struct sm_rank_info {
    unsigned int version;   /**< ::SM_RANK_INFO_VERSION (set by the library). */
    size_t rank;            /**< 1-based rank among all candidates passing the filters (may exceed k); 0 if filtered out. */
    size_t passing;         /**< Number of candidates passing every filter and @c min_score. */
    double score;           /**< The candidate's total under the query's weighting (even when filtered out). */
    double kth_score;       /**< Total of the last match in the result (NaN if the result is empty). */
    sm_exclusion excluded;  /**< ::SM_EXCLUDED_NOT when in the result; otherwise the first filter (in the
                                 order of ::sm_exclusion) or bound that keeps it out. */
} sm_rank_info;

#define SM_RANK_INFO_VERSION 1 /**< Current version of ::sm_rank_info. */

/**
 * "Why not b?": the rank and score of candidate @p id_b in the query of
 * @p id_a with @p opts, and which filter or bound keeps it out of the result.
 * Consistent with sm_query_top(): @c excluded is ::SM_EXCLUDED_NOT exactly
 * when @p id_b is in sm_query_top()'s result, at position @c rank.
 * Read-only and thread-safe; holds the reader lock. Costs one scan of all SMEs.
 * @param out    receives the answer; untouched on failure
 * @param engine the engine
 * @param id_a   the querying SME
 * @param id_b   the candidate
 * @param opts   the query's options, NULL = defaults
 * @return as sm_query_top(); ::SM_ERR_NOT_FOUND when either id is unknown.
 */
SM_API sm_status sm_query_rank(sm_rank_info *out, const sm_engine *engine, const char *id_a, const char *id_b,
                               const sm_query_options *opts);

/** @} */

/* ---- experimental: allocators --------------------------------------------- */

/**
 * A new weighting equal to the "balanced" preset, made with the caller's
 * allocator. The weighting keeps a copy of @p allocator: its copies
 * (sm_weighting_copy()), the user data it holds and its text
 * (sm_weighting_to_string(), freed with sm_free()) use it too.
 * Free with sm_weighting_free().
 * @param out       receives the new weighting, owned by the caller; untouched on failure
 * @param allocator allocation functions, copied; NULL = malloc/realloc/free.
 *                  Its userdata must outlive the weighting and everything made from it.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL @p out, an allocator missing a
 *         function); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_weighting_new_with(sm_weighting **out, const sm_allocator *allocator);

/**
 * sm_weighting_parse() with the caller's allocator, kept by the weighting as
 * for sm_weighting_new_with(). A text that is just a preset name makes that
 * preset.
 * @param out       receives the new weighting, owned by the caller; untouched on failure
 * @param text      the weighting as text, see sm_weighting_parse()
 * @param allocator allocation functions, copied; NULL = malloc/realloc/free
 * @return as sm_weighting_parse(); also ::SM_ERR_INVALID_ARGUMENT for an
 *         allocator missing a function.
 */
SM_API sm_status sm_weighting_parse_with(sm_weighting **out, const char *text, const sm_allocator *allocator);

/* ---- experimental: live engine -------------------------------------------- */

/* ---- experimental: data intake -------------------------------------------- */

/**
 * The key under which the engine compares a tag: Unicode NFKC, full case
 * folding, default-ignorable code points removed, every run of Unicode
 * white space made one space and none at either end (docs/data-format.md,
 * "Text"). Two tags meet when their keys are equal; a program that compares
 * tags or names itself (the CLI's "tags that meet") folds both sides.
 * @param out      buffer of @p capacity bytes; receives the NUL-terminated key
 *                 (::SM_TAG_MAX + 1 bytes hold every key of a valid tag); untouched on failure
 * @param capacity size of @p out in bytes
 * @param text     UTF-8 text (borrowed)
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL argument); ::SM_ERR_BAD_CODE (not
 *         UTF-8, a control character, or nothing but white space); ::SM_ERR_LIMIT (the key
 *         does not fit in @p capacity bytes, or the text has more than 1024 code points).
 */
SM_API sm_status sm_text_fold(char *out, size_t capacity, const char *text);

/* ---- experimental: history and network criteria --------------------------- */

/**
 * @name History and network criteria
 * Realised cooperations (a project, a meeting held, a deal) between SMEs of
 * the engine, each a pair or a group with a date and a kind. They feed the
 * network criteria "past_partners", "common_partners", "activity" and
 * "sector_history" (docs/scoring.md gives the formulas), which a weighting
 * uses by name like the built-in ones (sm_weighting_set(w, "past_partners",
 * 2), the text "balanced,activity=1" or the preset "network"). While the
 * engine holds a history, every preset also scores past_partners (3),
 * common_partners (6) and activity (3); for a querying SME with no offers,
 * no needs and no partner in the history the first two give their weight
 * to activity (the cold start, docs/scoring.md). sm_evaluate() measures a
 * ranking against the cooperations that happened after a date, and sm_fit()
 * learns a weighting from those before it.
 * @{
 */

/**
 * Adds one cooperation among @p n distinct SMEs of the engine (a pair when
 * @p n is 2). A cheap update: O(n² + n × degree) and no rebuild.
 * @param engine The engine.
 * @param ids The members' ids; borrowed for the call.
 * @param n Number of members, 2..4096.
 * @param date "YYYY-MM-DD" (or "YYYY-MM", "YYYY": the first day).
 * @param kind Free text naming the kind ("project", "meeting", ...); NULL = "".
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, n out of range);
 *         ::SM_ERR_NOT_FOUND (an id is no SME: add the SMEs first);
 *         ::SM_ERR_DUPLICATE (an id twice); ::SM_ERR_PARSE (date);
 *         ::SM_ERR_LIMIT (more than 255 kinds); ::SM_ERR_NOMEM. On failure
 *         the history is unchanged.
 */
SM_API sm_status sm_history_add(sm_engine *engine, const char *const *ids, size_t n, const char *date,
                                const char *kind);

/**
 * Loads cooperations from a CSV or JSON file into the engine's history, all
 * or nothing. CSV has a header naming either the columns @c a, @c b, @c date
 * and optionally @c kind (one pair per row) or @c group, @c member, @c date
 * and optionally @c kind (one row per member; rows with the same group form
 * one cooperation). JSON is an array of objects with @c members (an array
 * of ids) or @c a and @c b, and @c date, optionally @c kind
 * (docs/data-format.md).
 * @param engine The engine; its SMEs must be loaded first.
 * @param path The file; ".json" (or a first byte '[') reads JSON, anything else CSV.
 * @param out_count If not NULL, receives the number of cooperations added.
 * @return ::SM_OK; ::SM_ERR_IO; ::SM_ERR_PARSE (syntax, a bad date, a missing
 *         column); ::SM_ERR_NOT_FOUND (an unknown SME); ::SM_ERR_DUPLICATE;
 *         ::SM_ERR_INVALID_ARGUMENT (a group of one, different dates in one
 *         group); ::SM_ERR_UNSUPPORTED (built without libcsv/jansson);
 *         ::SM_ERR_NOMEM. The message names file, line, field and value.
 */
SM_API sm_status sm_history_load(sm_engine *engine, const char *path, size_t *out_count);

/**
 * sm_history_load() from memory.
 * @param engine The engine.
 * @param data The bytes (no NUL needed); borrowed for the call.
 * @param size Number of bytes.
 * @param name Used in messages and to choose JSON (".json"); NULL = "buffer".
 * @param out_count If not NULL, receives the number of cooperations added.
 * @return As sm_history_load(), without ::SM_ERR_IO.
 */
SM_API sm_status sm_history_load_buffer(sm_engine *engine, const char *data, size_t size, const char *name,
                                        size_t *out_count);

/**
 * Removes every cooperation (the decay settings stay).
 * @param engine The engine.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT.
 */
SM_API sm_status sm_history_clear(sm_engine *engine);

/**
 * Sets the decay of the "past_partners" criterion.
 * @param engine The engine.
 * @param reference_date The day ages are counted to; NULL = the latest cooperation's date.
 * @param half_life_days Age at which a past cooperation counts half (default 1095), > 0.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_RANGE; ::SM_ERR_PARSE; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_history_set_decay(sm_engine *engine, const char *reference_date, double half_life_days);

/** What the engine's history holds. */
typedef struct sm_history_info {
    size_t cooperations;      /**< Events (pairs and groups). */
    size_t links;             /**< Distinct pairs of SMEs that cooperated. */
    size_t smes_with_history; /**< SMEs with at least one cooperation. */
    char last_date[11];       /**< "YYYY-MM-DD" of the latest cooperation, "" if none. */
    char reference_date[11];  /**< Day ages are counted to, "" if none. */
    double half_life_days;    /**< Half-life of "past_partners". */
} sm_history_info;

/**
 * Describes the engine's history.
 * @param out Receives the description.
 * @param engine The engine.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT.
 */
SM_API sm_status sm_history_info_get(sm_history_info *out, const sm_engine *engine);

/**
 * Name of a network criterion.
 * @param index 0 "past_partners", 1 "common_partners", 2 "activity".
 * @return The static name, NULL beyond.
 */
SM_API const char *sm_network_criterion_name(size_t index);

/**
 * Which replayed queries sm_evaluate() keeps, by what the querying SME had
 * before the split date. A cold querier has no offers, no needs and no
 * cooperation before the split: the profile says nothing of what it seeks,
 * so only history-derived signals (popularity, activity) can rank for it.
 * Reporting warm and cold queries apart is the usual cold-start breakdown of
 * a recommender's evaluation (docs/quality.md).
 */
typedef enum sm_evaluate_queriers {
    SM_EVALUATE_ALL = 0,  /**< Every query (the default). */
    SM_EVALUATE_WARM = 1, /**< Only queriers with an offer, a need or an earlier cooperation. */
    SM_EVALUATE_COLD = 2  /**< Only queriers with none of them. */
} sm_evaluate_queriers;

/** Options of sm_evaluate(). Initialise with ::SM_EVALUATE_OPTIONS_INIT or sm_evaluate_options_init(). */
typedef struct sm_evaluate_options {
    unsigned int version;           /**< ::SM_EVALUATE_OPTIONS_VERSION. */
    const char *split_date;         /**< Required: cooperations on or after it are replayed; those before it are the history the network criteria see. */
    const char *end_date;           /**< Replay only cooperations before it; NULL = all. */
    const sm_weighting *weighting;  /**< The ranking measured; NULL = "balanced". Borrowed. */
    const char *label;              /**< Its name in the table; NULL = "smartmatch". */
    size_t k1;                      /**< recall\@k1 (default 10). */
    size_t k2;                      /**< recall\@k2 (default 50). */
    size_t mrr_k;                   /**< Reciprocal ranks beyond it count 0 (default 100). */
    size_t max_queries;             /**< 0 = all; else a deterministic sample of that many. */
    size_t negatives;               /**< Random non-partners per query for the AUC (default 100). */
    unsigned int bootstrap;         /**< Bootstrap resamples for the errors (default 200; 0 = none). */
    uint64_t seed;                  /**< Seed of the samples (default 1). */
    int baselines;                  /**< Non-zero (default): random, popularity, past partners, tag overlap (ties by popularity) and tag overlap with ties by id rows too. */
    sm_evaluate_queriers queriers;  /**< Which queries are replayed (default ::SM_EVALUATE_ALL); version 2. */
} sm_evaluate_options;

#define SM_EVALUATE_OPTIONS_VERSION 2 /**< Current version of ::sm_evaluate_options (1: without @c queriers, still accepted). */
/** Static initialiser with the defaults (split_date must still be set). */
#define SM_EVALUATE_OPTIONS_INIT \
    { SM_EVALUATE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 10, 50, 100, 0, 100, 200, 1, 1, SM_EVALUATE_ALL }

/**
 * Fills @p opts with the defaults.
 * @param opts The options.
 * @param version ::SM_EVALUATE_OPTIONS_VERSION, or 1 (then only the fields of
 *        version 1 are written: a caller built against version 1 passes its
 *        smaller struct).
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT on NULL or bad version.
 */
SM_API sm_status sm_evaluate_options_init(sm_evaluate_options *opts, unsigned int version);

/** One method's figures (means over queries, with bootstrap standard errors). */
typedef struct sm_evaluation_row {
    const char *method;  /**< "smartmatch" (or the label), "random", "popularity", "past_partners", "tag_overlap", "tag_overlap_by_id", ... */
    size_t queries;      /**< Queries replayed. */
    double recall1;      /**< Mean recall\@k1: the share of the query's real partners in its top k1. */
    double recall1_se;   /**< Its standard error. */
    double recall2;      /**< Mean recall\@k2. */
    double recall2_se;   /**< Its standard error. */
    double mrr;          /**< Mean reciprocal rank of the first real partner (0 beyond mrr_k). */
    double mrr_se;       /**< Its standard error. */
    double auc;          /**< Mean AUC: chance a real partner outranks a random non-partner. */
    double auc_se;       /**< Its standard error. */
} sm_evaluation_row;

/** The figures of one evaluation. Opaque; free with sm_evaluation_free(). */
typedef struct sm_evaluation sm_evaluation;

/**
 * Replays every cooperation dated on or after @c split_date (and before
 * @c end_date) as one query per member: the member's other partners in it
 * are the answers, the network criteria see only cooperations before the
 * split, and the reference date of their decay is the split date. Reports
 * recall\@k1, recall\@k2, MRR and AUC of the weighting, and of the baselines
 * computed in the same run. Members without any earlier cooperation count
 * too (the cold start is part of the measure), unless @c queriers keeps only
 * the warm or only the cold queries; @c max_queries then samples among the
 * queries kept.
 * @param out Receives the evaluation; free with sm_evaluation_free().
 * @param engine The engine with SMEs and history.
 * @param opts Options; split_date is required.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, no split_date, a k of 0,
 *         no cooperation to replay, none of the queriers asked for);
 *         ::SM_ERR_RANGE (@c queriers not one of ::sm_evaluate_queriers);
 *         ::SM_ERR_PARSE (a date); ::SM_ERR_CALLBACK;
 *         ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_evaluate(sm_evaluation **out, const sm_engine *engine, const sm_evaluate_options *opts);

/**
 * Number of rows (methods) of an evaluation.
 * @param evaluation The evaluation, or NULL (0).
 */
SM_API size_t sm_evaluation_count(const sm_evaluation *evaluation);

/**
 * One row of an evaluation.
 * @param evaluation The evaluation.
 * @param index 0 .. sm_evaluation_count() - 1.
 * @return The row, borrowed from the evaluation; NULL when out of range.
 */
SM_API const sm_evaluation_row *sm_evaluation_at(const sm_evaluation *evaluation, size_t index);

/**
 * The evaluation as a Markdown table ("| method | queries | recall\@10 | ...").
 * @param out Receives the text; free with sm_free().
 * @param evaluation The evaluation.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_evaluation_format(char **out, const sm_evaluation *evaluation);

/**
 * Frees an evaluation.
 * @param evaluation The evaluation; NULL is ignored.
 */
SM_API void sm_evaluation_free(sm_evaluation *evaluation);

/** Options of sm_fit(). Initialise with ::SM_FIT_OPTIONS_INIT or sm_fit_options_init(). */
typedef struct sm_fit_options {
    unsigned int version;         /**< ::SM_FIT_OPTIONS_VERSION. */
    const char *split_date;       /**< Required: only cooperations before it are used. */
    const char *validation_date;  /**< Cooperations in [validation_date, split_date) are the queries fitted on, those before it their history; NULL = one year before the split. */
    const sm_weighting *start;    /**< The weighting to start from; NULL = the "network" preset. Borrowed. */
    size_t k;                     /**< The objective: (recall\@k + MRR) / 2 (default k = 10). */
    size_t max_queries;           /**< 0 = all; else a deterministic sample (default 5000). */
    unsigned int rounds;          /**< Rounds of coordinate ascent (default 4). */
    uint64_t seed;                /**< Seed of the samples (default 1). */
} sm_fit_options;

#define SM_FIT_OPTIONS_VERSION 1 /**< Current version of ::sm_fit_options. */
/** Static initialiser with the defaults (split_date must still be set). */
#define SM_FIT_OPTIONS_INIT { SM_FIT_OPTIONS_VERSION, NULL, NULL, NULL, 10, 5000, 4, 1 }

/**
 * Fills @p opts with the defaults.
 * @param opts The options.
 * @param version ::SM_FIT_OPTIONS_VERSION.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT on NULL or bad version.
 */
SM_API sm_status sm_fit_options_init(sm_fit_options *opts, unsigned int version);

/**
 * Learns the weights of a weighting (weighted mean, the built-in and network
 * criteria) from the cooperations before @c split_date: coordinate ascent of
 * (recall\@k + MRR) / 2 over the queries of the validation period, each
 * ranked within a pool of candidates (its top 100 under the start weighting,
 * its past and second-hand partners, the most active SMEs and random ones).
 * Deterministic for a seed.
 * @param out Receives the fitted weighting (parameters and combiner of the
 *        start); free with sm_weighting_free(). sm_weighting_to_string()
 *        gives the text --weights accepts.
 * @param out_validation If not NULL, receives the evaluation on the
 *        validation period of the start and fitted weightings (rows "start"
 *        and "fitted") and of the baselines; free with sm_evaluation_free().
 * @param engine The engine with SMEs and history.
 * @param opts Options; split_date is required.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, no split_date, a start
 *         weighting that is not a weighted mean of built-in and network
 *         criteria, no cooperation in the validation period);
 *         ::SM_ERR_PARSE (a date); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_fit(sm_weighting **out, sm_evaluation **out_validation, const sm_engine *engine,
                        const sm_fit_options *opts);

/** @} */


/* ---- experimental: event planner ------------------------------------------ */

/**
 * @name Event planner
 * Turns meeting wishes among the participants of a brokerage event into a
 * conflict-free schedule of one-to-one meetings (docs/events.md).
 *
 * Two steps: @b selection chooses which wished meetings take place (a
 * maximum-weight b-matching under each participant's capacity, fairness
 * first: the number of participants with at least 1 meeting is maximised,
 * then with at least 2, and so on, then the total weight); @b scheduling
 * gives each selected meeting a slot and a table (nobody in two meetings at
 * once, availability and tables per slot respected, locked meetings kept;
 * idle gaps minimised, then slots used). Every wish that is not scheduled
 * gets a reason.
 *
 * Slots and tables are numbered from 1; 0 means "none". Ownership: an
 * ::sm_event borrows its engine (which must outlive it and must not change
 * while the event plans); a plan owns copies of everything it reports.
 * @{
 */

typedef struct sm_event sm_event;           /**< Participants, wishes, slots and tables of one event. */
typedef struct sm_event_plan sm_event_plan; /**< A computed plan: meetings, unscheduled wishes, figures. */

#define SM_EVENT_SLOTS_MAX 64u   /**< Most slots in one event. */
#define SM_EVENT_TABLES_MAX 65535u /**< Most tables in one slot. */
#define SM_EVENT_CAPACITY_MAX 64u  /**< Largest capacity of one participant. */

/** Status of a meeting wish. */
typedef enum sm_wish_status {
    SM_WISH_REQUESTED = 0, /**< Asked for by one side ("requested"). */
    SM_WISH_ACCEPTED = 1,  /**< Both sides agreed ("accepted"); preferred over a request of the same weight. */
    SM_WISH_DECLINED = 2,  /**< One side declined ("declined"): never scheduled. */
    SM_WISH_MUST = 3,      /**< Always selected and scheduled ("must"), or planning fails saying why. */
    SM_WISH_LOCKED = 4     /**< Must, in a given slot (and table): kept where it is ("locked"). */
} sm_wish_status;

/** Why a wish is not in the schedule. */
typedef enum sm_event_reason {
    SM_EVENT_SCHEDULED = 0,      /**< Not a reason: the wish is scheduled. */
    SM_EVENT_DECLINED = 1,       /**< The wish was declined. */
    SM_EVENT_CAPACITY_A = 2,     /**< @c a is full with meetings of higher priority (see @c other). */
    SM_EVENT_CAPACITY_B = 3,     /**< @c b is full with meetings of higher priority (see @c other). */
    SM_EVENT_CAPACITY_BOTH = 4,  /**< Both are full. */
    SM_EVENT_NO_COMMON_SLOT = 5, /**< @c a and @c b are never available in the same slot. */
    SM_EVENT_NO_FREE_SLOT = 6,   /**< Selected, but every common free slot was taken by their other meetings. */
    SM_EVENT_NO_TABLE = 7,       /**< Selected, but every slot where both were free had no table left. */
    SM_EVENT_NOT_SELECTED = 8    /**< Left out by the selection with room on both sides (not expected; kept for honesty). */
} sm_event_reason;

/** The steps sm_event_plan_new() runs. */
#define SM_EVENT_SELECT 1u   /**< Selection; without it every wish that is not declined is a meeting. */
#define SM_EVENT_SCHEDULE 2u /**< Scheduling; without it meetings have slot 0. */
#define SM_EVENT_ALL (SM_EVENT_SELECT | SM_EVENT_SCHEDULE) /**< Both steps. */

#define SM_EVENT_OPTIONS_VERSION 2 /**< Current version of ::sm_event_options (1: without @c sessions, still accepted). */
#define SM_EVENT_SESSION_NAME_MAX 31u /**< Longest session name, in bytes. */

/** Options of sm_event_new(). */
typedef struct sm_event_options {
    unsigned int version;  /**< ::SM_EVENT_OPTIONS_VERSION. */
    unsigned int slots;    /**< Number of slots, 1..::SM_EVENT_SLOTS_MAX (default 16). */
    unsigned int tables;   /**< Tables in every slot, 1..::SM_EVENT_TABLES_MAX (default 50); see sm_event_set_slot_tables(). */
    unsigned int capacity; /**< Default capacity (most meetings) of a participant, 1..::SM_EVENT_CAPACITY_MAX (default 8). */
    int fairness;          /**< Non-zero (default): fairness first, then weight; 0: weight only. */
    unsigned int effort;   /**< Local-improvement effort: 0 = greedy only, 1 = short swaps, 2 (default) = long alternating paths. */
    /** Since version 2. Named sessions, NULL or "" = none (the day is one session): a comma-separated list of
     * @c name=first-last (or @c name=slot), each optionally followed by @c \@HH:MM, the session's start time of day,
     * e.g. "morning=1-8@09:00,afternoon=9-16@13:30". Names start with a letter and hold letters, digits, '_' and
     * '-' (at most ::SM_EVENT_SESSION_NAME_MAX bytes, unique); sessions are in slot order and do not overlap. Slots
     * outside every session are breaks (no tables). Idle gaps are counted within a session, never across its
     * boundary; availability lists may name sessions; outputs show each meeting's session. Parsed and copied by
     * sm_event_new(). */
    const char *sessions;
} sm_event_options;

/** Defaults of ::sm_event_options. */
#define SM_EVENT_OPTIONS_INIT { SM_EVENT_OPTIONS_VERSION, 16u, 50u, 8u, 1, 2u, NULL }

/** Fills @p opts with the defaults. @param opts Options to fill. @param version ::SM_EVENT_OPTIONS_VERSION, or 1
 * (then only the fields of version 1 are written: a caller built against version 1 passes its smaller struct).
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT for NULL or an unknown version. */
SM_API sm_status sm_event_options_init(sm_event_options *opts, unsigned int version);

/**
 * Creates an empty event.
 * @param out Receives the new event (owned; free with sm_event_free()); untouched on failure.
 * @param engine The engine whose SMEs take part; borrowed, must outlive the event.
 * @param opts Options, copied; NULL = defaults.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT (NULL, bad version), ::SM_ERR_RANGE (slots, tables or capacity out of range), ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_event_new(sm_event **out, const sm_engine *engine, const sm_event_options *opts);

/** Frees an event. @param event The event, or NULL. */
SM_API void sm_event_free(sm_event *event);

/**
 * Adds a participant.
 * @param event The event.
 * @param id SME id; must exist in the engine; copied.
 * @param capacity Most meetings, 1..::SM_EVENT_CAPACITY_MAX, or 0 for the event's default.
 * @param group Optional group label (e.g. "buyer", "seller"), copied; NULL or "" = none. With groups,
 *        sm_event_wishes_from_top() pairs only participants of different groups.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_NOT_FOUND (not in the engine), ::SM_ERR_DUPLICATE,
 *         ::SM_ERR_RANGE (capacity), ::SM_ERR_NOMEM. On failure the event is unchanged.
 */
SM_API sm_status sm_event_add_participant(sm_event *event, const char *id, unsigned int capacity, const char *group);

/**
 * Marks slots first..last (inclusive, 1-based) as slots a participant cannot attend.
 * @param event The event.
 * @param id A participant's id.
 * @param first First slot, 1..slots.
 * @param last Last slot, first..slots.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_NOT_FOUND (not a participant), ::SM_ERR_RANGE.
 */
SM_API sm_status sm_event_set_unavailable(sm_event *event, const char *id, unsigned int first, unsigned int last);

/**
 * Marks every slot of a session as slots a participant cannot attend (as availability lists naming it do).
 * @param event The event.
 * @param id A participant's id.
 * @param session A session's name (see ::sm_event_options).
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_NOT_FOUND (not a participant, or no such session: the
 *         message lists the sessions).
 */
SM_API sm_status sm_event_set_unavailable_session(sm_event *event, const char *id, const char *session);

/** Number of sessions of the event (0 = none set: the day is one session). @param event The event.
 * @return The count, 0 for NULL. */
SM_API unsigned int sm_event_session_count(const sm_event *event);

/** One session of an event or a plan; the name is borrowed from its owner. */
typedef struct sm_event_session {
    const char *name;   /**< The session's name. */
    unsigned int first; /**< Its first slot. */
    unsigned int last;  /**< Its last slot. */
    int start_minute;   /**< Its start as minutes after midnight (from @c \@HH:MM), -1 = follows the slots before it. */
} sm_event_session;

/**
 * A session of the event.
 * @param out Receives the session (name borrowed from the event).
 * @param event The event.
 * @param i Index, below sm_event_session_count().
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT (NULL), ::SM_ERR_RANGE (i).
 */
SM_API sm_status sm_event_session_at(sm_event_session *out, const sm_event *event, unsigned int i);

/**
 * Sets the number of tables in one slot (0 makes the slot a break; a slot between sessions is always one).
 * @param event The event.
 * @param slot The slot, 1..slots.
 * @param tables Tables, 0..::SM_EVENT_TABLES_MAX.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_RANGE (also: tables for a slot outside every session).
 */
SM_API sm_status sm_event_set_slot_tables(sm_event *event, unsigned int slot, unsigned int tables);

/**
 * Adds a meeting wish between two participants. A pair wished more than once is one wish: the highest
 * priority and weight count, and "declined" beats "locked", which beats "must", "accepted", "requested".
 * @param event The event.
 * @param a One participant's id.
 * @param b The other participant's id (not @p a).
 * @param priority Priority, 0..1000: the weight of the meeting is priority + score, so a higher priority
 *        always wins over a lower one (requests usually 1, generated wishes 0).
 * @param score The pair's score in [0, 1], or NaN to ask the engine (sm_query_explain() with the default weighting).
 * @param status Status of the wish.
 * @param slot For ::SM_WISH_LOCKED: the slot, 1..slots; otherwise 0.
 * @param table For ::SM_WISH_LOCKED: the table, or 0 to let the planner choose; otherwise 0.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT (NULL, a == b, bad status), ::SM_ERR_NOT_FOUND (not a participant),
 *         ::SM_ERR_RANGE (priority, score, slot or table), ::SM_ERR_NOMEM. On failure the event is unchanged.
 */
SM_API sm_status sm_event_add_wish(sm_event *event, const char *a, const char *b, unsigned int priority, double score,
                                   sm_wish_status status, unsigned int slot, unsigned int table);

/**
 * Adds generated wishes: for each participant its top @p k partners among the participants (of another group
 * when groups are set), with the engine's score; priority 0, status requested.
 * @param event The event.
 * @param k Partners per participant (1..1000).
 * @param query Weighting and filters for the engine's queries (its k and exclude list are ignored); NULL = defaults.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_RANGE, ::SM_ERR_NOMEM, or a query's error. On failure
 *         the event is unchanged.
 */
SM_API sm_status sm_event_wishes_from_top(sm_event *event, size_t k, const sm_query_options *query);

/** What an event CSV file holds (docs/events.md gives the columns). */
typedef enum sm_event_input {
    SM_EVENT_PARTICIPANTS = 0, /**< id[,capacity][,group][,unavailable]. */
    SM_EVENT_REQUESTS = 1,     /**< a,b[,priority][,status][,slot][,table][,score]. */
    SM_EVENT_AVAILABILITY = 2, /**< id,unavailable (slots and sessions, such as "1;4-6;afternoon"). */
    SM_EVENT_LOCKS = 3         /**< A schedule written by sm_event_plan_write_csv(): slot,table,a,b; each row becomes a locked wish. */
} sm_event_input;

/**
 * Reads an event CSV text (RFC 4180, header row with the column names).
 * All rows are applied or none: on failure the event is unchanged.
 * @param event The event.
 * @param kind What the text holds.
 * @param text The bytes (need not be NUL-terminated); borrowed for the call.
 * @param len Length of @p text.
 * @param name Name used in messages (e.g. the file name), NULL = "input".
 * @return ::SM_OK, ::SM_ERR_PARSE (with file, line and column in sm_error_last()), the error of the add function
 *         a row failed with, ::SM_ERR_UNSUPPORTED (built without libcsv), ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_event_read_csv(sm_event *event, sm_event_input kind, const char *text, size_t len, const char *name);

/**
 * Reads an event CSV file; as sm_event_read_csv().
 * @param event The event.
 * @param kind What the file holds.
 * @param path The file's path.
 * @return As sm_event_read_csv(), and ::SM_ERR_IO if the file cannot be read.
 */
SM_API sm_status sm_event_load_csv(sm_event *event, sm_event_input kind, const char *path);

/**
 * Reads an event JSON text: a list of objects, alone or under the kind's key ("participants", "requests" or
 * "wishes", "availability", "locks" or "meetings" -- so a plan written by sm_event_plan_write_json() reads back
 * as locks). The keys are the CSV columns (docs/events.md gives the schema); "unavailable" may also be a list
 * such as [1, "4-6", "afternoon"]; a number may be given as a number or a string; null is no value; an unknown
 * key is an error. One document may hold all four lists, read once per kind. All records are applied or none:
 * on failure the event is unchanged and the message names the file, the JSON path (e.g.
 * "participants[3].capacity", also in sm_error::field) and the value.
 * @param event The event.
 * @param kind What to read.
 * @param text The bytes (need not be NUL-terminated); borrowed for the call.
 * @param len Length of @p text.
 * @param name Name used in messages (e.g. the file name), NULL = "input".
 * @return As sm_event_read_csv(); ::SM_ERR_UNSUPPORTED when built without jansson.
 */
SM_API sm_status sm_event_read_json(sm_event *event, sm_event_input kind, const char *text, size_t len,
                                    const char *name);

/**
 * Reads an event JSON file; as sm_event_read_json().
 * @param event The event.
 * @param kind What to read.
 * @param path The file's path.
 * @return As sm_event_read_json(), and ::SM_ERR_IO if the file cannot be read.
 */
SM_API sm_status sm_event_load_json(sm_event *event, sm_event_input kind, const char *path);

/** Number of participants. @param event The event. @return The count, 0 for NULL. */
SM_API size_t sm_event_participant_count(const sm_event *event);

/** Number of distinct wishes (pairs). @param event The event. @return The count, 0 for NULL. */
SM_API size_t sm_event_wish_count(const sm_event *event);

/**
 * Plans the event: selection, then scheduling (or one of them).
 * Deterministic: the same event gives the same plan.
 * @param out Receives the plan (owned; free with sm_event_plan_free()); untouched on failure.
 * @param event The event (read-only).
 * @param steps ::SM_EVENT_ALL, ::SM_EVENT_SELECT or ::SM_EVENT_SCHEDULE.
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, no steps, or a must/locked meeting that is impossible:
 *         the message says which and why); ::SM_ERR_LIMIT (without selection, a participant's wishes exceed
 *         its capacity); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_event_plan_new(sm_event_plan **out, const sm_event *event, unsigned int steps);

/** Frees a plan. @param plan The plan, or NULL. */
SM_API void sm_event_plan_free(sm_event_plan *plan);

/** One meeting of a plan; strings borrowed from the plan. */
typedef struct sm_event_meeting {
    const char *a;         /**< One participant (the first of the pair as wished). */
    const char *b;         /**< The other participant. */
    double weight;         /**< priority + score. */
    double score;          /**< The pair's score. */
    sm_wish_status status; /**< The wish's status. */
    unsigned int slot;     /**< Slot, 1..slots; 0 if not scheduled (selection only). */
    unsigned int table;    /**< Table in the slot, 1..tables; 0 if not scheduled. */
    const char *session;   /**< The slot's session, "" without sessions or slot. */
} sm_event_meeting;

/** One wish that is not in the schedule; strings borrowed from the plan. */
typedef struct sm_event_unscheduled {
    const char *a;          /**< One participant. */
    const char *b;          /**< The other participant. */
    double weight;          /**< priority + score. */
    sm_event_reason reason; /**< Why. */
    const char *other;      /**< For the capacity reasons: the weakest meeting that won, "x-y"; otherwise "". */
} sm_event_unscheduled;

/** Figures of a plan. */
typedef struct sm_event_stats {
    size_t participants;            /**< Participants. */
    size_t wishes;                  /**< Distinct wishes. */
    size_t meetings;                /**< Meetings selected (and scheduled, if scheduling ran). */
    size_t unscheduled;             /**< Wishes not in the schedule. */
    unsigned int min_meetings;      /**< Fewest meetings of a participant that has at least one wish. */
    double weight;                  /**< Total weight of the meetings. */
    double weight_bound;            /**< Upper bound on the total weight of the optimal selection: the least of
                                         half the sum over participants of their heaviest capacity-many wishes,
                                         the heaviest seats-many wishes, and the Lagrangian dual of the
                                         b-matching LP (prices on participants and seats; with fairness, also on
                                         the fairness levels this selection provably reaches, so the bound may
                                         be below the weight of a less fair selection). weight / weight_bound is
                                         a certificate: the selection has at least that share of the optimum's
                                         weight. */
    unsigned int slots_used;        /**< Slots that hold at least one meeting. */
    unsigned int slots_lower_bound; /**< max(most meetings of one participant, tables needed): no schedule uses fewer slots. */
    size_t gaps;                    /**< Idle slots between a participant's first and last meetings of the
                                         same session (breaks and its unavailable slots excluded), summed. */
    int bipartite;                  /**< Non-zero if groups are set and every wish joins two groups. */
    int selection_optimal;          /**< Non-zero if the selection is proven optimal (fairness levels, then
                                         weight; under the seats when scheduling ran): found by the exact search
                                         (events up to 100 participants, effort 2) or met by @c weight_bound. */
    size_t refilled;                /**< Meetings added after scheduling, in seats that meetings which could
                                         not be placed had left free. */
} sm_event_stats;

/** Number of sessions of the plan's event (0 = none). @param plan The plan. @return The count, 0 for NULL. */
SM_API unsigned int sm_event_plan_session_count(const sm_event_plan *plan);

/**
 * A session of the plan's event.
 * @param out Receives the session (name borrowed from the plan).
 * @param plan The plan.
 * @param i Index, below sm_event_plan_session_count().
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT (NULL), ::SM_ERR_RANGE (i).
 */
SM_API sm_status sm_event_plan_session_at(sm_event_session *out, const sm_event_plan *plan, unsigned int i);

/** The plan's figures. @param plan The plan. @return Borrowed figures, NULL for NULL. */
SM_API const sm_event_stats *sm_event_plan_stats(const sm_event_plan *plan);

/** Number of meetings. @param plan The plan. @return The count, 0 for NULL. */
SM_API size_t sm_event_plan_meeting_count(const sm_event_plan *plan);

/**
 * A meeting, in order of slot, then table (selection only: in wish order).
 * @param plan The plan.
 * @param i Index, below sm_event_plan_meeting_count().
 * @return Borrowed meeting, NULL if out of range.
 */
SM_API const sm_event_meeting *sm_event_plan_meeting_at(const sm_event_plan *plan, size_t i);

/** Number of unscheduled wishes. @param plan The plan. @return The count, 0 for NULL. */
SM_API size_t sm_event_plan_unscheduled_count(const sm_event_plan *plan);

/**
 * An unscheduled wish, in wish order.
 * @param plan The plan.
 * @param i Index, below sm_event_plan_unscheduled_count().
 * @return Borrowed entry, NULL if out of range.
 */
SM_API const sm_event_unscheduled *sm_event_plan_unscheduled_at(const sm_event_plan *plan, size_t i);

/** The code of a reason: "scheduled", "declined", "capacity_a", "capacity_b", "capacity_both", "no_common_slot",
 * "no_free_slot", "no_table", "not_selected"; "unknown" otherwise. @param reason The reason. @return Static string. */
SM_API const char *sm_event_reason_name(sm_event_reason reason);

/** The name of a status: "requested", "accepted", "declined", "must", "locked"; "unknown" otherwise.
 * @param status The status. @return Static string. */
SM_API const char *sm_wish_status_name(sm_wish_status status);

/**
 * Writes the schedule as CSV: slot,table,a,b,weight,score,status (readable back as ::SM_EVENT_LOCKS).
 * @param plan The plan.
 * @param path File to write, "-" = standard output.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_IO.
 */
SM_API sm_status sm_event_plan_write_csv(const sm_event_plan *plan, const char *path);

/**
 * Writes the unscheduled wishes as CSV: a,b,weight,reason,other.
 * @param plan The plan.
 * @param path File to write, "-" = standard output.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_IO.
 */
SM_API sm_status sm_event_plan_write_unscheduled_csv(const sm_event_plan *plan, const char *path);

/**
 * Writes the whole plan as one JSON object: "stats", "meetings", "unscheduled".
 * @param plan The plan.
 * @param path File to write, "-" = standard output.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_IO.
 */
SM_API sm_status sm_event_plan_write_json(const sm_event_plan *plan, const char *path);

/**
 * Writes one participant's agenda: a text table of its slots (time, table, partner), free slots included.
 * @param plan The plan.
 * @param id The participant.
 * @param path File to write, "-" = standard output.
 * @param start Event start "YYYY-MM-DDTHH:MM" (local time), or NULL to print slot numbers only.
 * @param slot_minutes Length of a slot in minutes (1..1440); ignored without @p start.
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_NOT_FOUND (not a participant), ::SM_ERR_PARSE (start),
 *         ::SM_ERR_RANGE, ::SM_ERR_IO.
 */
SM_API sm_status sm_event_plan_write_agenda(const sm_event_plan *plan, const char *id, const char *path,
                                            const char *start, unsigned int slot_minutes);

/**
 * Writes one participant's meetings as an iCalendar (RFC 5545) file, one VEVENT per meeting, floating local times.
 * @param plan The plan.
 * @param id The participant.
 * @param path File to write, "-" = standard output.
 * @param start Event start "YYYY-MM-DDTHH:MM".
 * @param slot_minutes Length of a slot in minutes (1..1440).
 * @return ::SM_OK, ::SM_ERR_INVALID_ARGUMENT, ::SM_ERR_NOT_FOUND, ::SM_ERR_PARSE (start), ::SM_ERR_RANGE, ::SM_ERR_IO.
 */
SM_API sm_status sm_event_plan_write_ics(const sm_event_plan *plan, const char *id, const char *path,
                                         const char *start, unsigned int slot_minutes);

/** @} */

/* ---- experimental: consortium builder ------------------------------------- */

/**
 * @defgroup consortium Consortium builder (experimental)
 *
 * Eligible project consortia for a funding call: a lead partner and partners
 * chosen from the engine's SMEs so that every hard rule of the call holds
 * (countries, size, SMEs, less developed regions, lead, must-include and
 * exclude) and a documented objective is as high as possible (coverage of
 * the call's topics and sectors, pairwise scores between members under the
 * caller's weighting, the lead's fit, the cohesion mix). docs/consortium.md
 * gives the rules, the objective to the formula and the search.
 *
 * A call profile (::sm_call) is built from a preset, from text (one
 * "key = value" per line, or a JSON object with the same keys) or key by key
 * with sm_call_set(). It is not tied to an engine.
 * @{
 */

/** A call profile: required topics and sectors, rules and objective weights. Opaque. */
typedef struct sm_call sm_call;

/**
 * A new, empty call profile: no topics, no rules, size 2..8, default
 * objective weights. Free with sm_call_free().
 * @param out receives the new profile (owned by the caller); untouched on failure
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL @p out); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_call_new(sm_call **out);

/**
 * A new call profile holding the rules of a named programme:
 * "horizon-europe", "interreg-ce", "interreg-europe", "interreg-euro-med"
 * ("_" and "-" are interchangeable). docs/consortium.md gives each rule and
 * its source.
 * @param out  receives the new profile (owned by the caller; free with sm_call_free())
 * @param name the preset's name
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNKNOWN_NAME; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_call_preset(sm_call **out, const char *name);

/** Number of call presets; sm_call_preset_name() enumerates them. */
SM_API size_t sm_call_preset_count(void);

/** Name of the @p index-th call preset, NULL past the end. Static. */
SM_API const char *sm_call_preset_name(size_t index);

/**
 * Parses a call profile from text. Two forms are accepted: lines of
 * "key = value" (blank lines and lines starting with '#' ignored), or, when
 * the first non-blank byte is '{', a JSON object whose members are the same
 * keys with string, number or array-of-strings values (arrays are joined
 * with ';'; JSON needs jansson at build time). Keys apply in order, as by
 * sm_call_set(); a "preset" key starts from that preset's rules.
 * @param out  receives the new profile (owned by the caller; free with sm_call_free()); untouched on failure
 * @param text the text, @p len bytes (need not be NUL-terminated)
 * @param len  its length in bytes
 * @param name name used in messages, e.g. a file name; NULL = "<call>"
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_PARSE (a line without '=',
 *         bad JSON, a bad value; the message names line and key); ::SM_ERR_UNKNOWN_NAME
 *         (unknown key, preset or country list); ::SM_ERR_RANGE; ::SM_ERR_BAD_CODE;
 *         ::SM_ERR_UNSUPPORTED (JSON without jansson); ::SM_ERR_LIMIT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_call_parse(sm_call **out, const char *text, size_t len, const char *name);

/**
 * Sets one key of a call profile from its text value, as one line of the
 * text format does. Keys (docs/consortium.md gives each in full):
 * "preset", "topics" ("tag[:weight];..."), "sectors" ("code[:weight];..."),
 * "size" ("4..8" or "6"), "min_size", "max_size", "min_countries"
 * ("N" or "N in LIST"), "min_partners" ("N in LIST", may repeat),
 * "max_per_country", "allowed" (LIST), "min_smes", "min_less_developed"
 * ("N below X"), "lead" (an id), "lead_countries" (LIST), "lead_sizes"
 * ("small;medium"), "include", "exclude" (ids, ';'), "weights"
 * ("coverage=2,pairs=1,lead=0.5,cohesion=0.5"), "coverage_decay" (0..1),
 * "cohesion_threshold" (> 0). A LIST is a ';' or ',' separated list of
 * country or region-code prefixes ("AT", "DE2") and named lists ("eu",
 * "he-associated", "interreg-ce-area", "interreg-europe-area",
 * "interreg-euro-med-area", "interreg-euro-med-eu"). Empty values clear a key;
 * values must not hold control characters other than tab.
 * @param call  the profile to change; unchanged on failure
 * @param key   the key (ASCII case ignored, "-" = "_")
 * @param value its value
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNKNOWN_NAME; ::SM_ERR_PARSE;
 *         ::SM_ERR_RANGE; ::SM_ERR_BAD_CODE; ::SM_ERR_LIMIT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_call_set(sm_call *call, const char *key, const char *value);

/**
 * Writes the profile in the text format, one "key = value" per line, so that
 * sm_call_parse() reads back the same profile.
 * @param out  receives a NUL-terminated string owned by the caller; free with sm_free()
 * @param call the profile
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_call_to_string(char **out, const sm_call *call);

/** Frees a call profile. Accepts NULL. */
SM_API void sm_call_free(sm_call *call);

/** Options for sm_consortium_build(). Initialise with ::SM_CONSORTIUM_OPTIONS_INIT or sm_consortium_options_init(). */
typedef struct sm_consortium_options {
    unsigned int version;          /**< ::SM_CONSORTIUM_OPTIONS_VERSION. */
    size_t k;                      /**< Consortia wanted (default 5, at most 100). */
    const sm_weighting *weighting; /**< Weighting of the pairwise scores; NULL = "balanced". Borrowed for the call. */
    const char *lead;              /**< Lead partner's id; NULL = the profile's "lead", else chosen by the lead rules. */
    size_t pool;                   /**< Most candidates the search considers (default 40, 8..64). */
    size_t leads;                  /**< Without a fixed lead: how many lead candidates are tried (default 3, 1..20). */
    size_t min_differ;             /**< Diversity: each consortium has at least this many members that an
                                        earlier one lacks, or lacks this many of its members (default 2, >= 1). */
    unsigned long max_nodes;       /**< Search budget per consortium in branch-and-bound nodes (default 2,000,000;
                                        0 = no limit). */
} sm_consortium_options;

#define SM_CONSORTIUM_OPTIONS_VERSION 1 /**< Current version of ::sm_consortium_options. */
/** Static initialiser: 5 consortia, "balanced", lead from the profile, pool 40, 3 leads, differ by 2. */
#define SM_CONSORTIUM_OPTIONS_INIT { SM_CONSORTIUM_OPTIONS_VERSION, 5, NULL, NULL, 40, 3, 2, 2000000ul }

/** Fills @p opts with the defaults. ::SM_ERR_INVALID_ARGUMENT on NULL or bad version. */
SM_API sm_status sm_consortium_options_init(sm_consortium_options *opts, unsigned int version);

/**
 * Ranked consortia with their rule checks, coverage and per-member reasons.
 * Owned by the caller; immutable; independent of the engine once returned.
 * Free with sm_consortia_free().
 */
typedef struct sm_consortia sm_consortia;

/**
 * Builds the best consortia for a call.
 *
 * Candidates come from exact top-k queries around the lead (all partners,
 * cross-border partners, partners from each country list of the rules, from
 * each country seen) and from the SMEs covering each required topic and
 * sector and those in less developed regions, ranked by their score with the
 * lead. A branch-and-bound search over the pool then finds the best
 * consortium; the next one is the best that differs from every earlier one
 * by the diversity rule (::sm_consortium_options::min_differ), and so on.
 * Every consortium returned satisfies every rule (it is eligible by
 * construction; sm_consortia_rule() reports each check). The search is exact
 * over the pool unless the node budget runs out (sm_consortia_exact()).
 *
 * When no eligible consortium exists the call succeeds with zero consortia
 * and sm_consortia_infeasible() says "no eligible consortium: rule ... cannot
 * be met because ...". Deterministic: the same engine, profile and options
 * give the same result. Read-only and thread-safe like sm_query_top().
 * @param out    receives the result (free with sm_consortia_free()); untouched on failure
 * @param engine the engine
 * @param call   the call profile
 * @param opts   options, NULL = defaults
 * @return ::SM_OK (also when no consortium is eligible); ::SM_ERR_INVALID_ARGUMENT (NULL,
 *         bad version, an option out of its range, a weighting with all weights 0);
 *         ::SM_ERR_NOT_FOUND (unknown lead or must-include id); ::SM_ERR_CALLBACK (a custom
 *         criterion or combiner of the weighting failed); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_consortium_build(sm_consortia **out, const sm_engine *engine, const sm_call *call,
                                     const sm_consortium_options *opts);

/** Frees a result of sm_consortium_build(). Accepts NULL. */
SM_API void sm_consortia_free(sm_consortia *consortia);

/** Number of consortia (0 for NULL or when none is eligible). */
SM_API size_t sm_consortia_count(const sm_consortia *consortia);

/** Why no consortium was found ("no eligible consortium: rule ..."), "" when some were. Borrowed. */
SM_API const char *sm_consortia_infeasible(const sm_consortia *consortia);

/** 1 if the search was exhaustive over the candidate pool for every consortium, 0 if a budget ran out. */
SM_API int sm_consortia_exact(const sm_consortia *consortia);

/** Objective value of consortium @p c (in [0, 1]), NaN past the end. */
SM_API double sm_consortia_score(const sm_consortia *consortia, size_t c);

/**
 * One term of the objective of consortium @p c: "coverage", "pairs", "lead"
 * or "cohesion" (each in [0, 1], before its weight). NaN past the end or for
 * another name.
 */
SM_API double sm_consortia_term(const sm_consortia *consortia, size_t c, const char *name);

/** Number of members of consortium @p c (0 past the end). Member 0 is the lead. */
SM_API size_t sm_consortia_size(const sm_consortia *consortia, size_t c);

/**
 * Member @p m of consortium @p c.
 * @param out_id      receives the SME id (borrowed from the result), may be NULL
 * @param out_country receives its country code (borrowed), may be NULL
 * @param out_reason  receives why it is there, e.g. "covers topics sensors, iot; from SI
 *                    (development 88); complements AT-00012 at 0.81" (borrowed), may be NULL
 * @param consortia   the result
 * @param c           consortium index
 * @param m           member index, 0 = the lead
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND past the end.
 */
SM_API sm_status sm_consortia_member(const char **out_id, const char **out_country, const char **out_reason,
                                     const sm_consortia *consortia, size_t c, size_t m);

/** Number of rules checked for each consortium (the same list for all, and for an infeasible result). */
SM_API size_t sm_consortia_rule_count(const sm_consortia *consortia);

/**
 * The check of rule @p r on consortium @p c.
 * @param out_rule   receives the rule as text, e.g. "min_partners 2 in interreg-ce-area" (borrowed), may be NULL
 * @param out_ok     receives 1 if it holds (always 1 for a returned consortium), may be NULL
 * @param out_detail receives the figures, e.g. "3 of 6 members in the list" (borrowed), may be NULL
 * @param consortia  the result
 * @param c          consortium index
 * @param r          rule index
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOT_FOUND past the end.
 */
SM_API sm_status sm_consortia_rule(const char **out_rule, int *out_ok, const char **out_detail,
                                   const sm_consortia *consortia, size_t c, size_t r);

/**
 * How many members of consortium @p c cover required item @p i (topics
 * first, then sectors; sm_consortia_item() names them). -1 past the end.
 */
SM_API long sm_consortia_coverage(const sm_consortia *consortia, size_t c, size_t i);

/** Number of required items (topics, then sectors) of the profile the result was built for. */
SM_API size_t sm_consortia_item_count(const sm_consortia *consortia);

/** Name of required item @p i (a topic tag or a sector code), NULL past the end; @p out_is_sector may be NULL. */
SM_API const char *sm_consortia_item(const sm_consortia *consortia, size_t i, int *out_is_sector);

/**
 * Writes the consortia as JSON (a list of {"rank", "score", "members":
 * [{"id", "role", "country", "reason"}], "rules": [{"rule", "ok", "detail"}],
 * "coverage": {...}, "terms": {...}}; docs/consortium.md) or as CSV (one row
 * per member: rank, score, id, role, country, reason).
 * @param out     receives a NUL-terminated string owned by the caller; free with sm_free()
 * @param out_len receives its length, may be NULL
 * @param consortia the result
 * @param format  ::SM_FORMAT_JSON or ::SM_FORMAT_CSV
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_consortia_format(char **out, size_t *out_len, const sm_consortia *consortia, sm_format format);

/** @} */

/* ---- experimental: regional overview -------------------------------------- */

/**
 * @defgroup overview Regional overview
 *
 * The regional-networking overview (docs/overview.md): the all-pairs top-k
 * of a batch, streamed into matrices without keeping the N x k results —
 * region x region at a NUTS level, sector x sector at a NACE level and
 * region x theme (the partner's NACE section) — with per cell the number of
 * top-k links, their score sum and mean, normalised indices, and a bounded
 * list of the best pairs (the potential cooperations). Writers turn an
 * overview into CSV, JSON, SVG pictures and a broker's HTML report.
 *
 * An ::sm_overview is immutable once made and independent of the engine
 * (every string it returns is its own copy). Functions on it are
 * thread-safe.
 * @{
 */

/** An aggregated overview. Opaque; made by sm_overview_new(), freed by sm_overview_free(). */
typedef struct sm_overview sm_overview;

/** The matrices of an overview. */
typedef enum sm_overview_matrix {
    SM_OVERVIEW_REGIONS = 0, /**< Querying SME's region x partner's region, at the chosen NUTS level. */
    SM_OVERVIEW_SECTORS = 1, /**< Querying SME's primary sector x partner's, at the chosen NACE level. */
    SM_OVERVIEW_THEMES = 2   /**< Querying SME's region x partner's theme (NACE section of its primary sector). */
} sm_overview_matrix;

/**
 * The values held per cell; docs/overview.md defines each to the formula.
 * New indices (realised and untapped potential, once a cooperation history
 * can be loaded) are added at the end; sm_overview_has_index() tells which an
 * overview holds.
 */
typedef enum sm_overview_index {
    SM_OVERVIEW_LINKS = 0,      /**< "links": top-k results with the query in the row, the partner in the column. */
    SM_OVERVIEW_SCORE_SUM = 1,  /**< "score_sum": sum of their scores. */
    SM_OVERVIEW_SCORE_MEAN = 2, /**< "score_mean": score_sum / links (0 when there are none). */
    SM_OVERVIEW_PAIRS = 3,      /**< "pairs": ordered pairs of distinct SMEs the cell could hold. */
    SM_OVERVIEW_DENSITY = 4,    /**< "density": links / pairs, the links per pair of SMEs. */
    SM_OVERVIEW_EXPECTED = 5,   /**< "expected": the row's links spread over the columns in proportion to pairs. */
    SM_OVERVIEW_LIFT = 6,       /**< "lift": links / expected, observed over expected (1 = as chance). */
    SM_OVERVIEW_REALISED = 7,   /**< "realised": ordered pairs of the cell's SMEs that cooperated in the history. */
    SM_OVERVIEW_UNTAPPED = 8    /**< "untapped": score sum of the cell's links whose two SMEs never cooperated. */
} sm_overview_index;

#define SM_OVERVIEW_INDEX_COUNT 9 /**< Number of ::sm_overview_index values this header knows. */

/**
 * The name of an index ("links", "score_mean", ...), as in the CSV headers;
 * NULL for unknown values. Static string.
 * @param index the index
 */
SM_API const char *sm_overview_index_name(sm_overview_index index);

/**
 * User-defined themes: named groups of tags (docs/overview.md). An SME
 * belongs to a theme when one of its offers or needs is a tag of the group;
 * it may belong to several themes or to none. Given to sm_overview_new()
 * (::sm_overview_options.themes), they replace the NACE sections as the
 * columns of the region x theme matrix. Opaque; made by sm_themes_new(),
 * freed by sm_themes_free(); independent of any engine (tags are matched
 * against an engine's when the overview is made). Not thread-safe while it
 * is changed; reading it from many threads is.
 */
typedef struct sm_themes sm_themes;

#define SM_THEMES_MAX 64 /**< Most themes one ::sm_themes holds. */

/**
 * Makes an empty set of themes (default allocator).
 * @param out receives the themes (free with sm_themes_free()); untouched on failure
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_themes_new(sm_themes **out);

/** Frees a set of themes. Accepts NULL. */
SM_API void sm_themes_free(sm_themes *themes);

/**
 * Adds tags to a theme, making the theme if it is new (themes keep the order
 * they were first named in; a tag given twice counts once). Tags are
 * normalised as SME tags are (case and white space folded).
 * @param themes the themes
 * @param theme  its name, 1..128 bytes of UTF-8; borrowed for the call
 * @param tags   the tags; borrowed for the call; may be NULL when @p n is 0
 * @param n      number of tags
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, a name that is empty, over 128 bytes or
 *         not UTF-8); ::SM_ERR_BAD_CODE (a tag that is empty, not UTF-8 or holds a control
 *         character); ::SM_ERR_LIMIT (a tag over ::SM_TAG_MAX bytes, more than ::SM_THEMES_MAX
 *         themes); ::SM_ERR_NOMEM. On failure the themes are unchanged.
 */
SM_API sm_status sm_themes_add(sm_themes *themes, const char *theme, const char *const *tags, size_t n);

/**
 * Adds the themes of a file, all or nothing. CSV: a header naming the
 * columns @c theme and @c tag (others are ignored), then one row per
 * (theme, tag). JSON: an object whose keys are theme names and whose values
 * are arrays of tags, e.g. {"green": ["solar", "recycling"]}.
 * @param themes    the themes
 * @param path      the file; ".json" (or a first byte '{') reads JSON, anything else CSV
 * @param out_count if not NULL, receives the number of (theme, tag) entries read
 * @return ::SM_OK; ::SM_ERR_IO; ::SM_ERR_PARSE (syntax, a missing column; the message names
 *         file, line, field and value); the errors of sm_themes_add(), with the line named; ::SM_ERR_UNSUPPORTED (built without libcsv or
 *         jansson); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_themes_load(sm_themes *themes, const char *path, size_t *out_count);

/**
 * sm_themes_load() from memory.
 * @param themes    the themes
 * @param data      the bytes (no NUL needed); borrowed for the call
 * @param size      number of bytes
 * @param name      used in messages and to choose JSON (".json"); NULL = "buffer"
 * @param out_count if not NULL, receives the number of (theme, tag) entries read
 * @return as sm_themes_load(), without ::SM_ERR_IO.
 */
SM_API sm_status sm_themes_load_buffer(sm_themes *themes, const char *data, size_t size, const char *name,
                                       size_t *out_count);

/** Number of themes (0 for NULL). */
SM_API size_t sm_themes_count(const sm_themes *themes);

/**
 * Name of theme @p i, borrowed from the themes; NULL out of range.
 * @param themes the themes
 * @param i      0-based theme
 */
SM_API const char *sm_themes_name(const sm_themes *themes, size_t i);

/**
 * Number of tags of theme @p i (0 out of range).
 * @param themes the themes
 * @param i      0-based theme
 */
SM_API size_t sm_themes_tag_count(const sm_themes *themes, size_t i);

/**
 * Tag @p j of theme @p i (normalised), borrowed from the themes; NULL out of range.
 * @param themes the themes
 * @param i      0-based theme
 * @param j      0-based tag
 */
SM_API const char *sm_themes_tag(const sm_themes *themes, size_t i, size_t j);

#define SM_OVERVIEW_OPTIONS_VERSION 2 /**< Current version of ::sm_overview_options (1 lacks @c themes). */

/** Options for sm_overview_new(). Initialise with ::SM_OVERVIEW_OPTIONS_INIT or sm_overview_options_init(). */
typedef struct sm_overview_options {
    unsigned int version;          /**< ::SM_OVERVIEW_OPTIONS_VERSION. */
    const sm_query_options *query; /**< k, weighting and filters of the batch; NULL = defaults (k 10, balanced). Borrowed for the call. */
    unsigned int threads;          /**< Worker threads of the batch; 0 = all CPUs. */
    int region_level;              /**< NUTS level of the region rows and columns, 0..3 (default 2). */
    int sector_level;              /**< NACE level of the sector matrix, 1..4 (default 1 = section). */
    size_t best_per_cell;          /**< Best pairs kept per cell, 0..100 (default 5). */
    sm_progress_fn on_progress;    /**< Optional progress of the batch (done, total SMEs); non-zero cancels. */
    void *progress_userdata;       /**< For @c on_progress. */
    const sm_themes *themes;       /**< Version 2: the theme columns; NULL = NACE sections. Borrowed for the call. */
} sm_overview_options;

/** Static initialiser: batch defaults, NUTS 2, NACE sections, 5 best pairs per cell. */
#define SM_OVERVIEW_OPTIONS_INIT { SM_OVERVIEW_OPTIONS_VERSION, NULL, 0u, 2, 1, 5, NULL, NULL, NULL }

/**
 * Fills @p opts with the defaults.
 * @param opts    options to initialise
 * @param version ::SM_OVERVIEW_OPTIONS_VERSION (or 1: the fields of version 1 only)
 * @return ::SM_OK, or ::SM_ERR_INVALID_ARGUMENT if @p opts is NULL or @p version unknown.
 */
SM_API sm_status sm_overview_options_init(sm_overview_options *opts, unsigned int version);

/**
 * Runs the batch (sm_batch_run()) over every SME of the engine and
 * aggregates each result as it arrives. Memory grows with the number of
 * SMEs (three small labels each) and of cells, never with N x k. Rows and
 * columns are the regions (sectors) that hold at least one SME, ordered by
 * code; an SME whose region (sector) is coarser than the level counts under
 * its own code. Takes the reader lock like sm_batch_run(), and once more
 * afterwards to copy the names and reasons of the best pairs. When the
 * engine holds a cooperation history (sm_history_load()), the overview also
 * holds ::SM_OVERVIEW_REALISED and ::SM_OVERVIEW_UNTAPPED and flags the best
 * pairs that already cooperated (::sm_overview_pair.cooperations).
 * @param out    receives the overview (free with sm_overview_free()); untouched on failure
 * @param engine the engine
 * @param opts   options, NULL = defaults
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, bad version, a level or best_per_cell out of range,
 *         and the query option errors of sm_batch_run()); ::SM_ERR_CANCELLED (the progress callback,
 *         or the engine changed between the batch and the copy: run it again);
 *         ::SM_ERR_CALLBACK; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_overview_new(sm_overview **out, const sm_engine *engine, const sm_overview_options *opts);

/** Frees an overview. Accepts NULL. */
SM_API void sm_overview_free(sm_overview *overview);

/** Number of SMEs the overview was made from (0 for NULL). */
SM_API size_t sm_overview_sme_count(const sm_overview *overview);

/** The k of the batch (0 for NULL). */
SM_API size_t sm_overview_k(const sm_overview *overview);

/** The NUTS level of the region matrices, or -1 for NULL. */
SM_API int sm_overview_region_level(const sm_overview *overview);

/** The NACE level of the sector matrix, or -1 for NULL. */
SM_API int sm_overview_sector_level(const sm_overview *overview);

/**
 * Whether the overview holds an index: 1 for those computed from the batch,
 * 0 for unknown values and for ::SM_OVERVIEW_REALISED and
 * ::SM_OVERVIEW_UNTAPPED of an overview made from an engine without history.
 * @param overview the overview
 * @param index    the index
 */
SM_API int sm_overview_has_index(const sm_overview *overview, sm_overview_index index);

/** Number of rows of a matrix (0 for NULL or an unknown matrix). */
SM_API size_t sm_overview_rows(const sm_overview *overview, sm_overview_matrix matrix);

/** Number of columns of a matrix (0 for NULL or an unknown matrix). */
SM_API size_t sm_overview_cols(const sm_overview *overview, sm_overview_matrix matrix);

/**
 * Code of row (@p axis 0) or column (@p axis 1) @p i of a matrix: a region
 * code, a sector code or a NACE section. Borrowed from the overview; NULL out of range.
 * @param overview the overview
 * @param matrix   the matrix
 * @param axis     0 = rows, 1 = columns
 * @param i        0-based row or column
 */
SM_API const char *sm_overview_label_code(const sm_overview *overview, sm_overview_matrix matrix, int axis, size_t i);

/** Name of a row or column (region name, sector title), as sm_overview_label_code(). */
SM_API const char *sm_overview_label_name(const sm_overview *overview, sm_overview_matrix matrix, int axis, size_t i);

/** Number of SMEs in a row or column (by the same classification), 0 out of range. Parameters as sm_overview_label_code(). */
SM_API size_t sm_overview_label_smes(const sm_overview *overview, sm_overview_matrix matrix, int axis, size_t i);

/**
 * One value of one cell.
 * @param overview the overview
 * @param matrix   the matrix
 * @param row      0-based row
 * @param col      0-based column
 * @param index    the value wanted
 * @return the value; NaN when an argument is out of range or the index not held.
 */
SM_API double sm_overview_value(const sm_overview *overview, sm_overview_matrix matrix, size_t row, size_t col,
                                sm_overview_index index);

/**
 * One index of every cell of a matrix, row-major, rows() x cols() values.
 * @param out      receives the values
 * @param n        capacity of @p out in values; must be at least rows() x cols()
 * @param overview the overview
 * @param matrix   the matrix
 * @param index    the value wanted
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, unknown matrix or index, @p n too small).
 */
SM_API sm_status sm_overview_values(double *out, size_t n, const sm_overview *overview, sm_overview_matrix matrix,
                                    sm_overview_index index);

/**
 * A potential cooperation: one of the best pairs of a cell. Strings are
 * borrowed from the overview. The caller sets @c version; the library fills
 * the fields that version has.
 */
typedef struct sm_overview_pair {
    unsigned int version;  /**< Set by the caller: ::SM_OVERVIEW_PAIR_VERSION. */
    const char *a;         /**< Id of the querying SME. */
    const char *a_name;    /**< Its name. */
    const char *a_region;  /**< Its region's code (the SME's own, not the matrix level). */
    const char *a_sector;  /**< Its primary sector's code. */
    const char *b;         /**< Id of the partner. */
    const char *b_name;    /**< Its name. */
    const char *b_region;  /**< Its region's code. */
    const char *b_sector;  /**< Its primary sector's code. */
    double score;          /**< Total score of the pair. */
    const char *reasons;   /**< Why, in words: the strongest criteria and the offers that meet needs. */
    size_t cooperations;   /**< Version 2: cooperations the two shared in the history (0 = none, or no history). */
} sm_overview_pair;

#define SM_OVERVIEW_PAIR_VERSION 2 /**< Current version of ::sm_overview_pair (1 lacks @c cooperations). */

/** Number of best pairs kept in a cell (at most best_per_cell); 0 out of range. Parameters as sm_overview_value(). */
SM_API size_t sm_overview_best_count(const sm_overview *overview, sm_overview_matrix matrix, size_t row, size_t col);

/**
 * The @p i-th best pair of a cell (score descending, ties by ids).
 * @param out      receives the pair; set its @c version first
 * @param overview the overview
 * @param matrix   the matrix
 * @param row      0-based row
 * @param col      0-based column
 * @param i        0-based rank in the cell
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL, bad version); ::SM_ERR_NOT_FOUND (out of range).
 */
SM_API sm_status sm_overview_best_at(sm_overview_pair *out, const sm_overview *overview, sm_overview_matrix matrix,
                                     size_t row, size_t col, size_t i);

/** Map geometry for the map pictures: region outlines loaded from a geometry file. Opaque. */
typedef struct sm_geometry sm_geometry;

/**
 * Loads a geometry file (the format of data/nuts2021_60m.txt, docs/overview.md).
 * The file is optional data: without it every matrix and the non-map
 * pictures still work.
 * @param out  receives the geometry (free with sm_geometry_free()); untouched on failure
 * @param path the file
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_IO; ::SM_ERR_PARSE (line named); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_geometry_load(sm_geometry **out, const char *path);

/** Frees a geometry. Accepts NULL. */
SM_API void sm_geometry_free(sm_geometry *geometry);

/** Number of region outlines in a geometry (0 for NULL). */
SM_API size_t sm_geometry_count(const sm_geometry *geometry);

/**
 * Projects a point to ETRS89-LAEA (EPSG:3035), the projection of the maps.
 * @param out_x    receives easting in metres
 * @param out_y    receives northing in metres
 * @param lat      latitude in degrees
 * @param lon      longitude in degrees
 */
SM_API void sm_laea_project(double *out_x, double *out_y, double lat, double lon);

/** The pictures an overview can draw. */
typedef enum sm_overview_picture {
    SM_PICTURE_HEATMAP = 0,    /**< Region x region heat map of lift, with a legend. */
    SM_PICTURE_CHORD = 1,      /**< Sector x sector chord diagram of links. */
    SM_PICTURE_CHOROPLETH = 2, /**< Map: regions shaded by outgoing interregional potential (needs geometry). */
    SM_PICTURE_FLOWS = 3,      /**< Map: the strongest region pairs as arcs (needs geometry). */
    SM_PICTURE_THEMES = 4,     /**< Region x theme heat map of lift. */
    SM_PICTURE_UNTAPPED = 5    /**< Region x region heat map of untapped potential (needs a history, else ::SM_ERR_UNSUPPORTED). */
} sm_overview_picture;

/** Output files an overview writes. */
typedef enum sm_overview_output {
    SM_OUTPUT_MATRIX_CSV = 0,    /**< One matrix as CSV, one row per cell (docs/overview.md). */
    SM_OUTPUT_POTENTIAL_CSV = 1, /**< The potential interregional cooperations as CSV. */
    SM_OUTPUT_JSON = 2,          /**< Every matrix and the potential cooperations as one JSON document. */
    SM_OUTPUT_SVG = 3,           /**< A picture as SVG. */
    SM_OUTPUT_REPORT = 4         /**< The broker's report: one self-contained HTML file. */
} sm_overview_output;

/**
 * Writes one output of an overview as text.
 * @param out      receives a NUL-terminated string; free with sm_free()
 * @param out_len  receives its length, may be NULL
 * @param overview the overview
 * @param output   what to write
 * @param which    the matrix (::sm_overview_matrix) for ::SM_OUTPUT_MATRIX_CSV, the picture
 *                 (::sm_overview_picture) for ::SM_OUTPUT_SVG; ignored otherwise
 * @param geometry map outlines, borrowed, or NULL: maps are then left out of the report and
 *                 the map pictures fail with ::SM_ERR_UNSUPPORTED
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT; ::SM_ERR_UNSUPPORTED; ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_overview_format(char **out, size_t *out_len, const sm_overview *overview,
                                    sm_overview_output output, int which, const sm_geometry *geometry);

/**
 * Writes one output to a file atomically: into a temporary file beside
 * @p path, then renamed over it, so a reader never sees half a file.
 * @param path     the file to write
 * @param overview the overview
 * @param output   what to write
 * @param which    as sm_overview_format()
 * @param geometry as sm_overview_format()
 * @return as sm_overview_format(); ::SM_ERR_IO (path named).
 */
SM_API sm_status sm_overview_write(const char *path, const sm_overview *overview, sm_overview_output output,
                                   int which, const sm_geometry *geometry);

/**
 * A map of one region's potential partners: every region shaded by the
 * score sum of the top-k links between it and the focus region, both
 * directions (S(f, j) + S(j, f), docs/overview.md); the focus region is
 * outlined. The report's region sheets carry the same map.
 * @param out      receives a NUL-terminated SVG document; free with sm_free()
 * @param out_len  receives its length, may be NULL
 * @param overview the overview
 * @param region   code of a row of the region matrix (at the overview's level)
 * @param geometry map outlines, borrowed
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL); ::SM_ERR_NOT_FOUND (no such region row,
 *         the message names the code); ::SM_ERR_UNSUPPORTED (no geometry); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_overview_format_focus(char **out, size_t *out_len, const sm_overview *overview,
                                          const char *region, const sm_geometry *geometry);

/**
 * sm_overview_format_focus() into a file, atomically as sm_overview_write().
 * @param path     the file to write
 * @param overview the overview
 * @param region   as sm_overview_format_focus()
 * @param geometry as sm_overview_format_focus()
 * @return as sm_overview_format_focus(); ::SM_ERR_IO (path named).
 */
SM_API sm_status sm_overview_write_focus(const char *path, const sm_overview *overview, const char *region,
                                         const sm_geometry *geometry);

/** @} */


/* ---- experimental: snapshots ---------------------------------------------- */

/**
 * Writes the whole engine (regions, sectors, adjacency, languages,
 * cooperation types, affinity, tags, SMEs, development indices) to one file
 * in the format of docs/snapshot.md, which sm_snapshot_load() reads back into
 * an engine that gives the same results bit for bit. The file is written
 * atomically: to a temporary file in the same directory, synced, renamed
 * over @p path, and the directory synced; a crash leaves the old file or the
 * new one. Caches derived from the data are not stored. Takes the reader lock.
 * @param engine the engine, borrowed
 * @param path   the file to write (by convention ending in ".smsnap"); replaced
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL or empty argument);
 *         ::SM_ERR_IO (the directory is not writable, the disk is full; no
 *         temporary file is left and @p path is unchanged); ::SM_ERR_LIMIT
 *         (taxonomy and tag strings over 4 GiB); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_snapshot_save(const sm_engine *engine, const char *path);

/** Options for sm_snapshot_load(). */
typedef struct sm_snapshot_options {
    unsigned int version;          /**< ::SM_SNAPSHOT_OPTIONS_VERSION. */
    const sm_allocator *allocator; /**< The new engine's allocator, copied; NULL = malloc/realloc/free. */
} sm_snapshot_options;

#define SM_SNAPSHOT_OPTIONS_VERSION 1 /**< Current version of ::sm_snapshot_options. */
/** Static initialiser: the default allocator. */
#define SM_SNAPSHOT_OPTIONS_INIT { SM_SNAPSHOT_OPTIONS_VERSION, NULL }

/**
 * Fills @p opts with the defaults.
 * @param opts    the options to fill
 * @param version ::SM_SNAPSHOT_OPTIONS_VERSION
 * @return ::SM_OK, or ::SM_ERR_INVALID_ARGUMENT if @p opts is NULL or @p version unknown.
 */
SM_API sm_status sm_snapshot_options_init(sm_snapshot_options *opts, unsigned int version);

/**
 * A new engine holding what sm_snapshot_save() wrote to @p path. Every offset,
 * length, checksum and value in the file is checked before use. The file is
 * mapped privately and the engine reads its SME columns, ids and hash maps
 * there instead of copying them, so opening makes no allocation per SME; a
 * change to the engine copies what it changes (the mapping's pages, or a
 * whole column when it grows), never writing to the file. Replacing the file
 * (sm_snapshot_save() renames a new file over it) is safe while the engine
 * lives; truncating or rewriting it in place is not (the system may then
 * end the process with SIGBUS). The mapping is released with the engine and
 * the last result made by it. Free with sm_engine_free().
 * @param out  receives the new engine, owned by the caller; untouched on failure
 * @param path the snapshot file
 * @param opts options; NULL = defaults
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL @p out or @p path, bad options);
 *         ::SM_ERR_IO (cannot open or map the file); ::SM_ERR_UNSUPPORTED (a
 *         newer major format version, or a file of the other byte order);
 *         ::SM_ERR_PARSE (not a snapshot, truncated or damaged: the message names
 *         the section and file offset); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_snapshot_load(sm_engine **out, const char *path, const sm_snapshot_options *opts);

/**
 * The content hash of a snapshot: an XXH3-64 over its section table, which
 * holds a checksum of every section, so equal engines saved by the same
 * library version have equal hashes. Checks the header and every section's
 * checksum, without building an engine.
 * @param out  receives the hash; untouched on failure
 * @param path the snapshot file
 * @return as sm_snapshot_load(), without ::SM_ERR_NOMEM for the engine.
 */
SM_API sm_status sm_snapshot_content_hash(uint64_t *out, const char *path);

/** One section of a snapshot file, as sm_snapshot_info_get() lists it. */
typedef struct sm_snapshot_section {
    uint32_t id;           /**< Section id (docs/snapshot.md). */
    uint32_t element_size; /**< Bytes per element, 0 for a blob. */
    uint64_t offset;       /**< File offset of its first byte. */
    uint64_t length;       /**< Its length in bytes. */
    uint64_t checksum;     /**< The XXH3-64 the section table records for it. */
    int checksum_ok;       /**< 1 when its bytes have that checksum, 0 when not or outside the file. */
    char name[44];         /**< What it holds ("meta", "SME column region", ...; "unknown" for a later minor's). */
} sm_snapshot_section;

/** What sm_snapshot_info_get() reads from a snapshot's header and META section. */
typedef struct sm_snapshot_info {
    unsigned int format_major;  /**< Format version of the file. */
    unsigned int format_minor;  /**< Minor version; a reader ignores sections it does not know. */
    unsigned int library_version; /**< The writer's SM_VERSION_MAJOR << 16 | MINOR << 8 | PATCH (0: META unreadable). */
    uint64_t file_size;         /**< Bytes. */
    uint64_t content_hash;      /**< As sm_snapshot_content_hash(). */
    uint64_t smes;              /**< SMEs (from META; 0 when META is damaged). */
    uint64_t regions;           /**< Regions. */
    uint64_t sectors;           /**< Sectors. */
    uint64_t tags;              /**< Distinct tags. */
    uint64_t list_entries;      /**< Secondary sectors, offers and needs of all SMEs. */
    uint64_t history_events;    /**< Cooperations in the history (0: none stored). */
    int builtin_affinity;       /**< 1 when the file relies on the built-in sector affinity table. */
    size_t n_sections;          /**< Entries of @c sections. */
    sm_snapshot_section *sections; /**< In the order of the section table; part of the same block. */
    size_t n_damaged;           /**< Sections whose checksum does not match (sm_snapshot_load() refuses the file). */
} sm_snapshot_info;

/**
 * Describes a snapshot without building an engine: its header, every
 * section with its size and whether its checksum matches, and the counts
 * its META section records. A damaged section is reported, not refused
 * (see @c n_damaged); the values inside sections are not checked
 * (sm_snapshot_load() checks them).
 * @param out  receives the description, owned by the caller (free with
 *             sm_snapshot_info_free()); untouched on failure
 * @param path the snapshot file
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL argument); ::SM_ERR_IO;
 *         ::SM_ERR_UNSUPPORTED (a newer major format or the other byte order);
 *         ::SM_ERR_PARSE (no snapshot header, or the header or section table
 *         is damaged or truncated: the message names the offset); ::SM_ERR_NOMEM.
 */
SM_API sm_status sm_snapshot_info_get(sm_snapshot_info **out, const char *path);

/**
 * Frees what sm_snapshot_info_get() returned.
 * @param info the description; NULL does nothing
 */
SM_API void sm_snapshot_info_free(sm_snapshot_info *info);

/**
 * sm_batch_run() over one shard of the SMEs: those whose id's FNV-1a 64-bit
 * hash modulo @p n_shards equals @p shard (of the SMEs in @c opts->ids, when
 * given). The shard of an SME depends on its id only, so shards are stable
 * across engines, machines and snapshots, and the results of shards 0 to
 * @p n_shards - 1 together equal those of sm_batch_run(), each SME once.
 * Progress counts the shard's SMEs.
 * @param engine   the engine, borrowed
 * @param opts     as for sm_batch_run()
 * @param shard    which shard, 0 .. @p n_shards - 1
 * @param n_shards number of shards, at least 1
 * @return as sm_batch_run(); ::SM_ERR_INVALID_ARGUMENT also for @p shard >= @p n_shards.
 */
SM_API sm_status sm_batch_run_shard(const sm_engine *engine, const sm_batch_options *opts, unsigned int shard,
                                    unsigned int n_shards);

/** @} */
/* ---- experimental: deferred changes ------------------------------------- */

/**
 * @name Deferred changes
 * Puts and removes that do not wait for running queries, published soon
 * after in batches (near-real-time publication, as a search engine's
 * refresh). sm_sme_put_deferred() and sm_sme_remove_deferred() check the
 * change as sm_sme_put() and sm_sme_remove() do, copy it into the engine's
 * queue and return; they never wait for a query (only, briefly, for an
 * exclusive step already under way, and for room when the queue is full).
 * A publisher thread of the engine's, started by the first deferred change
 * and joined by sm_engine_free(), takes the queued changes in call order
 * once the oldest has waited ::sm_defer_options.max_delay_ms (at once when
 * the queue is full), prepares them beside running queries and splices each
 * batch into the engine in one exclusive step: a query sees a batch whole
 * or not at all, and sm_batch_run() still sees one version. A synchronous
 * change (sm_sme_put(), sm_sme_remove(), a bulk commit, a load, a region,
 * sector or affinity change, ...) publishes the queue first, so changes
 * keep the order of the calls. sm_engine_flush() waits until every change
 * queued before it is visible: queries that start after it returned see
 * them. Until then, a query may or may not see a queued change (getters
 * such as sm_sme_get() and sm_sme_contains() read the engine, not the
 * queue). A change that fails when it is published (out of memory, a
 * remove whose SME a synchronous remove took meanwhile, a new tag past the
 * limit) is dropped, the others of its batch are published, and the next
 * sm_engine_flush() returns the first such error. sm_engine_free() drops
 * the changes still queued (nothing can see them any more): flush first to
 * learn about errors. docs/scoring.md, "Updates", gives the consistency
 * model and a worked example; docs/python.md the Python side.
 * @{
 */

#define SM_DEFER_OPTIONS_VERSION 1 /**< Current version of ::sm_defer_options. */

/** How deferred changes are published. Initialise with ::SM_DEFER_OPTIONS_INIT. */
typedef struct sm_defer_options {
    unsigned int version; /**< ::SM_DEFER_OPTIONS_VERSION. */
    /** Longest wait, in milliseconds, of a queued change before its batch
     *  is published (0..10000; default 1). Longer waits make bigger batches:
     *  fewer exclusive steps for the same changes. */
    double max_delay_ms;
    /** Most changes queued at once (1..1048576; default 4096), and so the
     *  largest batch. A deferred call that finds the queue full waits until
     *  the batch under way is published (back-pressure). */
    size_t max_queued;
} sm_defer_options;

/** Static initialiser for ::sm_defer_options with the defaults. */
#define SM_DEFER_OPTIONS_INIT { SM_DEFER_OPTIONS_VERSION, 1.0, 4096 }

/**
 * Sets how @p engine publishes deferred changes, for the batches that
 * follow. Thread-safe.
 * @param engine the engine
 * @param opts   the options, NULL for the defaults
 * @return ::SM_OK; ::SM_ERR_INVALID_ARGUMENT (NULL engine, unknown version);
 *         ::SM_ERR_RANGE (a value out of its range; nothing changed).
 */
SM_API sm_status sm_engine_defer_configure(sm_engine *engine, const sm_defer_options *opts);

/**
 * Queues a put of the SME @p desc describes, to be published soon
 * (see @ref experimental "Deferred changes").
 * @param engine the engine
 * @param desc   the SME, copied (the caller keeps it)
 * @return ::SM_OK (queued); every error of sm_sme_put() that its record
 *         shows now (the change is then not queued); ::SM_ERR_NOMEM
 *         (also when the publisher thread cannot be started).
 * Thread-safe. Must not be called from a callback of a query or batch on
 * the same engine (aborts with a message, as a change would).
 */
SM_API sm_status sm_sme_put_deferred(sm_engine *engine, const sm_sme_desc *desc);

/**
 * Queues the removal of SME @p id, to be published soon.
 * @param engine the engine
 * @param id     the SME's id, copied
 * @return ::SM_OK (queued); ::SM_ERR_NOT_FOUND when neither the engine nor
 *         the queue holds @p id (its last queued change is a remove, or it
 *         has none and the engine lacks it); ::SM_ERR_INVALID_ARGUMENT;
 *         ::SM_ERR_NOMEM. Thread-safe; not from a callback.
 */
SM_API sm_status sm_sme_remove_deferred(sm_engine *engine, const char *id);

/**
 * Waits until every deferred change queued before this call is published
 * (queries that start after it returned see them all), and returns the
 * first error met in publishing since the last flush; that change was
 * dropped (the others were published).
 * @param engine the engine
 * @return ::SM_OK; the first publication error, with its message (the
 *         errors are then cleared); ::SM_ERR_INVALID_ARGUMENT (NULL).
 * Thread-safe; not from a callback. Waits for running queries as a
 * synchronous change does.
 */
SM_API sm_status sm_engine_flush(sm_engine *engine);

/** @} */

#endif /* SM_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* SMARTMATCH_H */
