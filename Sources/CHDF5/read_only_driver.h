// A read-only HDF5 file driver for files Labbook did not write (included by shim.h).
//
// libhdf5 1.10's default driver (sec2) asks the library to keep a "metadata accumulator": a buffer of
// recently read metadata that later reads are copied out of. On a damaged file the accumulator's bounds
// arithmetic goes wrong and libhdf5 copies out of bounds (SIGSEGV in H5F__accum_read, the commonest
// crash left in the hdf5 and model fuzz targets once string descriptors were checked). This driver is
// sec2's reading without that feature: every read is a pread of exactly the bytes asked for, within the
// end of allocation libhdf5 has set, zero-filled past the end of the file (as sec2 does). It cannot
// write. Everything else (aggregation flags, data sieving) is as sec2 declares it.
#ifndef LABBOOK_READ_ONLY_DRIVER_H
#define LABBOOK_READ_ONLY_DRIVER_H

#include <hdf5.h>
#include <H5FDpublic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  H5FD_t base;  // libhdf5's part, first
  int descriptor;
  haddr_t end_of_allocation;
  haddr_t end_of_file;
  dev_t device;
  ino_t inode;
} lb_read_only_file;

static H5FD_t *lb_read_only_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr) {
  (void)fapl; (void)maxaddr;
  if (flags & (H5F_ACC_RDWR | H5F_ACC_CREAT | H5F_ACC_TRUNC | H5F_ACC_EXCL)) return NULL;
  int descriptor = open(name, O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return NULL;
  struct stat status;
  if (fstat(descriptor, &status) < 0) {
    close(descriptor);
    return NULL;
  }
  lb_read_only_file *file = (lb_read_only_file *)calloc(1, sizeof(lb_read_only_file));
  if (!file) {
    close(descriptor);
    return NULL;
  }
  file->descriptor = descriptor;
  file->end_of_file = (haddr_t)status.st_size;
  file->device = status.st_dev;
  file->inode = status.st_ino;
  return &file->base;
}

static herr_t lb_read_only_close(H5FD_t *base) {
  lb_read_only_file *file = (lb_read_only_file *)base;
  close(file->descriptor);
  free(file);
  return 0;
}

// Two opens of one file are the same file (libhdf5 then shares one open file between them).
static int lb_read_only_compare(const H5FD_t *first, const H5FD_t *second) {
  const lb_read_only_file *a = (const lb_read_only_file *)first, *b = (const lb_read_only_file *)second;
  if (a->device != b->device) return a->device < b->device ? -1 : 1;
  if (a->inode != b->inode) return a->inode < b->inode ? -1 : 1;
  return 0;
}

static herr_t lb_read_only_query(const H5FD_t *file, unsigned long *flags) {
  (void)file;
  // sec2's flags without H5FD_FEAT_ACCUMULATE_METADATA (and without the write-only ones).
  *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_DATA_SIEVE | H5FD_FEAT_AGGREGATE_SMALLDATA |
           H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
  return 0;
}

static haddr_t lb_read_only_get_eoa(const H5FD_t *base, H5FD_mem_t type) {
  (void)type;
  return ((const lb_read_only_file *)base)->end_of_allocation;
}

static herr_t lb_read_only_set_eoa(H5FD_t *base, H5FD_mem_t type, haddr_t address) {
  (void)type;
  ((lb_read_only_file *)base)->end_of_allocation = address;
  return 0;
}

static haddr_t lb_read_only_get_eof(const H5FD_t *base, H5FD_mem_t type) {
  (void)type;
  return ((const lb_read_only_file *)base)->end_of_file;
}

static herr_t lb_read_only_read(H5FD_t *base, H5FD_mem_t type, hid_t dxpl, haddr_t address, size_t size,
                                void *buffer) {
  (void)type; (void)dxpl;
  lb_read_only_file *file = (lb_read_only_file *)base;
  if (address == HADDR_UNDEF || address + size < address || address + size > file->end_of_allocation ||
      size > (size_t)INT64_MAX || address > (haddr_t)INT64_MAX - size)
    return -1;
  size_t done = 0;
  while (done < size) {
    ssize_t count = pread(file->descriptor, (char *)buffer + done, size - done, (off_t)(address + done));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return -1;
    if (count == 0) {  // past the end of the file: zeros, as sec2 gives
      memset((char *)buffer + done, 0, size - done);
      break;
    }
    done += (size_t)count;
  }
  return 0;
}

static herr_t lb_read_only_write(H5FD_t *base, H5FD_mem_t type, hid_t dxpl, haddr_t address, size_t size,
                                 const void *buffer) {
  (void)base; (void)type; (void)dxpl; (void)address; (void)size; (void)buffer;
  return -1;
}

/// A file-access property list that opens files with the read-only driver (registered on each call:
/// call it once per process). Negative when libhdf5 refused.
static inline hid_t lb_read_only_file_access(void) {
  static const H5FD_class_t driver = {
      .name = "labbook-read-only",
      .maxaddr = (haddr_t)INT64_MAX,
      .fc_degree = H5F_CLOSE_WEAK,
      .open = lb_read_only_open,
      .close = lb_read_only_close,
      .cmp = lb_read_only_compare,
      .query = lb_read_only_query,
      .get_eoa = lb_read_only_get_eoa,
      .set_eoa = lb_read_only_set_eoa,
      .get_eof = lb_read_only_get_eof,
      .read = lb_read_only_read,
      .write = lb_read_only_write,
      .fl_map = H5FD_FLMAP_DICHOTOMY,
  };
  hid_t id = H5FDregister(&driver);
  if (id < 0) return id;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  if (H5Pset_driver(fapl, id, NULL) < 0) {
    H5Pclose(fapl);
    return -1;
  }
  return fapl;
}

#endif
