/* `faultline sweep` (parameter sweeps over specs), `faultline merge` (join shard directories). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_merge_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("merge: not implemented yet");
}
