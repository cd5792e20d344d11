/* The C reference (iotlb_ref.c, unchanged) as a shared library, so the
 * engine's benches can call it in their own process and alternate with the
 * engine every few milliseconds (lib/iommu/c_reference.ts). Its main() is
 * renamed, its printf captured into a buffer, and what it allocates is freed
 * after each run. Build: cc -O2 -shared -fPIC -DREF_SOURCE='"path/iotlb_ref.c"'. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char ref_out[512];
static void *ref_allocs[16];
static int ref_nallocs;

static int ref_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(ref_out, sizeof ref_out, fmt, ap);
  va_end(ap);
  return n;
}
static void *ref_keep(void *p) {
  if (p && ref_nallocs < 16) ref_allocs[ref_nallocs++] = p;
  return p;
}
static void *ref_malloc(size_t n) { return ref_keep(malloc(n)); }
static void *ref_calloc(size_t n, size_t k) { return ref_keep(calloc(n, k)); }

#define main iotlb_ref_main
#define printf ref_printf
#define malloc ref_malloc
#define calloc ref_calloc
#include REF_SOURCE
#undef main
#undef printf
#undef malloc
#undef calloc

/* One run of the reference: its JSON line, as the program prints it. */
const char *iotlb_ref_run(uint64_t pages, uint64_t entries, uint64_t ways, uint64_t accesses) {
  char a[4][32];
  char *argv[6] = {"iotlb_ref", a[0], a[1], a[2], a[3], 0};
  snprintf(a[0], 32, "%llu", (unsigned long long)pages);
  snprintf(a[1], 32, "%llu", (unsigned long long)entries);
  snprintf(a[2], 32, "%llu", (unsigned long long)ways);
  snprintf(a[3], 32, "%llu", (unsigned long long)accesses);
  ref_out[0] = 0;
  ref_nallocs = 0;
  iotlb_ref_main(5, argv);
  for (int i = 0; i < ref_nallocs; i++) free(ref_allocs[i]);
  return ref_out;
}
