/* Fuzz target: JSON reading as `faultline compare` does it (util/json_read.c over libjansson,
 * then the run.json walk: context, cells, runs, metrics checks). The input is both sides. */
#include "fuzz_input.h"

#include "compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = (char *)fuzz_input_path(data, size);
    char *argv[] = {"compare", path, path, NULL};
    (void)compare_main(3, argv);
    return 0;
}
