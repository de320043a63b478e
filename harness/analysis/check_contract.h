/* The single-threaded contract checks of `faultline check`, run in the child. */
#ifndef FAULTLINE_CHECK_CONTRACT_H
#define FAULTLINE_CHECK_CONTRACT_H

/* Runs every contract check over check_child_api; violations go through check_child_fail. */
void check_contract_run_all(void);

#endif
