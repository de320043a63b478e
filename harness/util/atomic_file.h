/* Write a whole file atomically: temp file in the same directory, fsync, rename. A reader (or
 * an interrupted run) sees either the old file or the new one, never a torn one; a failed write
 * (ENOSPC) leaves the old file as it was and is remembered for the command's exit status. */
#ifndef FAULTLINE_ATOMIC_FILE_H
#define FAULTLINE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* 0 or -1 with errno set. A failure is also remembered (see atomic_file_failed). */
int atomic_file_write(const char *path, const char *data, size_t len);
/* The same without the fsync, for files that a later fsync or syncfs covers: a reader still sees
 * the old file or the new one, but a crash may lose the new one. */
int atomic_file_write_nosync(const char *path, const char *data, size_t len);
/* mkdir -p; 0 or -1 with errno (remembered too). */
int atomic_file_mkdirs(const char *path);
/* Swap two directories in one step (renameat2 RENAME_EXCHANGE): at every instant each path
 * names one complete directory. Where the filesystem cannot exchange (EINVAL, ENOSYS), falls
 * back to two renames and sets *atomic false. 0 or -1 with errno. */
int atomic_file_swap_dirs(const char *a, const char *b, bool *atomic);
/* Remember a failed write made some other way (streams, copies): path and errno. */
void atomic_file_note_failure(const char *path, int err);
/* Durability that tells the truth: true once any write of this process failed. Commands keep
 * going or stop as they see fit; the dispatcher turns this into a non-zero exit status and the
 * one line atomic_file_report prints. */
bool atomic_file_failed(void);
/* "faultline: cannot write PATH: No space left on device (ENOSPC)[; N more writes failed]" on
 * stderr when a write failed; returns whether one did. */
bool atomic_file_report(void);

#endif
