/* Inputs of a merged results directory (see results_inputs.h). */
#define _GNU_SOURCE
#include "results_inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "json.h"
#include "json_read.h"

/* Copy at most len-1 bytes of s without cutting a UTF-8 sequence in two (the copy is written
 * back into JSON, which must stay valid). */
static void results_inputs_copy(char *out, size_t len, const char *s)
{
    size_t n = strlen(s);
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/* A context object of run.json into ctx: strings as strings, numbers, booleans and null as
 * bare JSON; nested arrays and objects are not part of a context block and are left out. */
static void results_inputs_context(const json_t *obj, struct context *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (json_is_object(v) || json_is_array(v))
            continue;
        char k[40], val[256];
        results_inputs_copy(k, sizeof k, key);
        if (json_is_string(v))
            results_inputs_copy(val, sizeof val, json_string_value(v));
        else
            json_read_text(v, val, sizeof val);
        context_set(ctx, k, val, !json_is_string(v));
    }
}

static struct results_input *results_inputs_add(struct results_inputs *out)
{
    struct results_input *v = realloc(out->v, (out->n + 1) * sizeof *v);
    if (!v)
        abort();
    out->v = v;
    memset(&v[out->n], 0, sizeof v[out->n]);
    return &v[out->n++];
}

static void results_inputs_fill(struct results_input *in, const char *dir, const json_t *ctxobj)
{
    results_inputs_copy(in->dir, sizeof in->dir, dir);
    results_inputs_context(ctxobj, &in->ctx);
    const char *id = context_get(&in->ctx, "run_id"), *host = context_get(&in->ctx, "host");
    results_inputs_copy(in->run_id, sizeof in->run_id, id ? id : "");
    results_inputs_copy(in->host, sizeof in->host, host ? host : "");
    struct fingerprint fp;
    fingerprint_from_context(&in->ctx, &fp);
    snprintf(in->machine, sizeof in->machine, "%s", fp.id);
}

/* A count of an earlier merge's inputs entry: an integer 0..2^32-1, else 0. */
static unsigned results_inputs_count(const json_t *e, const char *key)
{
    const json_t *v = json_read_get(e, key);
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    return n > 0 && n <= 0xffffffffLL ? (unsigned)n : 0;
}

int results_inputs_read(const char *dir, struct results_inputs *out, struct context *top, char *err,
                        size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run.json", dir);
    json_t *doc = json_read_file(path, err, errlen);
    if (!doc)
        return -1;
    const json_t *ctx = json_read_get(doc, "context");
    const json_t *inputs = json_read_get(doc, "inputs");
    if (!json_is_object(ctx)) {
        snprintf(err, errlen, "%s: no context block", path);
        json_decref(doc);
        return -1;
    }
    int added = 0;
    if (json_is_array(inputs) && json_array_size(inputs) > 0) {
        /* a merged directory: the runs it was merged from, each with its own context */
        size_t i;
        json_t *e;
        json_array_foreach((json_t *)inputs, i, e)
        {
            const json_t *ectx = json_read_get(e, "context");
            if (!json_is_object(ectx))
                continue;
            const char *edir = json_read_str(e, "dir");
            struct results_input *in = results_inputs_add(out);
            results_inputs_fill(in, edir ? edir : dir, ectx);
            in->runs = results_inputs_count(e, "runs");
            in->skipped = results_inputs_count(e, "skipped_runs");
            added++;
        }
    }
    if (added == 0) {
        results_inputs_fill(results_inputs_add(out), dir, ctx);
        added = 1;
    }
    if (top)
        results_inputs_context(ctx, top);
    json_decref(doc);
    return added;
}

int results_inputs_find(const struct results_inputs *in, const char *run_id)
{
    for (unsigned i = 0; run_id[0] && i < in->n; i++)
        if (!strcmp(in->v[i].run_id, run_id))
            return (int)i;
    return -1;
}

void results_inputs_free(struct results_inputs *in)
{
    free(in->v);
    in->v = NULL;
    in->n = 0;
}

void results_inputs_render(const struct results_inputs *in, struct strbuf *sb)
{
    if (!in->n)
        return;
    json_key(sb, "hosts", true);
    strbuf_puts(sb, "[");
    unsigned nhosts = 0;
    for (unsigned i = 0; i < in->n; i++) {
        bool seen = !in->v[i].host[0];
        for (unsigned k = 0; !seen && k < i; k++)
            seen = !strcmp(in->v[k].host, in->v[i].host);
        if (seen)
            continue;
        if (nhosts++)
            strbuf_puts(sb, ",");
        json_str(sb, in->v[i].host);
    }
    strbuf_puts(sb, "],\n");
    json_key(sb, "inputs", true);
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < in->n; i++) {
        const struct results_input *e = &in->v[i];
        strbuf_puts(sb, i ? ",\n {" : "\n {");
        json_key(sb, "dir", true);
        json_str(sb, e->dir);
        json_key(sb, "run_id", false);
        if (e->run_id[0])
            json_str(sb, e->run_id);
        else
            strbuf_puts(sb, "null");
        json_key(sb, "host", false);
        if (e->host[0])
            json_str(sb, e->host);
        else
            strbuf_puts(sb, "null");
        json_key(sb, "machine", false);
        json_str(sb, e->machine);
        json_key(sb, "runs", false);
        json_number(sb, e->runs);
        json_key(sb, "skipped_runs", false);
        json_number(sb, e->skipped);
        json_key(sb, "context", false);
        context_write_json(&e->ctx, sb);
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "],\n");
}
