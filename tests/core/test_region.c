/* region.c: codes, hierarchy, points, development, adjacency, distances. */
#include "test_util.h"

#include <math.h>
#include <string.h>

static sm_region_desc desc(const char *code, const char *name, double lat, double lon)
{
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = code;
    d.name = name;
    d.lat = lat;
    d.lon = lon;
    d.development = NAN;
    return d;
}

static void hierarchy_is_derived_from_codes(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NONE);
    sm_region_desc d = desc("SI", "Slovenija", 46.1, 14.8);
    const char *langs[] = { "sl", "EN" };
    d.languages = langs;
    d.n_languages = 2;
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    d = desc("SI0", "Slovenija", 46.1, 14.8);
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    d = desc("SI03", "Vzhodna Slovenija", 46.3, 15.6);
    d.development = 70;
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    d = desc("SI032", "Podravska", 46.5, 15.8);
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "SI032"), SM_OK);
    assert_int_equal(r->level, 3);
    assert_string_equal(r->parent, "SI03");
    assert_string_equal(r->country, "SI");
    assert_true(isnan(r->development));
    assert_true(fabs(sm_region_development(e, "SI032") - 70) < 1e-12); /* inherited */
    assert_true(isnan(sm_region_development(e, "SI0")));
    assert_true(isnan(sm_region_development(e, "XX")));
    assert_int_equal(sm_region_get(&r, e, "SI"), SM_OK);
    assert_int_equal(r->n_languages, 2);
    assert_string_equal(r->languages[0], "sl");
    assert_string_equal(r->languages[1], "en");
    assert_string_equal(r->parent, "");
    assert_int_equal(sm_region_count(e), 4);
    /* replace keeps the position and changes fields */
    d = desc("SI032", "Podravje", 46.5, 15.8);
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    assert_int_equal(sm_region_at(&r, e, 3), SM_OK);
    assert_string_equal(r->name, "Podravje");
    assert_int_equal(sm_region_count(e), 4);
    assert_int_equal(sm_region_set_development(e, "SI032", 80), SM_OK);
    assert_true(fabs(sm_region_development(e, "SI032") - 80) < 1e-12);
    assert_int_equal(sm_region_set_development(e, "SI032", NAN), SM_OK);
    assert_true(fabs(sm_region_development(e, "SI032") - 70) < 1e-12);
    sm_engine_free(e);
}

static void bad_regions_are_refused_and_change_nothing(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NUTS);
    size_t n = sm_region_count(e);
    sm_region_desc d = desc("SI99", "x", 46, 15);
    assert_int_equal(sm_region_put(e, &d), SM_ERR_UNKNOWN_CODE);
    tu_assert_error(SM_ERR_UNKNOWN_CODE, "parent \"SI9\" of \"SI99\"");
    const char *bad_codes[] = { "s", "si0", "SI0123", "S1", "", "SI-1", "ŠI" };
    for (size_t i = 0; i < sizeof bad_codes / sizeof *bad_codes; i++) {
        d = desc(bad_codes[i], "x", 46, 15);
        assert_int_equal(sm_region_put(e, &d), SM_ERR_BAD_CODE);
        assert_string_equal(sm_error_last()->value, bad_codes[i]);
    }
    d = desc("SI04A", "x", NAN, 15);
    assert_int_equal(sm_region_put(e, &d), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "lat");
    d = desc("SI04A", "x", 46, 200);
    assert_int_equal(sm_region_put(e, &d), SM_ERR_RANGE);
    d = desc("SI04A", "x", 46, 15);
    d.development = -3;
    assert_int_equal(sm_region_put(e, &d), SM_ERR_RANGE);
    d = desc("SI04A", NULL, 46, 15);
    assert_int_equal(sm_region_put(e, &d), SM_ERR_INVALID_ARGUMENT);
    d = desc("SI04A", "x", 46, 15);
    d.version = 0;
    assert_int_equal(sm_region_put(e, &d), SM_ERR_INVALID_ARGUMENT);
    d = desc("SI04A", "x", 46, 15);
    const char *bad_lang[] = { "slovenian" };
    d.languages = bad_lang;
    d.n_languages = 1;
    assert_int_equal(sm_region_put(e, &d), SM_ERR_BAD_CODE);
    assert_int_equal(sm_region_put(e, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_region_put(NULL, &d), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_region_count(e), n);
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "SI04A"), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_region_get(&r, e, "bad!"), SM_ERR_BAD_CODE);
    assert_int_equal(sm_region_get(NULL, e, "SI"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_region_at(&r, e, n), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_region_set_development(e, "XX1", 10), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_region_set_development(e, "SI", 0), SM_ERR_RANGE);
    assert_int_equal(sm_region_set_development(e, "SI", INFINITY), SM_ERR_RANGE);
    assert_int_equal(sm_region_count(NULL), 0);
    sm_engine_free(e);
}

static void distances_use_the_label_points(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NUTS);
    double km;
    /* Osrednjeslovenska (Ljubljana) to Wien: about 280 km between label points */
    assert_int_equal(sm_region_distance_km(&km, e, "SI041", "AT130"), SM_OK);
    assert_true(km > 200 && km < 350);
    assert_int_equal(sm_region_distance_km(&km, e, "SI041", "SI041"), SM_OK);
    assert_true(km == 0);
    assert_int_equal(sm_region_distance_km(&km, e, "SI041", "ZZ1"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "ZZ1");
    assert_int_equal(sm_region_distance_km(NULL, e, "SI", "AT"), SM_ERR_INVALID_ARGUMENT);
    /* neighbours: at the coarser level; same region is not its own neighbour */
    assert_int_equal(sm_region_neighbours(e, "SI", "AT"), 1);
    assert_int_equal(sm_region_neighbours(e, "SI", "DE"), 0);
    assert_int_equal(sm_region_neighbours(e, "SI041", "SI042"), 1);
    assert_int_equal(sm_region_neighbours(e, "SI032", "AT"), 1); /* compared at level 0 */
    assert_int_equal(sm_region_neighbours(e, "SI032", "SI032"), 0);
    assert_int_equal(sm_region_neighbours(e, "BA", "HR"), 1);
    assert_int_equal(sm_region_neighbours(e, "SI", "ZZ"), 0);
    assert_int_equal(sm_region_neighbours(NULL, "SI", "AT"), 0);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hierarchy_is_derived_from_codes),
        cmocka_unit_test(bad_regions_are_refused_and_change_nothing),
        cmocka_unit_test(distances_use_the_label_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
