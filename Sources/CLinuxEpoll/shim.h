#ifndef CLINUXEPOLL_SHIM_H
#define CLINUXEPOLL_SHIM_H
// epoll(7) and eventfd(2), which Swift's Glibc module does not export.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
