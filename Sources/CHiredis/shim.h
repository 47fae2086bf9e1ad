#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>

// Typed, non-variadic entry points for the variadic hiredis API.
static inline int chiredis_set_timeout_ms(redisContext *context, long milliseconds) {
    struct timeval tv = { .tv_sec = milliseconds / 1000, .tv_usec = (milliseconds % 1000) * 1000 };
    return redisSetTimeout(context, tv);
}

static inline redisContext *chiredis_connect_tcp(const char *host, int port, long milliseconds) {
    struct timeval tv = { .tv_sec = milliseconds / 1000, .tv_usec = (milliseconds % 1000) * 1000 };
    return redisConnectWithTimeout(host, port, tv);
}

static inline redisContext *chiredis_connect_unix(const char *path, long milliseconds) {
    struct timeval tv = { .tv_sec = milliseconds / 1000, .tv_usec = (milliseconds % 1000) * 1000 };
    return redisConnectUnixWithTimeout(path, tv);
}
#endif
