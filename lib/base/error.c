/* Per-thread error details (sm_error_last), status names, version. */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

/* Fixed buffers: recording an error never allocates, so it works when
 * memory is exhausted. */
typedef struct err_store {
    sm_error pub;
    char message[1024];
    char file[256];
    char field[64];
    char value[201];
} err_store;

static _Thread_local err_store tls_err = {
    { SM_OK, "", "", 0, 0, "", "" }, "", "", "", ""
};

static void copy_trunc(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void publish(void)
{
    tls_err.pub.message = tls_err.message;
    tls_err.pub.file = tls_err.file;
    tls_err.pub.field = tls_err.field;
    tls_err.pub.value = tls_err.value;
}

sm_status sm__fail_at(sm_status status, const char *file, unsigned long line, unsigned long column,
                      const char *field, const char *value, const char *fmt, ...)
{
    char msg[sizeof tls_err.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    copy_trunc(tls_err.message, sizeof tls_err.message, msg);
    copy_trunc(tls_err.file, sizeof tls_err.file, file);
    copy_trunc(tls_err.field, sizeof tls_err.field, field);
    copy_trunc(tls_err.value, sizeof tls_err.value, value);
    tls_err.pub.status = status;
    tls_err.pub.line = line;
    tls_err.pub.column = column;
    publish();
    return status;
}

sm_status sm__fail(sm_status status, const char *fmt, ...)
{
    char msg[sizeof tls_err.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm__fail_at(status, NULL, 0, 0, NULL, NULL, "%s", msg);
}

sm_status sm__nomem(void)
{
    return sm__fail(SM_ERR_NOMEM, "out of memory");
}

void sm__error_save(sm__error_saved *out)
{
    out->status = tls_err.pub.status;
    out->line = tls_err.pub.line;
    out->column = tls_err.pub.column;
    copy_trunc(out->message, sizeof out->message, tls_err.message);
    copy_trunc(out->file, sizeof out->file, tls_err.file);
    copy_trunc(out->field, sizeof out->field, tls_err.field);
    copy_trunc(out->value, sizeof out->value, tls_err.value);
}

sm_status sm__error_restore(const sm__error_saved *saved)
{
    return sm__fail_at(saved->status, saved->file, saved->line, saved->column, saved->field, saved->value, "%s",
                       saved->message);
}

const sm_error *sm_error_last(void)
{
    publish();
    return &tls_err.pub;
}

void sm_error_clear(void)
{
    memset(&tls_err, 0, sizeof tls_err);
    publish();
}

const char *sm_status_str(sm_status status)
{
    switch (status) {
    case SM_OK: return "SM_OK";
    case SM_ERR_INVALID_ARGUMENT: return "SM_ERR_INVALID_ARGUMENT";
    case SM_ERR_NOMEM: return "SM_ERR_NOMEM";
    case SM_ERR_NOT_FOUND: return "SM_ERR_NOT_FOUND";
    case SM_ERR_DUPLICATE: return "SM_ERR_DUPLICATE";
    case SM_ERR_BAD_ID: return "SM_ERR_BAD_ID";
    case SM_ERR_BAD_CODE: return "SM_ERR_BAD_CODE";
    case SM_ERR_UNKNOWN_CODE: return "SM_ERR_UNKNOWN_CODE";
    case SM_ERR_RANGE: return "SM_ERR_RANGE";
    case SM_ERR_PARSE: return "SM_ERR_PARSE";
    case SM_ERR_IO: return "SM_ERR_IO";
    case SM_ERR_UNSUPPORTED: return "SM_ERR_UNSUPPORTED";
    case SM_ERR_CALLBACK: return "SM_ERR_CALLBACK";
    case SM_ERR_CANCELLED: return "SM_ERR_CANCELLED";
    case SM_ERR_LIMIT: return "SM_ERR_LIMIT";
    case SM_ERR_UNKNOWN_NAME: return "SM_ERR_UNKNOWN_NAME";
    }
    return "SM_ERR_UNKNOWN";
}

unsigned int sm_version(void)
{
    return SM_VERSION_NUMBER;
}

const char *sm_version_string(void)
{
    return SM_VERSION_STRING;
}
