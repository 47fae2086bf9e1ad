#define _GNU_SOURCE
#include "CRegistryShims.h"

#if defined(__linux__)
#include <sched.h>

int cregistry_current_cpu(void) {
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : cpu;
}
#else
int cregistry_current_cpu(void) { return 0; }
#endif
