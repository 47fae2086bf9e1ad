#ifndef C_REGISTRY_SHIMS_H
#define C_REGISTRY_SHIMS_H

/// The CPU the calling thread runs on, or 0 where the platform cannot tell. On Linux, glibc answers from the
/// rseq area or the vDSO, without a system call. Used to pick a counter stripe; a stale answer is harmless.
int cregistry_current_cpu(void);

#endif
