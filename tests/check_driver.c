/* Test host for `faultline check` until (and besides) the CLI: forwards "check ARGS..." to
 * check_main exactly as the CLI does, so the children it re-executes find their way back. */
#include <stdio.h>
#include <string.h>

#include "check.h"

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "usage: %s check --backend SPEC... [--seed N] [--ops N] [--threads N]\n",
                argv[0]);
        return 2;
    }
    return check_main(argc - 1, argv + 1);
}
