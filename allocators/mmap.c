/* STUB: replaced by the real mmap backend. */
#include "backend.h"
#include <errno.h>
static const struct param_def stub_params[] = {{NULL}};
static int stub_init(const struct param_values *pv) { (void)pv; return ENOSYS; }
const struct backend_ops backend_mmap = {.name = "mmap", .summary = "(stub)", .params = stub_params, .init = stub_init};
