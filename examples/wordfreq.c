/*
 * wordfreq.c — the ten most common words of a text, on ohm's strs and dicts.
 *
 *   wordfreq [TEXT] [--snapshot PATH]
 *
 * What a Python programmer writes as
 *
 *     words = re.findall(r"[a-z]+(?:'[a-z]+)*", open(path).read().lower())
 *     counts = collections.Counter(words)
 *     best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
 *
 * in C: each word is an interned str (one object per distinct word, however often it
 * occurs: a repeated word costs a table lookup and no memory), the counts are an ohm
 * dict, and the ranking is a list of (-count, word) tuples sorted by ohm_list_sort.
 * Then the report a long-running program would log: the collector's statistics, the
 * allocator's numbers at the peak, and ohm_report_live once everything is released
 * (0 objects left: nothing leaked).
 *
 * With --snapshot, every allocation is traced with one frame (the line of this file
 * that made the block), and a snapshot of the moment everything is alive goes to PATH:
 * `ohm-prof lines PATH examples/wordfreq.c` then lists the memory each line holds, as
 * memory_profiler does for a Python function (`make demo` shows it).
 * TEXT defaults to examples/data/alice.txt (Alice's Adventures in Wonderland, public
 * domain; examples/data/README.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ohm.h"

#define TOP 10
#define WORD_MAX 64   /* longer runs of letters are cut (none in the shipped text) */

static void die(ohm_heap *h, const char *what) {
    fprintf(stderr, "wordfreq: %s: %s\n", what, ohm_last_error(h));
    exit(1);
}

