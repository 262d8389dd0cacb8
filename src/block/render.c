/* SPDX-License-Identifier: Apache-2.0 */
/* render.c — the plan as an nftables batch, as the plain lists appliances
 * pull, as YAMAHA RTX configuration lines, and the status as JSON. */
#include "block.h"

#include <stdio.h>
#include <string.h>

#define T "inet " MM_BLOCK_TABLE

/* Table, sets and chains: "add" of what exists is a no-op, so the same
 * head is safe on every apply; the chains are flushed and their two rules
 * written again, so they are never doubled. priority -10 runs before the
 * usual filter chains (priority 0) of the SME's own rules. */
static const char nft_head[] =
    "add table " T "\n"
    "add set " T " " MM_BLOCK_SET_V4
    " { type ipv4_addr; flags interval,timeout; counter; }\n"
    "add set " T " " MM_BLOCK_SET_V6
    " { type ipv6_addr; flags interval,timeout; counter; }\n"
    "add chain " T " input { type filter hook input priority -10; policy "
    "accept; }\n"
    "add chain " T " forward { type filter hook forward priority -10; policy "
    "accept; }\n"
    "flush chain " T " input\n"
    "flush chain " T " forward\n"
    "add rule " T " input ip saddr @" MM_BLOCK_SET_V4 " counter drop\n"
    "add rule " T " input ip6 saddr @" MM_BLOCK_SET_V6 " counter drop\n"
    "add rule " T " forward ip saddr @" MM_BLOCK_SET_V4 " counter drop\n"
    "add rule " T " forward ip6 saddr @" MM_BLOCK_SET_V6 " counter drop\n";

static const char *set_of(const mm_cidr *c)
{
    return c->addr.family == 4 ? MM_BLOCK_SET_V4 : MM_BLOCK_SET_V6;
}

static mm_rc element(mm_buf *out, const char *verb, const mm_block_entry *e,
                     bool with_state)
{
    char net[64];
    mm_block_cidr_format(&e->net, net, sizeof net);
    mm_rc rc = mm_buf_printf(out, "%s element " T " %s { %s", verb,
                             set_of(&e->net), net);
    if (rc == MM_OK && with_state)
        rc = mm_buf_printf(out, " counter packets %llu bytes %llu timeout %us",
                           (unsigned long long)e->packets,
                           (unsigned long long)e->bytes, e->ttl_s);
    return rc ? rc : mm_buf_puts(out, " }\n");
}

mm_rc mm_block_render_nft(const mm_block_plan *want,
                          const mm_block_plan *current, mm_buf *out)
{
    mm_rc rc = mm_buf_puts(out, nft_head);
    size_t ncur = current ? current->n : 0;
    for (size_t i = 0; i < ncur && rc == MM_OK; i++) {
        const mm_block_entry *c = &current->v[i];
        if (mm_block_plan_find(want, &c->net) < 0)
            rc = element(out, "delete", c, false);
    }
    for (size_t i = 0; i < want->n && rc == MM_OK; i++) {
        mm_block_entry e = want->v[i];
        long k = current ? mm_block_plan_find(current, &e.net) : -1;
        if (k >= 0) {
            const mm_block_entry *c = &current->v[k];
            if (c->expires_s > 0 && c->expires_s * 2 >= e.ttl_s)
                continue; /* still more than half its time: keep; 0 is
                           * under a second left (nft rounds down) */
            /* renew: nftables 1.0.6 cannot change an element's timeout,
             * so delete and add it again with its counters */
            e.packets = c->packets;
            e.bytes = c->bytes;
            rc = element(out, "delete", c, false);
        }
        if (rc == MM_OK)
            rc = element(out, "add", &e, true);
    }
    return rc;
}

bool mm_block_list_format_from_name(const char *name, mm_block_list_format *f)
{
    static const char *const names[] = {"fortigate", "paloalto", "cisco"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *f = (mm_block_list_format)i;
            return true;
        }
    return false;
}

mm_rc mm_block_render_list(const mm_block_plan *p, mm_block_list_format f,
                           mm_buf *out)
{
    /* All three read one entry per line, LF line ends, no header. Palo
     * Alto and FortiGate take a CIDR as written; Cisco's Security
     * Intelligence feed too ("IP address or network block"). */
    (void)f;
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < p->n && rc == MM_OK; i++) {
        char net[64];
        mm_block_cidr_format(&p->v[i].net, net, sizeof net);
        rc = mm_buf_printf(out, "%s\n", net);
    }
    return rc;
}

