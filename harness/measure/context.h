/* The context block every result carries: machine, kernel, glibc, THP, perf paranoid, ASLR,
 * build and git facts. Collected once per invocation as ordered key/value pairs. */
#ifndef FAULTLINE_CONTEXT_H
#define FAULTLINE_CONTEXT_H

#include <stdbool.h>

#include "strbuf.h"

#define CONTEXT_MAX            48
#define RESULTS_SCHEMA_VERSION 1

struct context_item {
    char key[40];
    char value[256];
    bool numeric; /* written as a JSON number */
};

struct context {
    unsigned count;
    struct context_item items[CONTEXT_MAX];
};

/* Collect the machine/build facts. */
void context_collect(struct context *ctx);
void context_set(struct context *ctx, const char *key, const char *value, bool numeric);
const char *context_get(const struct context *ctx, const char *key);
/* JSON object body. */
void context_write_json(const struct context *ctx, struct strbuf *sb);

#endif
