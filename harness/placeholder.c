/* Placeholder so fl_harness has a source until the harness lands. */
int harness_placeholder;
