/* Readers of /proc and /sys for the measured process and the context block. All are
 * allocation-free (read(2) into stack buffers) so they are safe during a measured phase. */
#ifndef FAULTLINE_PROCFS_H
#define FAULTLINE_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Resident bytes of this process from /proc/self/statm (field 2 x page size); 0 on error. */
uint64_t procfs_rss_bytes(void);
/* Reset this process's VmHWM to its current RSS (writes "5" to /proc/self/clear_refs, Linux
 * 4.0+). 0, or -1 with errno. */
int procfs_reset_hwm(void);
/* VmHWM / VmRSS of a process in bytes from /proc/<pid>/status (pid 0 = self); 0 on error. */
uint64_t procfs_vm_hwm(pid_t pid);
uint64_t procfs_vm_rss(pid_t pid);
/* Read a whole small file into buf (NUL-terminated, trailing newline stripped). 0 or -1. */
int procfs_read_text(const char *path, char *buf, size_t len);
/* The THP mode in brackets from /sys/kernel/mm/transparent_hugepage/enabled ("madvise"). */
int procfs_thp_mode(char *buf, size_t len);
/* "model name" of the first CPU from /proc/cpuinfo. */
int procfs_cpu_model(char *buf, size_t len);

#endif
