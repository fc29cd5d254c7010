/*
 * fuzz_replay.h — the main() every fuzzer gets when built without libFuzzer
 * (-DOHM_FUZZ_REPLAY): it feeds each file named on the command line, and each regular
 * file of each directory named there, to LLVMFuzzerTestOneInput, once, in name order
 * within a directory. That is how the seed corpora and the reproducers in
 * fuzz/regress/ run as ctests in every build, with gcc too: a reproducer that crashes
 * crashes the test. Prints "replayed N inputs" and exits 0 when none crashed.
 * Included once, at the end of a fuzzer's source.
 */
#ifdef OHM_FUZZ_REPLAY
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t replay_count;

static void replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "replay: cannot open %s\n", path); exit(2); }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) { fprintf(stderr, "replay: out of memory reading %s\n", path); exit(2); }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    replay_count++;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) { fprintf(stderr, "replay: no such file %s\n", path); exit(2); }
    if (!S_ISDIR(st.st_mode)) { replay_file(path); return; }
    DIR *d = opendir(path);
    if (!d) { fprintf(stderr, "replay: cannot open directory %s\n", path); exit(2); }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        size_t m = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(m);
        snprintf(full, m, "%s/%s", path, names[i]);
        struct stat fs;
        if (stat(full, &fs) == 0 && S_ISREG(fs.st_mode)) replay_file(full);
        free(full);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) replay_path(argv[i]);
    printf("replayed %zu inputs\n", replay_count);
    return 0;
}
#endif
