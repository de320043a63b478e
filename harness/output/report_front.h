/* The front page of a bench run: ROOT/index.html linking every report below ROOT with its
 * headline findings (`faultline report --front ROOT`). */
#ifndef FAULTLINE_REPORT_FRONT_H
#define FAULTLINE_REPORT_FRONT_H

/* Writes ROOT/index.html and prints its path. 0 written, 1 write failed, 2 ROOT unreadable. */
int report_front_write(const char *root);

#endif
