/* Per-run files of issue 18: breakdown/<cell>-r<rep>.csv (the RSS breakdown at every timeline
 * point and step) and settle/<cell>-r<rep>.csv (Rss after the phase). Columns: results/README.md.
 */
#define _GNU_SOURCE
#include "report_memory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "strbuf.h"

static void report_memory_num(struct strbuf *sb, int64_t v, bool last)
{
    if (v != -1)
        strbuf_printf(sb, "%lld", (long long)v);
    strbuf_puts(sb, last ? "\n" : ",");
}

static void report_memory_file(const struct results *r, const struct run_result *run,
                               const char *sub, const struct strbuf *sb)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", r->dir, sub);
    atomic_file_mkdirs(path);
    snprintf(path, sizeof path, "%s/%s/%s-r%u.csv", r->dir, sub, r->cells[run->cell].id, run->rep);
    atomic_file_write(path, sb->data ? sb->data : "", sb->len); /* reported once, at exit */
}

void report_memory_write_run(const struct results *r, const struct run_result *run,
                             const struct run_record *rec)
{
    if (!r->dir[0] || !rec)
        return;
    struct strbuf sb;
    if (rec->bd_count) {
        strbuf_init(&sb);
        strbuf_puts(&sb, "ops,rss,baseline,live,overhead,free_held,untouched,file,shmem,"
                         "unattributed,anon,lazyfree,anon_huge,private_dirty\n");
        for (unsigned i = 0; i < rec->bd_count && i < BREAKDOWN_MAX; i++) {
            const struct breakdown_point *p = &rec->bd[i];
            strbuf_printf(&sb, "%llu,", (unsigned long long)p->ops);
            const int64_t v[] = {p->rss,          p->baseline,  p->live,     p->overhead,
                                 p->free_held,    p->untouched, p->file,     p->shmem,
                                 p->unattributed, p->anon,      p->lazyfree, p->anon_huge,
                                 p->private_dirty};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                report_memory_num(&sb, v[k], k + 1 == sizeof v / sizeof v[0]);
        }
        report_memory_file(r, run, "breakdown", &sb);
        strbuf_free(&sb);
    }
    if (rec->settle_count) {
        strbuf_init(&sb);
        strbuf_puts(&sb, "t_ns,rss,lazyfree\n");
        for (unsigned i = 0; i < rec->settle_count && i < SETTLE_MAX; i++) {
            const struct settle_point *p = &rec->settle[i];
            strbuf_printf(&sb, "%llu,", (unsigned long long)p->t_ns);
            report_memory_num(&sb, p->rss, false);
            report_memory_num(&sb, p->lazyfree, true);
        }
        report_memory_file(r, run, "settle", &sb);
        strbuf_free(&sb);
    }
}