static bool iface_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 16 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

static bool keep_ok(const char *s)
{
    for (; s && *s; s++)
        if (!(*s == ' ' || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* One family's filters and interface line. */
static mm_rc yamaha_family(const mm_block_plan *p,
                           const mm_block_yamaha_opts *o, int fam,
                           unsigned *num, mm_buf *apply, mm_buf *remove)
{
    const char *kw = fam == 4 ? "ip" : "ipv6";
    unsigned first = *num;
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < p->n && rc == MM_OK; i++) {
        if (p->v[i].net.addr.family != fam)
            continue;
        char net[64];
        mm_block_cidr_format(&p->v[i].net, net, sizeof net);
        rc = mm_buf_printf(apply, "%s filter %u reject %s * * * *\n", kw, *num,
                           net);
        if (rc == MM_OK)
            rc = mm_buf_printf(remove, "no %s filter %u\n", kw, *num);
        (*num)++;
    }
    if (rc != MM_OK || *num == first)
        return rc;
    const char *keep = o->keep && o->keep[0] ? o->keep : NULL;
    rc = mm_buf_printf(apply, "%s %s secure filter in", kw, o->iface);
    for (unsigned n = first; n < *num && rc == MM_OK; n++)
        rc = mm_buf_printf(apply, " %u", n);
    if (rc == MM_OK)
        rc = mm_buf_printf(apply, "%s%s\n", keep ? " " : "", keep ? keep : "");
    if (rc == MM_OK && keep)
        rc = mm_buf_printf(remove, "%s %s secure filter in %s\n", kw, o->iface,
                           keep);
    else if (rc == MM_OK)
        rc =
            mm_buf_printf(remove, "no %s %s secure filter in\n", kw, o->iface);
    return rc;
}

mm_rc mm_block_render_yamaha(const mm_block_plan *p,
                             const mm_block_yamaha_opts *o, mm_buf *apply,
                             mm_buf *remove, mm_err *err)
{
    if (!iface_ok(o->iface))
        return mm_err_set(err, MM_EINVAL, "<yamaha>", 0,
                          "インタフェース名が不正です / bad interface name "
                          "(e.g. lan2, pp1)");
    if (!keep_ok(o->keep))
        return mm_err_set(err, MM_EINVAL, "<yamaha>", 0,
                          "--keep はフィルタ番号を空白区切りで / --keep takes "
                          "filter numbers separated by spaces");
    if (p->n > MM_BLOCK_YAMAHA_MAX)
        return mm_err_set(err, MM_ELIMIT, "<yamaha>", 0,
                          "RTX には %u 件までです / at most %u entries for "
                          "an RTX",
                          MM_BLOCK_YAMAHA_MAX, MM_BLOCK_YAMAHA_MAX);
    if (o->filter_base == 0 || o->filter_base > 2147483647u - 2u * p->n)
        return mm_err_set(err, MM_EINVAL, "<yamaha>", 0,
                          "フィルタ番号の範囲外です / filter numbers out of "
                          "range (1..2147483647)");
    unsigned num = o->filter_base;
    mm_rc rc = yamaha_family(p, o, 4, &num, apply, remove);
    return rc ? rc : yamaha_family(p, o, 6, &num, apply, remove);
}

mm_rc mm_block_status_json(const mm_block_plan *st, mm_buf *out)
{
    uint64_t pk = 0, by = 0;
    mm_rc rc = mm_buf_puts(out, "{\"entries\":[");
    for (size_t i = 0; i < st->n && rc == MM_OK; i++) {
        const mm_block_entry *e = &st->v[i];
        char net[64];
        mm_block_cidr_format(&e->net, net, sizeof net);
        rc = mm_buf_printf(out,
                           "%s{\"net\":\"%s\",\"packets\":%llu,\"bytes\":%llu,"
                           "\"expires\":%u}",
                           i ? "," : "", net, (unsigned long long)e->packets,
                           (unsigned long long)e->bytes, e->expires_s);
        pk += e->packets;
        by += e->bytes;
    }
    if (rc == MM_OK)
        rc = mm_buf_printf(out, "],\"packets\":%llu,\"bytes\":%llu}",
                           (unsigned long long)pk, (unsigned long long)by);
    return rc;
}
