/* SPDX-License-Identifier: Apache-2.0 */
/* text.c — small scanners of fixed-form text (stamps, identifiers). */
#include "core.h"

#include <string.h>

bool mm_digits(const char *p, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return true;
}

bool mm_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool mm_name_valid(const char *p, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!mm_name_char(p[i]))
            return false;
    return true;
}

int mm_name_index(const char *const *table, unsigned n, const char *name,
                  size_t len)
{
    for (unsigned i = 0; i < n; i++) {
        if (strlen(table[i]) == len && memcmp(table[i], name, len) == 0)
            return (int)i;
    }
    return -1;
}
