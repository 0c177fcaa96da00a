/* smartmatch-http: a small HTTP JSON service embedding the library, the
 * shape of a cluster portal's partner search. It answers
 *   GET    /match?id=ID&k=10&preset=balanced&cross_border=1   top partners with the reasons
 *   GET    /explain?a=ID&b=ID                                   one pair, every criterion explained
 *   PUT    /smes/{id}    (body: one SME as a JSON object)        insert or replace an SME
 *   DELETE /smes/{id}                                           remove an SME
 * with JSON bodies; errors are JSON {"error", "status"} with a 4xx code.
 * Queries and updates run at once from libmicrohttpd's threads: the engine
 * is thread-safe. Every reason comes from the library. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <jansson.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BODY_MAX (1u << 20) /* largest PUT body */

static sm_engine *engine;

typedef struct upload {
    char *data;
    size_t len;
    int too_big;
} upload;

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned int code, char *body, int owned)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* A JSON error; the message is the library's when a status is given. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int code, sm_status st, const char *msg)
{
    json_t *o = json_object();
    const sm_error *e = sm_error_last();
    json_object_set_new(o, "error", json_string(msg ? msg : e->status == st && e->message[0] ? e->message
                                                                                                : sm_status_str(st)));
    json_object_set_new(o, "status", json_string(st ? sm_status_str(st) : "bad_request"));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s ? send_text(c, code, s, 1) : MHD_NO;
}

static unsigned int http_code(sm_status st)
{
    return st == SM_ERR_NOT_FOUND ? MHD_HTTP_NOT_FOUND : st == SM_ERR_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR
                                                                           : MHD_HTTP_BAD_REQUEST;
}

static enum MHD_Result send_result(struct MHD_Connection *c, const sm_result *res)
{
    char *text = NULL;
    sm_status st = sm_result_format(&text, NULL, &res, 1, SM_FORMAT_JSON);
    if (st != SM_OK)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, st, NULL);
    enum MHD_Result r = send_text(c, MHD_HTTP_OK, text, 0);
    sm_free(text);
    return r;
}

/* A whole decimal number in [lo, hi], or -1. */
static long parse_long(const char *s, long lo, long hi)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *end || errno || v < lo || v > hi ? -1 : v;
}

static enum MHD_Result do_match(struct MHD_Connection *c)
{
    const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
    const char *ks = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
    const char *preset = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "preset");
    const char *cb = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cross_border");
    if (!id || !*id)
        return send_error(c, MHD_HTTP_BAD_REQUEST, 0, "id: missing (GET /match?id=SME-ID)");
    long k = ks ? parse_long(ks, 0, 1000) : 10;
    if (k < 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, 0, "k: expected a whole number 0..1000");
    long cross = cb ? parse_long(cb, 0, 1) : 0;
    if (cross < 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, 0, "cross_border: expected 0 or 1");
    sm_weighting *w = NULL;
    sm_status st = sm_weighting_preset(&w, preset ? preset : "balanced");
    if (st != SM_OK)
        return send_error(c, MHD_HTTP_BAD_REQUEST, st, NULL);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = (size_t)k;
    q.weighting = w;
    q.cross_border = (int)cross;
    sm_result *res = NULL;
    st = sm_query_top(&res, engine, id, &q);
    if (st == SM_OK)
        st = sm_result_explain(res, engine); /* gives, gets, contributions, reasons */
    enum MHD_Result r = st == SM_OK ? send_result(c, res) : send_error(c, http_code(st), st, NULL);
    sm_result_free(res);
    sm_weighting_free(w);
    return r;
}

static enum MHD_Result do_explain(struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "a");
    const char *b = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "b");
    if (!a || !b || !*a || !*b)
        return send_error(c, MHD_HTTP_BAD_REQUEST, 0, "a, b: both needed (GET /explain?a=ID&b=ID)");
    sm_result *res = NULL;
    sm_status st = sm_query_explain(&res, engine, a, b, NULL);
    enum MHD_Result r = st == SM_OK ? send_result(c, res) : send_error(c, http_code(st), st, NULL);
    sm_result_free(res);
    return r;
}

/* PUT /smes/{id}: the body is one SME in the JSON data format
 * (docs/data-format.md); the id of the path wins. Loaded strictly through
 * the library's own loader, so a bad record changes nothing. */
