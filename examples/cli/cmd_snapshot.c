/* "smartmatch snapshot save": loads the --data and --development files once
 * and writes the whole engine to one snapshot file (docs/snapshot.md), which
 * every command then accepts as its first --data. "snapshot info FILE"
 * describes a file (header, sections, sizes, checksums, counts); "snapshot
 * verify FILE" checks every checksum and value, exit status 1 if any fails. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#define USAGE "smartmatch snapshot save --data FILE --out FILE.smsnap | info FILE.smsnap | verify FILE.smsnap"

static void print_version(unsigned v)
{
    if (v)
        printf("%u.%u.%u", v >> 16, v >> 8 & 0xff, v & 0xff);
    else
        printf("unknown");
}

static int info(const char *path)
{
    sm_snapshot_info *in = NULL;
    sm_status st = sm_snapshot_info_get(&in, path);
    if (st != SM_OK)
        return cli_fail(st, path);
    printf("%s\n", path);
    printf("  format          %u.%u (written by smartmatch ", in->format_major, in->format_minor);
    print_version(in->library_version);
    printf(")\n  size            %" PRIu64 " bytes\n  content hash    %016" PRIx64 "\n", in->file_size,
           in->content_hash);
    printf("  SMEs            %" PRIu64 "\n  regions         %" PRIu64 "\n  sectors         %" PRIu64 "\n", in->smes,
           in->regions, in->sectors);
    printf("  tags            %" PRIu64 "\n  list entries    %" PRIu64 "\n  cooperations    %" PRIu64 "\n", in->tags,
           in->list_entries, in->history_events);
    printf("  affinity        %s\n", in->builtin_affinity ? "built-in table" : "stored in the file");
    printf("  sections        %zu (%zu damaged)\n", in->n_sections, in->n_damaged);
    printf("  %4s  %-28s %12s %12s %5s  %-16s %s\n", "id", "section", "offset", "bytes", "elem", "xxh3-64",
           "checksum");
    for (size_t i = 0; i < in->n_sections; i++) {
        const sm_snapshot_section *s = &in->sections[i];
        printf("  %4u  %-28s %12" PRIu64 " %12" PRIu64 " %5u  %016" PRIx64 " %s\n", s->id, s->name, s->offset,
               s->length, s->element_size, s->checksum, s->checksum_ok ? "ok" : "DAMAGED");
    }
    sm_snapshot_info_free(in);
    return CLI_OK;
}

/* Every checksum (listing the damaged sections), then every value, by loading it. */
static int verify(const char *path)
{
    sm_snapshot_info *in = NULL;
    sm_status st = sm_snapshot_info_get(&in, path);
    if (st != SM_OK)
        return cli_fail(st, path);
    size_t damaged = in->n_damaged, n = in->n_sections;
    for (size_t i = 0; i < in->n_sections; i++)
        if (!in->sections[i].checksum_ok)
            printf("%s: section %u (%s) at offset %" PRIu64 ": checksum mismatch\n", path, in->sections[i].id,
                   in->sections[i].name, in->sections[i].offset);
    sm_snapshot_info_free(in);
    if (damaged) {
        printf("%s: DAMAGED: %zu of %zu sections fail their checksum\n", path, damaged, n);
        return CLI_FAIL;
    }
    sm_engine *e = NULL;
    if ((st = sm_snapshot_load(&e, path, NULL)) != SM_OK) {
        printf("%s: DAMAGED: checksums match, but a value does not\n", path);
        return cli_fail(st, path);
    }
    printf("%s: ok: %zu sections, every checksum matches; %zu SMEs, %zu regions, %zu sectors, every value valid\n",
           path, n, sm_sme_count(e), sm_region_count(e), sm_sector_count(e));
    sm_engine_free(e);
    return CLI_OK;
}

int cmd_snapshot(int argc, char **argv)
{
    cli_args a;
    sm_engine *engine = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_SNAPSHOT, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 1, 2)) != CLI_OK)
        goto done;
    const char *action = a.positional[0];
    bool look = strcmp(action, "info") == 0 || strcmp(action, "verify") == 0;
    if (!look && strcmp(action, "save") != 0) {
        cli_error("unknown snapshot action '%s' (usage: " USAGE ")", action);
        rc = CLI_USAGE;
        goto done;
    }
    if (look) {
        if (a.n_positional != 2 || a.n_data || a.out) {
            cli_error("snapshot %s takes one snapshot file and no --data or --out (usage: " USAGE ")", action);
            rc = CLI_USAGE;
            goto done;
        }
        rc = action[0] == 'i' ? info(a.positional[1]) : verify(a.positional[1]);
        goto done;
    }
    if (a.n_positional != 1 || !a.n_data || !a.out) {
        cli_error("snapshot save needs --data and --out (usage: " USAGE ")");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    sm_status st = sm_snapshot_save(engine, a.out);
    if (st != SM_OK) {
        rc = cli_fail(st, a.out);
        goto done;
    }
    uint64_t hash = 0;
    struct stat sb;
    if ((st = sm_snapshot_content_hash(&hash, a.out)) != SM_OK || stat(a.out, &sb) != 0) {
        rc = cli_fail(st ? st : SM_ERR_IO, a.out);
        goto done;
    }
    printf("%s: %zu SMEs, %zu regions, %zu sectors; %lld bytes, content hash %016" PRIx64 "\n", a.out,
           sm_sme_count(engine), sm_region_count(engine), sm_sector_count(engine), (long long)sb.st_size, hash);
done:
    sm_engine_free(engine);
    cli_args_free(&a);
    return rc;
}
