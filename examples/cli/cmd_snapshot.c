/* "smartmatch snapshot save": loads the --data and --development files once
 * and writes the whole engine to one snapshot file (docs/snapshot.md), which
 * every command then accepts as its first --data. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

int cmd_snapshot(int argc, char **argv)
{
    cli_args a;
    sm_engine *engine = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_SNAPSHOT, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 1, 1)) != CLI_OK)
        goto done;
    if (strcmp(a.positional[0], "save") != 0) {
        cli_error("unknown snapshot action '%s' (usage: smartmatch snapshot save --data FILE --out FILE.smsnap)",
                  a.positional[0]);
        rc = CLI_USAGE;
        goto done;
    }
    if (!a.n_data || !a.out) {
        cli_error("snapshot save needs --data and --out (usage: smartmatch snapshot save --data FILE --out "
                  "FILE.smsnap)");
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
