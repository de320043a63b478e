/* `faultline tune`: a glibc malloc tuning advisor. It sweeps GLIBC_TUNABLES settings (mmap and
 * trim thresholds, top pad, arena count) over a real program or a synthetic workload, coarse
 * grid first and then around the best cells, and recommends a setting for an objective. */
#ifndef FAULTLINE_TUNE_H
#define FAULTLINE_TUNE_H

/* argv[0] is "tune". Exit status: 0 done, 1 the reference (default) run failed, 2 bad input. */
int tune_main(int argc, char **argv);

#endif
