/* Console and Markdown tables of per-cell medians (report_console, report_md in results.h). */
#ifndef FAULTLINE_REPORT_TABLE_H
#define FAULTLINE_REPORT_TABLE_H

/* The backend the relative column compares against (`--ref`); NULL or unset: glibc when it was
 * run, else the first backend of the table. The name is kept, not copied. */
void report_table_set_ref(const char *backend);

/* A cell is noisy when its runs vary by more than this coefficient of variation (console, md
 * and the report's summary mark it the same way). */
#define REPORT_TABLE_NOISY_CV 0.10

#endif
