/* make check: replay the fuzz corpus (tests/fuzz/corpus) through the
 * fuzz target without libFuzzer, under the build's sanitizers. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : CORPUS_DIR;
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int n = 0;

    if (!d) {
        printf("FAIL: fuzz_corpus_replay: cannot open %s\n", dir);
        return 1;
    }
    while ((e = readdir(d))) {
        size_t size;
        void *buf;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        /* another harness's corpus (a subdirectory) is not ours */
        if (e->d_type == DT_DIR)
            continue;
        buf = read_file(path, &size, 1 << 20);
        if (!buf) {
            printf("FAIL: fuzz_corpus_replay: cannot read %s\n", path);
            return 1;
        }
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        n++;
    }
    closedir(d);
    if (n == 0) {
        printf("FAIL: fuzz_corpus_replay: empty corpus %s\n", dir);
        return 1;
    }
    printf("PASS: fuzz_corpus_replay (%d inputs)\n", n);
    return 0;
}
