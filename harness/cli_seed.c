/* `faultline seed`: the seed notes' claims, measured here, with verdicts. */
#include "cli.h"

int cli_seed_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("seed: not implemented yet");
}
