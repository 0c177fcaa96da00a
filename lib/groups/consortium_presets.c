/* The named country lists and the call presets, as data. Each list and rule
 * names its source; docs/consortium.md repeats them. Lists are NUTS 2021
 * codes: a country ("AT") or a region prefix ("DE2" = Bayern), with the
 * Eurostat spellings EL (Greece) and UK. When a programme changes its area
 * or rules, change the table here (and the guide). */
#include "groups/consortium.h"

#include <ctype.h>
#include <string.h>

/* EU Member States (27, since 1 February 2020). */
static const char *const eu[] = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", NULL,
};

/* Countries associated to Horizon Europe, from the European Commission's
 * "List of participating countries in Horizon Europe" (Funding & Tenders
 * portal reference documents): association agreements in force or applied
 * provisionally. The list changes; check the current version for a call. */
static const char *const he_associated[] = {
    "AL", "AM", "BA", "CA", "CH", "FO", "GE", "IL", "IS", "KR", "MD", "ME", "MK", "NO",
    "NZ", "RS", "TN", "TR", "UA", "UK", "XK", NULL,
};

/* Interreg CENTRAL EUROPE 2021-2027 programme area (Interreg CE
 * Cooperation Programme, section 1.1): Austria, Croatia, Czechia, Hungary,
 * Poland, Slovakia, Slovenia; in Germany Baden-Wuerttemberg, Bayern, Berlin,
 * Brandenburg, Mecklenburg-Vorpommern, Sachsen, Sachsen-Anhalt, Thueringen;
 * in Italy Emilia-Romagna, Friuli Venezia Giulia, Liguria, Lombardia,
 * Piemonte, Bolzano, Trento, Valle d'Aosta, Veneto. */
static const char *const ce_area[] = {
    "AT", "CZ", "HR", "HU", "PL", "SI", "SK",
    "DE1", "DE2", "DE3", "DE4", "DE8", "DED", "DEE", "DEG",
    "ITC1", "ITC2", "ITC3", "ITC4", "ITH1", "ITH2", "ITH3", "ITH4", "ITH5", NULL,
};

/* Interreg Europe 2021-2027 (Interreg Europe Programme Manual, partnership):
 * the 27 Member States, Norway and Switzerland. */
static const char *const europe_extra[] = { "NO", "CH", NULL };

/* Interreg Euro-MED 2021-2027 cooperation area (Interreg Euro-MED
 * Cooperation Programme, section 1.1: 14 countries, 69 regions): the EU
 * states Bulgaria, Croatia, Cyprus, Greece, Italy, Malta, Slovenia whole; in
 * France Auvergne-Rhone-Alpes, Occitanie, Provence-Alpes-Cote d'Azur,
 * Corse; in Spain Andalucia, Aragon, Cataluna, Comunitat Valenciana, Illes
 * Balears, Region de Murcia, Ceuta, Melilla; in Portugal Algarve, Alentejo,
 * Area Metropolitana de Lisboa; the IPA countries Albania, Bosnia and
 * Herzegovina, Montenegro, North Macedonia. */
static const char *const euro_med_area[] = {
    "BG", "HR", "CY", "EL", "IT", "MT", "SI",
    "FRK", "FRJ", "FRL", "FRM",
    "ES61", "ES24", "ES51", "ES52", "ES53", "ES62", "ES63", "ES64",
    "PT15", "PT18", "PT17",
    "AL", "BA", "ME", "MK", NULL,
};
/* Its EU part (for "at least two partners from EU regions of the area"). */
static const char *const euro_med_eu[] = {
    "BG", "HR", "CY", "EL", "IT", "MT", "SI",
    "FRK", "FRJ", "FRL", "FRM",
    "ES61", "ES24", "ES51", "ES52", "ES53", "ES62", "ES63", "ES64",
    "PT15", "PT18", "PT17", NULL,
};

typedef struct named_list {
    const char *name;
    const char *const *codes[2];
} named_list;

static const named_list lists[] = {
    { "eu", { eu, NULL } },
    { "he-associated", { he_associated, NULL } },
    { "interreg-ce-area", { ce_area, NULL } },
    { "interreg-europe-area", { eu, europe_extra } },
    { "interreg-euro-med-area", { euro_med_area, NULL } },
    { "interreg-euro-med-eu", { euro_med_eu, NULL } },
};

