/* engine.c: creation options, built-in taxonomies, registries. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

static void default_engine_has_the_reference_taxonomies(void **state)
{
    (void)state;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, NULL), SM_OK);
    size_t per_level[4] = { 0 };
    for (size_t i = 0; i < sm_region_count(e); i++) {
        const sm_region_info *r;
        assert_int_equal(sm_region_at(&r, e, i), SM_OK);
        per_level[r->level]++;
    }
    assert_int_equal(per_level[0], 37 + 4 + 209); /* + BA, MD, UA, XK, + every other ISO 3166-1 country */
    assert_int_equal(per_level[1], 125);
    assert_int_equal(per_level[2], 334);
    assert_int_equal(per_level[3], 1514);
    size_t sec[5] = { 0 };
    for (size_t i = 0; i < sm_sector_count(e); i++) {
        const sm_sector_info *s;
        assert_int_equal(sm_sector_at(&s, e, i), SM_OK);
        sec[s->level]++;
    }
    assert_int_equal(sm_sector_count(e), 996);
    assert_int_equal(sec[1], 21);
    assert_int_equal(sec[2], 88);
    assert_int_equal(sec[3], 272);
    assert_int_equal(sec[4], 615);
    const sm_region_info *ba;
    assert_int_equal(sm_region_get(&ba, e, "BA"), SM_OK);
    assert_int_equal(ba->level, 0);
    assert_true(ba->n_languages >= 1);
    /* a country outside Europe: point, languages, land neighbours */
    const sm_region_info *il;
    assert_int_equal(sm_region_get(&il, e, "IL"), SM_OK);
    assert_int_equal(il->level, 0);
    assert_string_equal(il->name, "Israel");
    assert_true(il->lat > 31 && il->lat < 32 && il->lon > 34 && il->lon < 36);
    assert_true(il->n_languages >= 1);
    assert_int_equal(sm_region_neighbours(e, "IL", "JO"), 1);
    assert_int_equal(sm_region_neighbours(e, "IL", "US"), 0);
    assert_int_equal(sm_region_neighbours(e, "CH", "AT"), 1);
    assert_int_equal(sm_region_neighbours(e, "TR", "GE"), 1);  /* a NUTS country and another */
    assert_int_equal(sm_region_neighbours(e, "EL", "TR"), 1);  /* ISO GR is NUTS EL */
    assert_int_equal(sm_region_get(&il, e, "GR"), SM_ERR_NOT_FOUND);
    sm_engine_free(e);
}

static void options_are_validated(void **state)
{
    (void)state;
    sm_engine *e = NULL;
    sm_engine_options o;
    assert_int_equal(sm_engine_options_init(&o, SM_ENGINE_OPTIONS_VERSION), SM_OK);
    assert_int_equal(o.taxonomies, SM_TAXONOMY_ALL);
    assert_int_equal(sm_engine_options_init(NULL, SM_ENGINE_OPTIONS_VERSION), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_engine_options_init(&o, 99), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_engine_new(NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    o.version = 7;
    assert_int_equal(sm_engine_new(&e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_null(e);
    o.version = SM_ENGINE_OPTIONS_VERSION;
    o.taxonomies = 0x80;
    assert_int_equal(sm_engine_new(&e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "taxonomy");
    sm_allocator half = { NULL, NULL, NULL, NULL };
    o.taxonomies = 0;
    o.allocator = &half;
    assert_int_equal(sm_engine_new(&e, &o), SM_ERR_INVALID_ARGUMENT);
    sm_engine_free(NULL);
}

static void custom_allocator_sees_every_block(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.allocator = &a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &o), SM_OK);
    assert_true(st.live > 0);
    assert_int_equal(tu_put(e, "X1", "SI032", "25.11", "cnc machining", "steel", 0, "sl", SM_SIZE_SMALL), SM_OK);
    sm_sme_desc *d = NULL;
    assert_int_equal(sm_sme_get(&d, e, "X1"), SM_OK);
    sm_engine_free(e);
    assert_int_equal(st.live, 1); /* the record outlives the engine */
    sm_sme_desc_free(d);
    assert_int_equal(st.live, 0);
}

static void builtin_taxonomies_load_later_and_keep_existing(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NONE);
    assert_int_equal(sm_region_count(e), 0);
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = "SI";
    d.name = "My Slovenia";
    d.lat = 46;
    d.lon = 15;
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    assert_int_equal(sm_engine_load_builtin(e, SM_TAXONOMY_NUTS), SM_OK);
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "SI"), SM_OK);
    assert_string_equal(r->name, "My Slovenia");
    assert_int_equal(sm_region_count(e), 2223);
    assert_int_equal(sm_sector_count(e), 0);
    assert_int_equal(sm_engine_load_builtin(e, SM_TAXONOMY_NACE), SM_OK);
    assert_int_equal(sm_sector_count(e), 996);
    assert_int_equal(sm_engine_load_builtin(e, SM_TAXONOMY_ALL), SM_OK); /* idempotent */
    assert_int_equal(sm_region_count(e), 2223);
    assert_int_equal(sm_engine_load_builtin(NULL, SM_TAXONOMY_ALL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_engine_load_builtin(e, 0x40), SM_ERR_INVALID_ARGUMENT);
    sm_engine_free(e);
}

static void cooperation_types_are_named_and_extendable(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NONE);
    uint32_t bit;
    assert_int_equal(sm_cooperation_parse(&bit, e, "Subcontracting"), SM_OK);
    assert_int_equal(bit, SM_COOP_SUBCONTRACTING);
    assert_int_equal(sm_cooperation_parse(&bit, e, "R&D"), SM_OK);
    assert_int_equal(bit, SM_COOP_RND);
    assert_int_equal(sm_cooperation_parse(&bit, e, "joint venture"), SM_OK);
    assert_int_equal(bit, SM_COOP_JOINT_VENTURE);
    assert_int_equal(sm_cooperation_parse(&bit, e, "franchising"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "\"franchising\"");
    assert_int_equal(sm_cooperation_register(&bit, e, "franchising"), SM_OK);
    assert_int_equal(bit, 1u << 8);
    uint32_t again;
    assert_int_equal(sm_cooperation_register(&again, e, "franchising"), SM_OK);
    assert_int_equal(again, bit);
    assert_string_equal(sm_cooperation_name(e, bit), "franchising");
    assert_string_equal(sm_cooperation_name(e, SM_COOP_SERVICES), "services");
    assert_null(sm_cooperation_name(e, 3));
    assert_null(sm_cooperation_name(e, 1u << 20));
    assert_int_equal(sm_cooperation_register(&bit, e, "Bad Name"), SM_ERR_BAD_CODE);
    char name[16];
    for (int i = 9; i < 32; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(sm_cooperation_register(&bit, e, name), SM_OK);
    }
    assert_int_equal(sm_cooperation_register(&bit, e, "one_too_many"), SM_ERR_LIMIT);
    assert_int_equal(sm_cooperation_parse(NULL, e, "x"), SM_ERR_INVALID_ARGUMENT);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_engine_has_the_reference_taxonomies),
        cmocka_unit_test(options_are_validated),
        cmocka_unit_test(custom_allocator_sees_every_block),
        cmocka_unit_test(builtin_taxonomies_load_later_and_keep_existing),
        cmocka_unit_test(cooperation_types_are_named_and_extendable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
