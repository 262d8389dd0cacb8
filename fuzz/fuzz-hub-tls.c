/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-tls.c — the hub's certificate/key check (tls.c) on hostile PEM:
 * truncated or mixed blocks, chains, keys of another type, bad dates. The
 * input is the certificate file, a line "-----SPLIT-----", then the key
 * file (without that line the whole input is tried as both). */
#include "hub-tls.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char split[] = "\n-----SPLIT-----\n";
    char *buf = malloc(size + 1); /* NUL-terminated, as mm_file_read */
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *cert = buf, *key = buf;
    size_t cert_len = size, key_len = size;
    char *cut = memmem(buf, size, split, sizeof split - 1);
    if (cut) {
        *cut = '\0';
        cert_len = (size_t)(cut - buf);
        key = cut + sizeof split - 1;
        key_len = size - cert_len - (sizeof split - 1);
    }
    mm_err err;
    /* 2030-01-01: the seeds are valid then */
    (void)mm_hub_tls_check(cert, cert_len, key, key_len, 1893456000000LL,
                           &err);
    free(buf);
    return 0;
}