bool sm__area_named(sm__area *area, const char *name, sm_status *st)
{
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (strcmp(lists[i].name, name) != 0)
            continue;
        for (int part = 0; part < 2 && lists[i].codes[part]; part++)
            for (const char *const *c = lists[i].codes[part]; *c; c++) {
                bool have = false;
                for (unsigned j = 0; j < area->n && !have; j++)
                    have = strcmp(area->pfx[j], *c) == 0;
                if (have)
                    continue;
                if (area->n >= SM__AREA_PFX_MAX) {
                    *st = SM_ERR_LIMIT;
                    return false;
                }
                strcpy(area->pfx[area->n++], *c);
            }
        return true;
    }
    return false;
}

/* ---- presets: the partnership rules of each programme, as keys ------------- */

typedef struct preset {
    const char *name;
    const char *const *keys; /* key, value, ..., NULL */
} preset;

/* Horizon Europe, General Annexes (B. Eligibility) to the Work Programme
 * 2023-2025, and Regulation (EU) 2021/695 Art. 22(2): for Research and
 * Innovation and Innovation Actions at least three independent legal
 * entities, each established in a different Member State or Associated
 * Country, with at least one in a Member State. */
static const char *const horizon_europe[] = {
    "size", "3..10",
    "min_countries", "3 in eu;he-associated",
    "min_partners", "1 in eu",
    "allowed", "eu;he-associated",
    NULL,
};

/* Interreg CENTRAL EUROPE Programme Manual, "Transnationality of
 * partnerships": at least three financing partners from at least three
 * countries, at least two of them located in Interreg CE regions; the lead
 * partner is located in the programme area (Programme Manual, lead partner). */
static const char *const interreg_ce[] = {
    "size", "3..12",
    "min_countries", "3",
    "min_partners", "2 in interreg-ce-area",
    "lead_countries", "interreg-ce-area",
    NULL,
};

/* Interreg Europe Programme Manual 2021-2027, section on partnership: partners
 * from at least three countries, at least two of them EU Member States,
 * partners from the EU 27, Norway and Switzerland; 5 to 16 partners are
 * recommended (the preset uses the recommendation as its size rule). */
static const char *const interreg_europe[] = {
    "size", "5..16",
    "min_countries", "3",
    "min_partners", "2 in eu",
    "allowed", "interreg-europe-area",
    "lead_countries", "eu",
    NULL,
};

/* Interreg Euro-MED Programme Manual (FAQ "What is the minimum and maximum
 * number of partners?"): at least four financing partners from at least four
 * countries of the cooperation area, at least two of them in EU regions of
 * the area; calls may ask for more (call Euro-MED02: five from five). */
static const char *const interreg_euro_med[] = {
    "size", "4..12",
    "min_countries", "4 in interreg-euro-med-area",
    "min_partners", "2 in interreg-euro-med-eu",
    "lead_countries", "interreg-euro-med-eu",
    NULL,
};

static const preset presets[] = {
    { "horizon-europe", horizon_europe },
    { "interreg-ce", interreg_ce },
    { "interreg-europe", interreg_europe },
    { "interreg-euro-med", interreg_euro_med },
};

const char *const sm__call_preset_names[] = { "horizon-europe", "interreg-ce", "interreg-europe",
                                              "interreg-euro-med", NULL };
const size_t sm__call_preset_n = sizeof presets / sizeof presets[0];

sm_status sm__call_preset_apply(sm_call *c, const char *name)
{
    char norm[32];
    size_t n = strlen(name);
    if (n < sizeof norm) {
        for (size_t i = 0; i <= n; i++)
            norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
        for (size_t i = 0; i < sm__call_preset_n; i++) {
            if (strcmp(norm, presets[i].name) != 0)
                continue;
            /* A preset sets the partnership rules afresh; topics, sectors,
             * lead, include, exclude and weights stay. */
            sm_call d;
            sm__call_defaults(&d);
            c->min_size = d.min_size;
            c->max_size = d.max_size;
            c->min_countries = 0;
            memset(&c->min_countries_in, 0, sizeof c->min_countries_in);
            c->n_min_partners = 0;
            c->max_per_country = 0;
            memset(&c->allowed, 0, sizeof c->allowed);
            memset(&c->lead_countries, 0, sizeof c->lead_countries);
            for (const char *const *k = presets[i].keys; *k; k += 2) {
                sm_status st = sm__call_apply(c, k[0], k[1]);
                if (st)
                    return st; /* cannot happen: the tables are checked by the tests */
            }
            memcpy(c->preset, presets[i].name, strlen(presets[i].name) + 1);
            return SM_OK;
        }
    }
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "preset", name,
                       "call: unknown preset \"%.64s\" (presets: horizon-europe, interreg-ce, interreg-europe, "
                       "interreg-euro-med)", name);
}
