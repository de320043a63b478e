/* Corpus replay without libFuzzer: runs every file named on the command line (or found in the
 * directories named) through the target's LLVMFuzzerTestOneInput once. ctest uses it to replay
 * tests/fuzz/corpus/<target>/ in the normal and the ASan builds. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "infile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    char err[512];
    size_t len;
    char *buf = infile_read(path, (size_t)1 << 20, &len, err, sizeof err);
    if (!buf) {
        fprintf(stderr, "replay: %s\n", err);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned files = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc |= replay_file(argv[i]);
            files++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                rc |= replay_file(path);
                files++;
            }
            free(names[k]);
        }
        free(names);
    }
    fprintf(stderr, "replay: %u inputs, no crash\n", files);
    return rc || files == 0;
}
