/*
 * out.c — text made safe for where it goes: JSON strings, HTML, sizes for people.
 *
 * File names and function names come from the traced program (or from a file someone
 * handed us), so they may hold quotes, '<', control bytes or invalid UTF-8; every
 * writer goes through these.
 */
#include "prof.h"

#include <limits.h>
#include <string.h>

void prof_json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        unsigned c = *p;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '\t') fputs("\\t", out);
        /* '<' and '>' escaped too, so JSON inside a <script> can never close it */
        else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') fprintf(out, "\\u%04x", c);
        else if (c >= 0x80) {
            /* keep valid UTF-8 sequences; a stray byte becomes U+FFFD */
            size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            size_t k = 1;
            while (n && k < n && (p[k] & 0xc0) == 0x80) k++;
            if (n && k == n) { fwrite(p, 1, n, out); p += n - 1; }
            else fputs("\\ufffd", out);
        } else fputc((int)c, out);
    }
    fputc('"', out);
}

void prof_html_str(FILE *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            /* control bytes are not allowed in XML 1.0 (the SVG output) */
            if (*p < 0x20 && *p != '\n' && *p != '\t') fputc('?', out);
            else if (*p >= 0x80) {
                size_t n = *p >= 0xf0 && *p < 0xf5 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
                size_t k = 1;
                while (n && k < n && (p[k] & 0xc0) == 0x80) k++;
                if (n && k == n) { fwrite(p, 1, n, out); p += n - 1; }
                else fputc('?', out);
            } else fputc(*p, out);
        }
    }
}

long long prof_ll(double v) {
    if (!(v == v)) return 0;
    if (v >= 9.2e18) return LLONG_MAX;
    if (v <= -9.2e18) return -LLONG_MAX;
    return (long long)v;
}

const char *prof_size(long long bytes, int sign, char *buf, size_t len) {
    ohm_format_size(bytes, sign, buf, len);
    return buf;
}

const char *prof_basename(const char *path) {
    const char *b = path ? strrchr(path, '/') : NULL;
    return b ? b + 1 : path ? path : "";
}
