/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-common: what the fuzz targets share.
 *
 * Known findings: a check that has found a bug not fixed yet has a tag,
 * and XVS_FUZZ_ALLOW (a comma-separated list of tags) lets such findings
 * pass, so that a run can look for others meanwhile.  With the variable
 * unset every check holds, which is what "make fuzz" runs should see once
 * the bugs are fixed.  The tags are listed in tests/fuzz/README.md.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H 1

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Whether known finding 'tag' is let pass. */
static inline bool
fuzz_allowed(const char *tag)
{
    const char *list = getenv("XVS_FUZZ_ALLOW");
    size_t n = strlen(tag);

    for (const char *p = list; p && *p; p += strcspn(p, ",")) {
        p += *p == ',';
        if (!strncmp(p, tag, n) && (p[n] == ',' || !p[n])) {
            return true;
        }
    }
    return false;
}

#endif /* fuzz-common.h */
