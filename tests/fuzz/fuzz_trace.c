/* Fuzz target: the binary trace reader and validator behind `faultline trace --dump`
 * (harness/cli/trace_cli.c with allocators/trace_format.h's checks). stdout is the dump text. */
#include "fuzz_input.h"

#include "trace_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[] = {"trace", "--dump", (char *)fuzz_input_path(data, size), NULL};
    (void)trace_cli_main(3, argv);
    return 0;
}
