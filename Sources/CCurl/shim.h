#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

// Typed wrappers for the variadic curl_easy_setopt / curl_easy_getinfo, so Swift never calls a variadic C function.
static inline CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*ccurl_write_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode ccurl_setopt_write_function(CURL *handle, ccurl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode ccurl_setopt_header_function(CURL *handle, ccurl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
typedef curl_socket_t (*ccurl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode ccurl_setopt_opensocket_function(CURL *handle, ccurl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

// The address libcurl is about to connect to: copies its 4 (IPv4) or 16 (IPv6) bytes in network order to `bytes`
// and its port to `port`, and returns the count; 0 for any other family (a Unix socket, say).
static inline int ccurl_sockaddr_address(const struct curl_sockaddr *address, unsigned char bytes[16], int *port) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&address->addr;
        memcpy(bytes, &v4->sin_addr, 4);
        *port = ntohs(v4->sin_port);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&address->addr;
        memcpy(bytes, &v6->sin6_addr, 16);
        *port = ntohs(v6->sin6_port);
        return 16;
    }
    return 0;
}

// What libcurl's default open-socket function does.
static inline curl_socket_t ccurl_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype, address->protocol);
}

// libcurl's own URL parser (so that what is checked is what libcurl will connect to): the scheme, host and port
// of `url`, each a string to free with curl_free (port: the scheme's default when none is written). Returns
// CURLUE_OK or libcurl's error.
static inline CURLUcode ccurl_parse_url(const char *url, char **scheme, char **host, char **port) {
    CURLU *handle = curl_url();
    if (handle == NULL) return CURLUE_OUT_OF_MEMORY;
    CURLUcode code = curl_url_set(handle, CURLUPART_URL, url, 0);
    if (code == CURLUE_OK) code = curl_url_get(handle, CURLUPART_SCHEME, scheme, 0);
    if (code == CURLUE_OK) code = curl_url_get(handle, CURLUPART_HOST, host, 0);
    if (code == CURLUE_OK) code = curl_url_get(handle, CURLUPART_PORT, port, CURLU_DEFAULT_PORT);
    curl_url_cleanup(handle);
    return code;
}
#endif
