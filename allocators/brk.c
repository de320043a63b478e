/* STUB: replaced by the real brk backend. */
#include "backend.h"
#include <errno.h>
static const struct param_def stub_params[] = {{NULL}};
static int stub_init(const struct param_values *pv) { (void)pv; return ENOSYS; }
const struct backend_ops backend_brk = {.name = "brk", .summary = "(stub)", .params = stub_params, .init = stub_init};
