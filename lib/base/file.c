/* A whole file read into memory, for the loaders that parse a buffer (the
 * history, themes and event files): one place for the open and read errors
 * and for growing the buffer through the caller's allocator. */
#include "base/base.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

sm_status sm__read_file(const sm__alloc *a, const char *path, const char *what, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot open%s%s: %s", path, what ? " " : "",
                           what ? what : "", strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    sm_status st = SM_OK;
    for (;;) {
        if (len + 65536 > cap && sm__grow(a, (void **)&buf, &cap, len + 65536, 1)) {
            st = sm__nomem();
            break;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot read: %s", path,
                                 strerror(errno ? errno : EIO));
            break;
        }
    }
    fclose(f);
    if (st) {
        sm__free(a, buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return SM_OK;
}
