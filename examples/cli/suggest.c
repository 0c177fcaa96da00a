/* "Did you mean ...?" for unknown commands and options, as git does: the
 * closest known name by edit distance, offered only when it is close. */
#include "cli.h"

#include <string.h>

/* Levenshtein distance of two short strings (names up to 63 bytes). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_suggest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        size_t d = distance(word, names[i]);
        /* a prefix of a longer name counts as close ("expl" -> "explain") */
        if (len >= 3 && strncmp(names[i], word, len) == 0)
            d = 1;
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t limit = len < 4 ? 1 : len < 8 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}
