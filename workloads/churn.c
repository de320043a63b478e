/* STUB: replaced by the real workload. */
#include "workload.h"
#include <errno.h>
static const struct param_def stub_params[] = {{NULL}};
static int stub_run(struct wl_env *env) { (void)env; return ENOSYS; }
const struct workload workload_churn = {.name = "churn", .summary = "(stub)", .params = stub_params, .run = stub_run};
