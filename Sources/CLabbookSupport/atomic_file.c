#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

static int write_all(int fd, const char *data, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += (size_t)n;
  }
  return fsync(fd) == 0 ? 0 : errno;
}

/* The folder holding `path` (inside `*copy`, which the caller frees) and, in `temporary`, a hidden name
   beside `path` for this process. NULL when out of memory. */
static const char *folder_and_temporary(const char *path, char **copy, char *temporary, size_t size) {
  *copy = strdup(path);
  if (!*copy) return NULL;
  const char *folder = dirname(*copy);
  const char *base = strrchr(path, '/');
  snprintf(temporary, size, "%s/.%s.tmp-%d", folder, base ? base + 1 : path, (int)getpid());
  return folder;
}

/* Gives the unnamed (O_TMPFILE) file open as `fd` the name `name`: 0, or errno. */
static int link_as(int fd, const char *name) {
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
}

int lb_atomic_write(const char *path, const char *data, size_t length) {
  char *copy;
  char temporary[4096];
  const char *folder = folder_and_temporary(path, &copy, temporary, sizeof temporary);
  if (!folder) return ENOMEM;
  int result = 0;
  int fd = open(folder, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd >= 0) {
    result = write_all(fd, data, length);
    if (result == 0) {
      // A new file appears complete under its name in one step, with no temporary name at all.
      if (link_as(fd, path) == 0) {
        close(fd);
        free(copy);
        return 0;
      }
      unlink(temporary);
      result = link_as(fd, temporary);
    }
    close(fd);
  } else {
    // File systems without O_TMPFILE: a named temporary file, removed on any failure.
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      free(copy);
      return errno;
    }
    result = write_all(fd, data, length);
    close(fd);
  }
  if (result == 0 && rename(temporary, path) != 0) result = errno;
  if (result != 0) unlink(temporary);
  free(copy);
  return result;
}

/* Copies `length` bytes from the start of `source` to the start of `target` (in the kernel when it can). */
static int copy_prefix(int source, int target, long long length) {
  loff_t in = 0, out = 0;
  while (in < length) {
    ssize_t n = copy_file_range(source, &in, target, &out, (size_t)(length - in), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != ENOSYS && errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP) return errno;
      /* No in-kernel copy here: read and write. */
      char buffer[1 << 16];
      while (in < length) {
        size_t want = (size_t)(length - in) < sizeof buffer ? (size_t)(length - in) : sizeof buffer;
        ssize_t got = pread(source, buffer, want, in);
        if (got < 0) {
          if (errno == EINTR) continue;
          return errno;
        }
        if (got == 0) return EIO;
        ssize_t put = pwrite(target, buffer, (size_t)got, out);
        if (put < 0) {
          if (errno == EINTR) continue;
          return errno;
        }
        in += put;
        out += put;
      }
      return 0;
    }
    if (n == 0) return EIO;
  }
  return 0;
}

int lb_atomic_extend(const char *path, int source, long long keep, const char *data, size_t length, int *opened) {
  char *copy;
  char temporary[4096];
  const char *folder = folder_and_temporary(path, &copy, temporary, sizeof temporary);
  if (!folder) return ENOMEM;
  int named = 0;
  int fd = open(folder, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) {
    fd = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    named = 1;
  }
  if (fd < 0) {
    int error = errno;
    free(copy);
    return error;
  }
  int result = copy_prefix(source, fd, keep);
  if (result == 0 && lseek(fd, keep, SEEK_SET) < 0) result = errno;
  if (result == 0) result = write_all(fd, data, length);
  if (result == 0 && !named) {
    unlink(temporary);
    result = link_as(fd, temporary);
  }
  if (result == 0 && rename(temporary, path) != 0) result = errno;
  if (result != 0) {
    unlink(temporary);
    close(fd);
  } else {
    *opened = fd;
  }
  free(copy);
  return result;
}
