#ifndef CLINUXMALLOC_SHIM_H
#define CLINUXMALLOC_SHIM_H
// glibc's mallopt(3) and malloc_trim(3), which Swift's Glibc module does not export.
#include <malloc.h>
#endif
