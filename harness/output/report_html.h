/* `faultline report DIR`: render the plots of a results directory (plots/plot.sh) and write
 * DIR/index.html and DIR/report.md from its CSV files and run.json. */
#ifndef FAULTLINE_REPORT_HTML_H
#define FAULTLINE_REPORT_HTML_H

/* argv[0] is "report". Exit status: 0 written, 1 written but plotting failed, 2 bad input. */
int report_html_main(int argc, char **argv);

#endif
