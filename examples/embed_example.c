/* The smallest useful embedding of smartmatch: create an engine with the
 * built-in NUTS and NACE taxonomies, report what it holds, add SMEs, look
 * them up and print them. Build: see examples/meson.build. */
#include <smartmatch.h>

#include <stdio.h>

static int check(sm_status st, const char *what)
{
    if (st != SM_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, sm_status_str(st), sm_error_last()->message);
        return 1;
    }
    return 0;
}

static void print_sme(const sm_engine *engine, const sm_sme_desc *d)
{
    const sm_region_info *region = NULL;
    const sm_sector_info *sector = NULL;
    sm_region_get(&region, engine, d->region);
    sm_sector_get(&sector, engine, d->sectors[0]);
    printf("%-10s %-28s %s %s (%s)\n", d->id, d->name, d->region, region ? region->name : "?", region ? region->country : "?");
    printf("           sector %s %s; %s", d->sectors[0], sector ? sector->name : "?", sm_size_name(d->size));
    if (d->founded)
        printf(", founded %d", d->founded);
    printf("\n           offers:");
    for (size_t i = 0; i < d->n_offers; i++)
        printf(" [%s]", d->offers[i]);
    printf("\n           needs: ");
    for (size_t i = 0; i < d->n_needs; i++)
        printf(" [%s]", d->needs[i]);
    printf("\n           cooperation:");
    for (uint32_t bit = 1; bit; bit <<= 1)
        if (d->cooperation & bit)
            printf(" %s", sm_cooperation_name(engine, bit));
    printf("; languages:");
    for (size_t i = 0; i < d->n_languages; i++)
        printf(" %s", d->languages[i]);
    printf("\n");
}

int main(void)
{
    sm_engine *engine = NULL;
    if (check(sm_engine_new(&engine, NULL), "sm_engine_new"))
        return 1;
    printf("smartmatch %s\n\n", sm_version_string());

    size_t regions[4] = { 0 }, with_children = 0, sectors[5] = { 0 };
    for (size_t i = 0; i < sm_region_count(engine); i++) {
        const sm_region_info *r;
        sm_region_at(&r, engine, i);
        regions[r->level]++;
    }
    /* countries without NUTS codes are those no level-1 region points to */
    for (size_t i = 0; i < sm_region_count(engine); i++) {
        const sm_region_info *country;
        sm_region_at(&country, engine, i);
        if (country->level != 0)
            continue;
        for (size_t j = 0; j < sm_region_count(engine); j++) {
            const sm_region_info *r;
            sm_region_at(&r, engine, j);
            if (r->level == 1 && r->parent[0] == country->code[0] && r->parent[1] == country->code[1]) {
                with_children++;
                break;
            }
        }
    }
    size_t no_nuts = regions[0] - with_children;
    for (size_t i = 0; i < sm_sector_count(engine); i++) {
        const sm_sector_info *s;
        sm_sector_at(&s, engine, i);
        sectors[s->level]++;
    }
    printf("built-in NUTS 2021 regions: %zu countries (%zu of them without NUTS codes), %zu NUTS 1, %zu NUTS 2, "
           "%zu NUTS 3\n",
           regions[0], no_nuts, regions[1], regions[2], regions[3]);
    printf("built-in NACE Rev. 2 sectors: %zu in all: %zu sections, %zu divisions, %zu groups, %zu classes\n\n",
           sm_sector_count(engine), sectors[1], sectors[2], sectors[3], sectors[4]);

    const char *s1[] = { "C25.62" }, *o1[] = { "CNC machining", "laser cutting" }, *n1[] = { "export distribution" },
               *l1[] = { "sl", "en" };
    const char *s2[] = { "46.69", "52.10" }, *o2[] = { "export distribution", "warehousing" },
               *n2[] = { "cnc machining" }, *l2[] = { "de", "en" };
    sm_sme_desc a = SM_SME_DESC_INIT, b = SM_SME_DESC_INIT;
    a.id = "SI-00001";
    a.name = "Strojna obdelava Maribor d.o.o.";
    a.region = "SI032";
    a.sectors = s1;
    a.n_sectors = 1;
    a.employees = 23;
    a.founded = 1998;
    a.offers = o1;
    a.n_offers = 2;
    a.needs = n1;
    a.n_needs = 1;
    a.cooperation = SM_COOP_SUBCONTRACTING | SM_COOP_SUPPLY;
    a.languages = l1;
    a.n_languages = 2;
    b.id = "AT-00042";
    b.name = "Donau Handel GmbH";
    b.region = "AT130";
    b.sectors = s2;
    b.n_sectors = 2;
    b.size = SM_SIZE_MEDIUM;
    b.offers = o2;
    b.n_offers = 2;
    b.needs = n2;
    b.n_needs = 1;
    b.cooperation = SM_COOP_DISTRIBUTION | SM_COOP_SUPPLY;
    b.languages = l2;
    b.n_languages = 2;
    if (check(sm_sme_put(engine, &a), "sm_sme_put") || check(sm_sme_put(engine, &b), "sm_sme_put"))
        return 1;

    /* bad input is refused with a message that names the field and value */
    a.id = "SI-00002";
    a.region = "SI9";
    if (sm_sme_put(engine, &a) != SM_OK)
        printf("refused as expected: %s\n\n", sm_error_last()->message);

    printf("%zu SMEs:\n", sm_sme_count(engine));
    const char *ids[] = { "SI-00001", "AT-00042" };
    for (size_t i = 0; i < 2; i++) {
        sm_sme_desc *d = NULL;
        if (check(sm_sme_get(&d, engine, ids[i]), "sm_sme_get"))
            return 1;
        print_sme(engine, d);
        sm_sme_desc_free(d);
    }
    sm_engine_free(engine);
    return 0;
}
