/* Built-in reference tables (generated: lib/gen_*.c by scripts/gen_tables.py). */
#ifndef SM_TABLES_H
#define SM_TABLES_H
#include <stddef.h>
#include <stdint.h>
typedef struct sm__region_row {
    const char *code;      /* NUTS 2021 code, or a 2-letter country code */
    const char *name;      /* name in Latin script (GISCO NAME_LATN); for countries: English name */
    double lat, lon;       /* GISCO label point (WGS84); countries w/o NUTS: approximate capital */
    const char *languages; /* only on level-0 rows: ';'-separated ISO 639-1 official languages, e.g. "de" or "sl;it;hu"; NULL on other rows */
} sm__region_row;
extern const sm__region_row sm__region_table[];
extern const size_t sm__region_table_len;          /* 2010 NUTS + 4 CADSES + 209 other countries = 2223 */
typedef struct sm__adjacency_row { uint16_t a, b; } sm__adjacency_row; /* indices into sm__region_table, a < b, same NUTS level */
extern const sm__adjacency_row sm__adjacency_table[];
extern const size_t sm__adjacency_table_len;
typedef struct sm__sector_row { const char *code; const char *name; } sm__sector_row;
extern const sm__sector_row sm__sector_table[];   /* 996 NACE Rev.2 rows */
extern const size_t sm__sector_table_len;
/* Sector affinity in [0,1]: index 0..99 = NACE division number; 100..120 = section A..U (used for codes given at section level only). Symmetric. */
#define SM__AFFINITY_KEYS 121
extern const double sm__affinity_table[SM__AFFINITY_KEYS][SM__AFFINITY_KEYS];
#endif
