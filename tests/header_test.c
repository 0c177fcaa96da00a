/* Compiles the public header alone, as C and as C++ (see tests/meson.build). */
#include <smartmatch.h>
#include <smartmatch.h> /* include guard works */

int main(void)
{
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    sm_query_options qo = SM_QUERY_OPTIONS_INIT;
    sm_sme_desc sd = SM_SME_DESC_INIT;
    sm_load_options lo = SM_LOAD_OPTIONS_INIT;
    sm_batch_options bo = SM_BATCH_OPTIONS_INIT;
    (void)eo; (void)qo; (void)sd; (void)lo; (void)bo;
    return SM_VERSION_NUMBER == 0 ? 1 : 0;
}
