// Accessors for HDF5 macros and *_g globals that do not import into Swift 6.
// Each expands the macro in C (which also runs H5open()) and returns a plain value.
#ifndef LABBOOK_CHDF5_SHIM_H
#define LABBOOK_CHDF5_SHIM_H

#include <hdf5.h>
// zlib, the library behind HDF5's deflate filter (libhdf5-dev depends on zlib1g-dev): Labbook inflates
// the chunks of float64 datasets itself, several at a time (ParallelChunks.swift).
#include <zlib.h>
#include "read_only_driver.h"
#include <stdlib.h>
#include <string.h>

// The first occurrence of a needle of 2 or more bytes in a haystack, or NULL: GlobalHeapCheck.swift scans
// whole files for global heap signatures with it. On x86-64 it compares 16 positions at a time for the
// needle's first and last bytes (SSE2, part of every x86-64) and checks the rare candidates in full:
// about three times glibc's memmem on float data. Elsewhere it is memmem.
void *memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
static inline const void *lb_find_bytes(const void *haystack, size_t haystack_length, const void *needle,
                                        size_t needle_length) {
#if defined(__SSE2__)
    const unsigned char *h = (const unsigned char *)haystack;
    const unsigned char *n = (const unsigned char *)needle;
    if (needle_length >= 2 && haystack_length >= needle_length + 16) {
        const __m128i first = _mm_set1_epi8((char)n[0]);
        const __m128i last = _mm_set1_epi8((char)n[needle_length - 1]);
        size_t i = 0;
        for (; i + needle_length - 1 + 16 <= haystack_length; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(h + i + needle_length - 1));
            unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
            while (mask != 0) {
                unsigned bit = (unsigned)__builtin_ctz(mask);
                if (memcmp(h + i + bit, n, needle_length) == 0) return h + i + bit;
                mask &= mask - 1;
            }
        }
        return memmem(h + i, haystack_length - i, needle, needle_length);
    }
#endif
    return memmem(haystack, haystack_length, needle, needle_length);
}

static inline hid_t lb_h5p_default(void) { return (hid_t)H5P_DEFAULT; }
static inline hid_t lb_h5s_all(void) { return (hid_t)H5S_ALL; }
static inline hid_t lb_h5e_default(void) { return (hid_t)H5E_DEFAULT; }
static inline unsigned lb_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned lb_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned lb_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned lb_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline size_t lb_h5t_variable(void) { return H5T_VARIABLE; }
static inline hsize_t lb_h5s_unlimited(void) { return H5S_UNLIMITED; }

static inline hid_t lb_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t lb_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t lb_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t lb_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t lb_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t lb_h5p_link_access(void) { return H5P_LINK_ACCESS; }
static inline haddr_t lb_haddr_undef(void) { return HADDR_UNDEF; }

/// External links name other files; Labbook reads only the file it was given, so every traversal fails.
static herr_t lb_deny_external_link(const char *parent_file, const char *parent_group, const char *child_file,
                                    const char *child_object, unsigned *acc_flags, hid_t fapl, void *op_data) {
  (void)parent_file; (void)parent_group; (void)child_file; (void)child_object; (void)acc_flags; (void)fapl;
  (void)op_data;
  return -1;
}

static inline hid_t lb_h5p_group_access(void) { return H5P_GROUP_ACCESS; }

/// File access without HDF5's advisory file locks: Labbook never shares an open file between writers
/// (it writes a new file and renames it into place), and the locks fail on read-only or network file
/// systems and between two opens of one file in one process.
static inline hid_t lb_h5p_file_access_without_locks(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
  return fapl;
}
static inline hid_t lb_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }

/// An access property list of `property_class` (link, group or dataset access) on which external links
/// cannot be followed.
static inline hid_t lb_h5p_without_external_links(hid_t property_class) {
  hid_t plist = H5Pcreate(property_class);
  if (plist >= 0) H5Pset_elink_cb(plist, lb_deny_external_link, NULL);
  return plist;
}

static inline hid_t lb_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t lb_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t lb_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t lb_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t lb_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t lb_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t lb_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t lb_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t lb_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t lb_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t lb_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t lb_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t lb_h5t_std_i16be(void) { return H5T_STD_I16BE; }
static inline hid_t lb_h5t_std_i32be(void) { return H5T_STD_I32BE; }
static inline hid_t lb_h5t_std_u16be(void) { return H5T_STD_U16BE; }
static inline hid_t lb_h5t_std_u32le(void) { return H5T_STD_U32LE; }
static inline hid_t lb_h5t_std_u64le(void) { return H5T_STD_U64LE; }
static inline hid_t lb_h5t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t lb_h5t_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t lb_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t lb_h5t_ieee_f64be(void) { return H5T_IEEE_F64BE; }
static inline hid_t lb_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t lb_h5t_ieee_f32be(void) { return H5T_IEEE_F32BE; }

/// Silences HDF5's automatic error printing for the calling thread (it is per thread in a
/// thread-safe build).
static inline void lb_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t lb_h5_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
  char *buf = (char *)data;
  size_t used = strlen(buf);
  const char *desc = err->desc ? err->desc : "";
  const char *fn = err->func_name ? err->func_name : "";
  if (used > 0 && used + 3 < 1024) {
    strcat(buf, "; ");
    used += 2;
  }
  snprintf(buf + used, 1024 - used, "%s: %s", fn, desc);
  (void)n;
  return 0;
}

/// Writes the current thread's HDF5 error stack (innermost first) into buf (1024 bytes) and clears it.
static inline void lb_h5_error_message(char *buf) {
  buf[0] = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, lb_h5_error_walker, buf);
  H5Eclear2(H5E_DEFAULT);
}

/// Frees the variable-length data HDF5 allocated while reading into buf.
static inline herr_t lb_h5_vlen_reclaim(hid_t type, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}

#endif
