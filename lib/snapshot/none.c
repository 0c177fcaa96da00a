/* Snapshots in a build without libxxhash: every call says so. */
#include "snapshot/format.h"

void (*sm__snapshot_write_hook)(unsigned long n);

static sm_status unsupported(void)
{
    return sm__fail(SM_ERR_UNSUPPORTED, "snapshot: this smartmatch was built without snapshots (needs libxxhash-dev)");
}

sm_status sm_snapshot_save(const sm_engine *engine, const char *path)
{
    (void)engine, (void)path;
    return unsupported();
}

sm_status sm_snapshot_options_init(sm_snapshot_options *opts, unsigned int version)
{
    if (!opts || version != SM_SNAPSHOT_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot options: NULL pointer or unknown version %u", version);
    sm_snapshot_options d = SM_SNAPSHOT_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

sm_status sm_snapshot_load(sm_engine **out, const char *path, const sm_snapshot_options *opts)
{
    (void)out, (void)path, (void)opts;
    return unsupported();
}

sm_status sm_snapshot_content_hash(uint64_t *out, const char *path)
{
    (void)out, (void)path;
    return unsupported();
}

sm_status sm__snapshot_read_buffer(sm_engine **out, const void *data, size_t len, const char *name,
                                   const sm_allocator *allocator)
{
    (void)out, (void)data, (void)len, (void)name, (void)allocator;
    return unsupported();
}

sm_status sm_snapshot_info_get(sm_snapshot_info **out, const char *path)
{
    (void)out, (void)path;
    return unsupported();
}

void sm_snapshot_info_free(sm_snapshot_info *info)
{
    (void)info;
}