/* The whole file in one block of the heap, NUL-terminated; *len its size. */
static char *read_text(ohm_heap *h, const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    if (size < 0) { perror(path); exit(1); }
    char *text = ohm_malloc(h, (size_t)size + 1);
    if (!text) die(h, "read_text");
    *len = fread(text, 1, (size_t)size, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

/* The next word at or after *p: letters, and apostrophes between letters ("don't",
 * "alice's"; a closing quote is not part of the word), lowercased into buf. Returns
 * its length, 0 at the end of the text. */
static size_t next_word(const char **p, char *buf) {
    const unsigned char *s = (const unsigned char *)*p;
    while (*s && !isalpha(*s)) s++;
    size_t n = 0;
    while (isalpha(*s) || (*s == '\'' && n && isalpha(s[1]))) {
        if (n < WORD_MAX) buf[n++] = (char)tolower(*s);
        s++;
    }
    *p = (const char *)s;
    return n;
}

/* counts[word] += 1 for every word of text: a dict of interned str -> int. The dict
 * holds its own references, so ours are dropped at once; a count of 1..256 is one of
 * the cached small ints, and costs nothing. */
static ohm_object *count_words(ohm_heap *h, const char *text, size_t *total) {
    ohm_object *counts = ohm_dict_new(h);
    if (!counts) die(h, "count_words");
    char buf[WORD_MAX];
    size_t n;
    *total = 0;
    while ((n = next_word(&text, buf)) != 0) {
        ohm_object *word = ohm_str_intern(h, buf, n);
        if (!word) die(h, "count_words");
        ohm_object *old = ohm_dict_get(counts, word);   /* borrowed; NULL: a new word */
        int64_t n_seen = old ? ohm_int_value(old) + 1 : 1;
        ohm_object *count = ohm_int_new(h, n_seen);
        if (!count) die(h, "count_words");
        if (ohm_dict_set(counts, word, count) < 0)
            die(h, "count_words");
        ohm_decref(count);
        ohm_decref(word);
        ++*total;
    }
    return counts;
}

/* sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) as a list of (-count, word)
 * tuples: tuples compare item by item, so the most common come first, ties by word. */
static ohm_object *rank(ohm_heap *h, ohm_object *counts) {
    ohm_object *ranked = ohm_list_new(h);
    if (!ranked) die(h, "rank");
    size_t pos = 0;
    ohm_object *word, *count;
    while (ohm_dict_next(counts, &pos, &word, &count)) {
        ohm_object *neg = ohm_int_new(h, -ohm_int_value(count));
        if (!neg) die(h, "rank");
        ohm_object *pair = ohm_tuple_pack(h, 2, neg, word);
        if (!pair) die(h, "rank");
        if (ohm_list_append(ranked, pair) < 0)
            die(h, "rank");
        ohm_decref(pair);
        ohm_decref(neg);
    }
    if (ohm_list_sort(ranked) < 0) die(h, "rank");
    return ranked;
}

static void print_top(ohm_object *ranked, size_t total, size_t distinct) {
    printf("%zu words, %zu distinct; the %d most common:\n", total, distinct, TOP);
    for (size_t i = 0; i < TOP && i < ohm_list_len(ranked); i++) {
        ohm_object *pair = ohm_list_get(ranked, i);
        printf("  %2zu. %-8s %5lld\n", i + 1, ohm_str_data(ohm_tuple_get(pair, 1)),
               -(long long)ohm_int_value(ohm_tuple_get(pair, 0)));
    }
}

/* The allocator at the peak, from the numbers ohm_debug_mallocstats prints. */
static void print_heap(ohm_heap *h) {
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    size_t pools = 0, blocks = 0;
    for (int i = 0; i < OHM_NB_CLASSES; i++) {
        pools += st.classes[i].pools;
        blocks += st.classes[i].blocks_in_use;
    }
    printf("  at the peak: %zu small blocks (%zu bytes) in %zu pools, %zu bytes free in them;\n"
           "    arenas mapped: %zu; blocks over %d B, from malloc: %zu (%zu bytes)\n",
           blocks, st.bytes_in_blocks, pools, st.bytes_available, st.arenas_current,
           OHM_SMALL_MAX, st.large_blocks, st.large_bytes);
}

static void print_gc(ohm_heap *h) {
    ohm_gc_stats gs[3];
    ohm_gc_get_stats(h, gs);
    printf("  collections: %zu (generation 0: %zu, 1: %zu, 2: %zu), objects collected: %zu\n",
           gs[0].collections + gs[1].collections + gs[2].collections, gs[0].collections,
           gs[1].collections, gs[2].collections, gs[0].collected + gs[1].collected + gs[2].collected);
}

int main(int argc, char **argv) {
    const char *path = "examples/data/alice.txt", *snap_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--snapshot") && i + 1 < argc) snap_path = argv[++i];
        else if (argv[i][0] != '-') path = argv[i];
        else { fprintf(stderr, "usage: wordfreq [TEXT] [--snapshot PATH]\n"); return 2; }
    }
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) die(NULL, "ohm_heap_new");
    if (snap_path && ohm_trace_start(h, 1) < 0) die(h, "ohm_trace_start");

    size_t len, total;
    char *text = read_text(h, path, &len);
    ohm_object *counts = count_words(h, text, &total);
    ohm_object *ranked = rank(h, counts);
    print_top(ranked, total, ohm_dict_len(counts));

    printf("report for %s (%zu bytes):\n", path, len);
    print_heap(h);
    if (snap_path) {
        ohm_snapshot *snap = ohm_snapshot_take(h);
        if (!snap || ohm_snapshot_dump(snap, snap_path) < 0) die(h, "snapshot");
        size_t now, peak;
        ohm_trace_get_traced_memory(h, &now, &peak);
        printf("  traced: %zu bytes held now, %zu at the peak; snapshot: %s\n", now, peak, snap_path);
        ohm_snapshot_free(snap);
    }
    ohm_decref(ranked);
    ohm_decref(counts);   /* the words go with it: the interning table holds no reference */
    ohm_free(h, text);
    print_gc(h);
    printf("  after releasing everything, objects left: %zu\n", ohm_live_objects(h));
    ohm_report_live(h, stdout);
    ohm_heap_destroy(h);
    return 0;
}
