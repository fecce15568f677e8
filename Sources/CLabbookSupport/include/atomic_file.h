#ifndef LABBOOK_ATOMIC_FILE_H
#define LABBOOK_ATOMIC_FILE_H

#include <stddef.h>

/// Replaces the file at `path` with `length` bytes of `data`, atomically: readers see the old file
/// or the new one, never a part. The bytes go to an unnamed temporary file in the same folder
/// (O_TMPFILE), are synced, given a name and renamed over `path`; a process killed before the rename
/// leaves nothing behind. Returns 0, or an errno value.
int lb_atomic_write(const char *path, const char *data, size_t length);

/// Replaces `path` atomically with the first `keep` bytes of the open file `source` followed by `data`
/// (copied in the kernel where possible), and returns the new file, open for reading and writing, in
/// `*opened`. 0 on success, else an errno value; on failure `path` is unchanged.
int lb_atomic_extend(const char *path, int source, long long keep, const char *data, size_t length, int *opened);

#endif
