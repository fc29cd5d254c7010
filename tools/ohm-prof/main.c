/*
 * main.c — ohm-prof's entry: find the command named by the first argument and run it.
 * Everything else (options, loading, the reports) is in the other files; prof.h
 * lists them.
 */
#include "prof.h"

#include <string.h>

static void usage(FILE *out) {
    fputs("usage: ohm-prof COMMAND [options] FILE...\n"
          "\n"
          "Reports on ohm's snapshot files (ohm_snapshot_dump) and timeline recordings\n"
          "(ohm_timeline_start). Commands:\n", out);
    for (const struct prof_command *c = prof_commands; c->name; c++)
        fprintf(out, "  %-11s %s\n", c->name, c->summary);
    fputs("\n'ohm-prof COMMAND --help' describes a command; man ohm-prof(1) all of them.\n"
          "Exit status: 0 success, 1 the output could not be written, 2 a usage error or\n"
          "an input that cannot be read (one line: file, offset and reason).\n", out);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return PROF_EUSAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) { usage(stdout); return PROF_OK; }
    if (!strcmp(name, "--version")) { printf("ohm-prof %s\n", OHM_VERSION); return PROF_OK; }
    int help = !strcmp(name, "help");
    if (help) {
        if (argc < 3) { usage(stdout); return PROF_OK; }
        name = argv[2];
    }
    for (const struct prof_command *c = prof_commands; c->name; c++) {
        if (strcmp(c->name, name)) continue;
        prof_cmd = c->name;
        if (help) {
            char *hargv[] = { argv[2], (char *)"--help", NULL };
            return c->run(2, hargv);
        }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "ohm-prof: unknown command '%s' (see 'ohm-prof --help')\n", name);
    return PROF_EUSAGE;
}