static enum MHD_Result do_put(struct MHD_Connection *c, const char *id, const upload *up)
{
    json_error_t jerr;
    json_t *sme = json_loadb(up->data ? up->data : "", up->len, 0, &jerr);
    if (!sme || !json_is_object(sme)) {
        char msg[256];
        snprintf(msg, sizeof msg, "body: expected one SME as a JSON object (%s)", sme ? "not an object" : jerr.text);
        json_decref(sme);
        return send_error(c, MHD_HTTP_BAD_REQUEST, 0, msg);
    }
    json_object_set_new(sme, "id", json_string(id));
    json_t *doc = json_pack("{s:[o]}", "smes", sme);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, SM_ERR_NOMEM, NULL);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.format = SM_FORMAT_JSON;
    o.kind = SM_DATA_SMES;
    int existed = sm_sme_contains(engine, id);
    sm_status st = sm_load_buffer(engine, text, strlen(text), "body", &o, NULL);
    free(text);
    if (st != SM_OK)
        return send_error(c, st == SM_ERR_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR : 422 /* unprocessable content */, st,
                          NULL);
    json_t *ok = json_pack("{s:s,s:s}", "id", id, "result", existed ? "replaced" : "created");
    char *s = json_dumps(ok, JSON_COMPACT);
    json_decref(ok);
    return send_text(c, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED, s, 1);
}

static enum MHD_Result do_delete(struct MHD_Connection *c, const char *id)
{
    sm_status st = sm_sme_remove(engine, id);
    if (st != SM_OK)
        return send_error(c, http_code(st), st, NULL);
    json_t *ok = json_pack("{s:s,s:s}", "id", id, "result", "removed");
    char *s = json_dumps(ok, JSON_COMPACT);
    json_decref(ok);
    return send_text(c, MHD_HTTP_OK, s, 1);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    upload *up = *con_cls;
    if (!up) { /* first call: headers only */
        if (!(up = calloc(1, sizeof *up)))
            return MHD_NO;
        *con_cls = up;
        return MHD_YES;
    }
    if (*data_size) { /* body chunks */
        if (up->len + *data_size > BODY_MAX)
            up->too_big = 1;
        else {
            char *nd = realloc(up->data, up->len + *data_size + 1);
            if (!nd)
                return MHD_NO;
            memcpy(nd + up->len, data, *data_size);
            up->data = nd;
            up->len += *data_size;
            up->data[up->len] = '\0';
        }
        *data_size = 0;
        return MHD_YES;
    }
    const char *smes = "/smes/";
    int is_get = strcmp(method, "GET") == 0;
    if (is_get && strcmp(url, "/match") == 0)
        return do_match(c);
    if (is_get && strcmp(url, "/explain") == 0)
        return do_explain(c);
    if (strncmp(url, smes, strlen(smes)) == 0 && url[strlen(smes)]) {
        const char *id = url + strlen(smes);
        if (strcmp(method, "PUT") == 0)
            return up->too_big ? send_error(c, 413 /* content too large */, 0, "body: larger than 1 MiB")
                               : do_put(c, id, up);
        if (strcmp(method, "DELETE") == 0)
            return do_delete(c, id);
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "/smes/{id}: use PUT or DELETE");
    }
    if (strcmp(url, "/match") == 0 || strcmp(url, "/explain") == 0)
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "use GET");
    return send_error(c, MHD_HTTP_NOT_FOUND, 0, "no such endpoint (GET /match, GET /explain, PUT/DELETE /smes/{id})");
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *up = *con_cls;
    if (up) {
        free(up->data);
        free(up);
    }
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    unsigned long port = 8080;
    int n_data = 0;
    if (sm_engine_new(&engine, NULL) != SM_OK)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            long p = parse_long(argv[++i], 0, 65535);
            if (p < 0) {
                fprintf(stderr, "smartmatch-http: --port: expected 0..65535\n");
                return 2;
            }
            port = (unsigned long)p;
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            sm_status st = sm_load_file(engine, argv[++i], NULL, NULL);
            if (st != SM_OK) {
                fprintf(stderr, "smartmatch-http: %s\n", sm_error_last()->message);
                return 1;
            }
            n_data++;
        } else {
            fprintf(stderr, "usage: smartmatch-http --data FILE [--data FILE...] [--port N (0 = any free port)]\n"
                            "Listens on 127.0.0.1 only.\n");
            return 2;
        }
    }
    if (!n_data)
        fprintf(stderr, "smartmatch-http: no --data: starting empty (PUT /smes/{id} adds SMEs)\n");
    /* SIGINT and SIGTERM are blocked in every thread (the server's inherit
     * the mask) and taken by sigwait() below, so they end the service cleanly. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
                                            NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                            MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
                                            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "smartmatch-http: cannot listen on 127.0.0.1:%lu\n", port);
        sm_engine_free(engine);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "smartmatch-http: %zu SMEs, listening on http://127.0.0.1:%u/\n", sm_sme_count(engine),
            info ? (unsigned)info->port : (unsigned)port);
    fflush(stderr);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    sm_engine_free(engine);
    return 0;
}
