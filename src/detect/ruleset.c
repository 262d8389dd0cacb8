/* SPDX-License-Identifier: Apache-2.0 */
/* ruleset.c — ruleset life cycle, indicator and allowlist loading, and the
 * compile step (rule index by action, one Hyperscan database for every
 * signature pattern, sorted IP sets). */
#include "detect-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define IOC_FILE_MAX (256u * 1024u * 1024u) /* one indicator file */
#define IOC_LINE_MAX 1024u

const char *mm_severity_name(mm_severity s)
{
    switch (s) {
    case MM_SEV_LOW: return "low";
    case MM_SEV_MEDIUM: return "medium";
    case MM_SEV_HIGH: return "high";
    case MM_SEV_CRITICAL: return "critical";
    }
    return "unknown";
}

mm_rc mm_ruleset_new(mm_ruleset **out)
{
    mm_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return MM_ENOMEM;
    rs->seed = mm_random_seed();
    mm_ipset_init(&rs->ioc_ip);
    mm_ipset_init(&rs->allow);
    mm_domainset_init(&rs->ioc_dom, rs->seed);
    *out = rs;
    return MM_OK;
}

void mm_ruleset_free(mm_ruleset *rs)
{
    if (!rs)
        return;
    for (unsigned i = 0; i < rs->n_rules; i++)
        mm_rule_free(&rs->rules[i]);
    free(rs->rules);
    for (unsigned i = 0; i < rs->n_sets; i++)
        free(rs->set_names[i]);
    mm_ipset_fini(&rs->ioc_ip);
    mm_ipset_fini(&rs->allow);
    mm_domainset_fini(&rs->ioc_dom);
    for (unsigned a = 0; a < MM_ACT_COUNT; a++) {
        free(rs->by_action[a]);
        for (unsigned v = 0; v < MM_SVC_COUNT; v++)
            free(rs->by_action_svc[a][v]);
    }
    free(rs->pattern_rule);
    free(rs->ioc_rules);
    for (unsigned f = 0; f < MM_F_COUNT; f++)
        if (rs->db_field[f])
            hs_free_database(rs->db_field[f]);
    free(rs);
}

static mm_rc set_index(mm_ruleset *rs, const char *set, unsigned *out,
                       mm_err *err, const char *name)
{
    size_t l = strlen(set);
    if (!l || l > 60)
        return mm_err_set(err, MM_EINVAL, name, 0,
                          "bad indicator set name (1 to 60 bytes)");
    char clean[61];
    for (size_t i = 0; i <= l; i++) /* alerts print "value set": no blanks */
        clean[i] = (i < l && ((unsigned char)set[i] <= 0x20)) ? '_' : set[i];
    for (unsigned i = 0; i < rs->n_sets; i++)
        if (strcmp(rs->set_names[i], clean) == 0) {
            *out = i;
            return MM_OK;
        }
    if (rs->n_sets == MM_IOC_SETS_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "more than %u indicator sets", MM_IOC_SETS_MAX);
    if (!(rs->set_names[rs->n_sets] = strdup(clean)))
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    *out = rs->n_sets++;
    return MM_OK;
}

mm_rc mm_ruleset_add_ioc_text(mm_ruleset *rs, const char *set,
                              const char *name, const char *text, size_t len,
                              mm_err *err)
{
    if (!name)
        name = "<indicators>";
    if (rs->compiled)
        return mm_err_set(err, MM_EINVAL, name, 0, "ruleset already compiled");
    unsigned si = 0;
    mm_rc rc = set_index(rs, set ? set : "ioc", &si, err, name);
    if (rc != MM_OK)
        return rc;
    /* Nothing is added when a line is bad: remember the sizes to roll back
     * (IP entries are appended; domain entries are checked first). */
    size_t n4 = rs->ioc_ip.n4, n6 = rs->ioc_ip.n6;
    const char *p = text, *end = text + len;
    unsigned line = 0;
    /* Pass 0 adds addresses (rolled back on failure) and validates names;
     * pass 1, run only when there are names, adds them. A domain add can
     * only fail on memory, after which the set stays consistent. */
    size_t domains = 0;
    for (int pass = 0; pass < 2; pass++) {
        p = text;
        line = 0;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
            const char *lp = p;
            p = nl ? nl + 1 : end;
            line++;
            if (ln > IOC_LINE_MAX) {
                rc = mm_err_set(err, MM_ELIMIT, name, line,
                                "line longer than %u bytes", IOC_LINE_MAX);
                goto fail;
            }
            const char *hash = memchr(lp, '#', ln);
            if (hash)
                ln = (size_t)(hash - lp);
            while (ln && (lp[ln - 1] == ' ' || lp[ln - 1] == '\t' ||
                          lp[ln - 1] == '\r'))
                ln--;
            while (ln && (*lp == ' ' || *lp == '\t'))
                lp++, ln--;
            if (!ln)
                continue;
            bool ipish = memchr(lp, ':', ln) != NULL;
            if (!ipish) {
                ipish = true;
                for (size_t i = 0; i < ln; i++)
                    if (!((lp[i] >= '0' && lp[i] <= '9') || lp[i] == '.' ||
                          lp[i] == '/'))
                        ipish = false;
            }
            const char *why = NULL;
            if (ipish && pass == 0) {
                mm_cidr c;
                if (mm_cidr_parse_why(lp, ln, &c, &why) != MM_OK) {
                    rc = mm_err_set(err, MM_EPARSE, name, line, "%s: '%.*s'",
                                    why, (int)(ln > 80 ? 80 : ln), lp);
                    goto fail;
                }
                if (mm_ipset_count(&rs->ioc_ip) + rs->ioc_dom.n >=
                    MM_IOC_MAX) {
                    rc = mm_err_set(err, MM_ELIMIT, name, line,
                                    "more than %u indicators", MM_IOC_MAX);
                    goto fail;
                }
                rc = mm_ipset_add(&rs->ioc_ip, &c.addr, c.bits, si);
                if (rc != MM_OK) {
                    mm_err_set(err, rc, name, line, "out of memory");
                    goto fail;
                }
            } else if (!ipish && pass == 0) {
                if (!mm_domain_valid(lp, ln)) {
                    rc = mm_err_set(err, MM_EPARSE, name, line,
                                    "not an IP address, CIDR or domain name: "
                                    "'%.*s'",
                                    (int)(ln > 80 ? 80 : ln), lp);
                    goto fail;
                }
                domains++;
            } else if (!ipish) {
                if (mm_ipset_count(&rs->ioc_ip) + rs->ioc_dom.n >=
                    MM_IOC_MAX) {
                    rc = mm_err_set(err, MM_ELIMIT, name, line,
                                    "more than %u indicators", MM_IOC_MAX);
                    goto fail;
                }
                rc = mm_domainset_add(&rs->ioc_dom, lp, ln, si, &why);
                if (rc != MM_OK) {
                    mm_err_set(err, rc, name, line, "out of memory");
                    goto fail;
                }
            }
        }
        if (!domains)
            break;
    }
    return MM_OK;
fail:
    rs->ioc_ip.n4 = n4;
    rs->ioc_ip.n6 = n6;
    return rc;
}

mm_rc mm_ruleset_add_ioc_file(mm_ruleset *rs, const char *path, mm_err *err)
{
    char *text;
    size_t len;
    mm_rc rc = mm_file_read(path, IOC_FILE_MAX, &text, &len, err);
    if (rc != MM_OK)
        return rc;
    /* Set name: the file's base name without its extension. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char set[61];
    snprintf(set, sizeof set, "%s", base);
    char *dot = strrchr(set, '.');
    if (dot && dot != set)
        *dot = '\0';
    if (!set[0])
        snprintf(set, sizeof set, "ioc");
    rc = mm_ruleset_add_ioc_text(rs, set, path, text, len, err);
    free(text);
    return rc;
}

mm_rc mm_ruleset_add_allow(mm_ruleset *rs, const char *cidr, mm_err *err)
{
    if (rs->compiled)
        return mm_err_set(err, MM_EINVAL, "<allow>", 0,
                          "ruleset already compiled");
    mm_cidr c;
    const char *why = NULL;
    size_t l = strlen(cidr);
    if (mm_cidr_parse_why(cidr, l, &c, &why) != MM_OK)
        return mm_err_set(err, MM_EINVAL, "<allow>", 0, "%s: '%.*s'", why,
                          (int)(l > 80 ? 80 : l), cidr);
    if (mm_ipset_count(&rs->allow) >= MM_ALLOW_MAX)
        return mm_err_set(err, MM_ELIMIT, "<allow>", 0,
                          "more than %u allowlist entries", MM_ALLOW_MAX);
    mm_rc rc = mm_ipset_add(&rs->allow, &c.addr, c.bits, 0);
    if (rc != MM_OK)
        return mm_err_set(err, rc, "<allow>", 0, "out of memory");
    return MM_OK;
}

static uint64_t action_mask(const mm_filter *f)
{
    return f->actions ? f->actions : ((UINT64_C(1) << MM_ACT_COUNT) - 1);
}

static bool admits_service(const mm_filter *f, unsigned svc)
{
    return !f->services || (f->services >> svc & 1u);
}

/* by_action[a] narrowed to the rules that can match service `svc` (a
 * sequence when either of its filters can). A superset of what matches:
 * the detector still tests every filter. */
static mm_rc narrow_by_service(mm_ruleset *rs, unsigned a, unsigned svc,
                               mm_err *err)
{
    unsigned n = 0, all = rs->n_by_action[a];
    uint16_t *list = malloc((all ? all : 1) * sizeof *list);
    if (!list)
        return mm_err_set(err, MM_ENOMEM, "<ruleset>", 0, "out of memory");
    for (unsigned i = 0; i < all; i++) {
        const mm_rule *r = &rs->rules[rs->by_action[a][i]];
        if (admits_service(&r->match, svc) ||
            (r->kind == MM_KIND_SEQUENCE && admits_service(&r->then, svc)))
            list[n++] = rs->by_action[a][i];
    }
    rs->by_action_svc[a][svc] = list;
    rs->n_by_action_svc[a][svc] = n;
    return MM_OK;
}

mm_rc mm_ruleset_compile(mm_ruleset *rs, mm_err *err)
{
    if (rs->compiled)
        return MM_OK;
    mm_rc rc;
    /* Rules per action, in file order. */
    for (unsigned a = 0; a < MM_ACT_COUNT; a++) {
        unsigned n = 0;
        uint16_t *list =
            malloc((rs->n_rules ? rs->n_rules : 1) * sizeof *list);
        if (!list)
            return mm_err_set(err, MM_ENOMEM, "<ruleset>", 0, "out of memory");
        for (unsigned i = 0; i < rs->n_rules; i++) {
            const mm_rule *r = &rs->rules[i];
            if (r->kind != MM_KIND_THRESHOLD && r->kind != MM_KIND_DISTINCT &&
                r->kind != MM_KIND_SEQUENCE)
                continue;
            uint64_t m = action_mask(&r->match);
            if (r->kind == MM_KIND_SEQUENCE)
                m |= action_mask(&r->then);
            if (m & (UINT64_C(1) << a))
                list[n++] = (uint16_t)i;
        }
        rs->by_action[a] = list;
        rs->n_by_action[a] = n;
        for (unsigned v = 0; v < MM_SVC_COUNT; v++) {
            rc = narrow_by_service(rs, a, v, err);
            if (rc != MM_OK)
                return rc;
        }
    }
    /* ioc rules */
    rs->ioc_rules =
        malloc((rs->n_rules ? rs->n_rules : 1) * sizeof *rs->ioc_rules);
    if (!rs->ioc_rules)
        return mm_err_set(err, MM_ENOMEM, "<ruleset>", 0, "out of memory");
    for (unsigned i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].kind == MM_KIND_IOC)
            rs->ioc_rules[rs->n_ioc_rules++] = (uint16_t)i;
    /* Signatures: fields per dataset, one database. */
    unsigned np = 0;
    for (unsigned i = 0; i < rs->n_rules; i++) {
        const mm_rule *r = &rs->rules[i];
        if (r->kind != MM_KIND_SIGNATURE)
            continue;
        rs->n_signatures++;
        np += r->n_patterns;
        for (unsigned d = 1; d < MM_DS_COUNT; d++)
            if (!r->match.datasets || (r->match.datasets & (UINT64_C(1) << d)))
                rs->sig_fields[d] |= r->fields;
    }
    if (np > MM_PATTERNS_MAX)
        return mm_err_set(err, MM_ELIMIT, "<ruleset>", 0,
                          "more than %u signature patterns", MM_PATTERNS_MAX);
    if (np) {
        const char **exprs = malloc(np * sizeof *exprs);
        unsigned *flags = malloc(np * sizeof *flags);
        unsigned *ids = malloc(np * sizeof *ids);
        unsigned *where = malloc(np * sizeof *where);
        rs->pattern_rule = malloc(np * sizeof *rs->pattern_rule);
        if (!exprs || !flags || !ids || !where || !rs->pattern_rule) {
            free(exprs), free(flags), free(ids), free(where);
            return mm_err_set(err, MM_ENOMEM, "<ruleset>", 0, "out of memory");
        }
        unsigned k = 0;
        for (unsigned i = 0; i < rs->n_rules; i++) {
            const mm_rule *r = &rs->rules[i];
            if (r->kind != MM_KIND_SIGNATURE)
                continue;
            for (unsigned j = 0; j < r->n_patterns; j++, k++) {
                exprs[k] = r->patterns[j];
                flags[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
                ids[k] = k;
                where[k] = r->pattern_lines[j];
                rs->pattern_rule[k] = (uint16_t)i;
            }
        }
        /* One database per scanned field, holding the patterns of every
         * signature rule that scans it: a user agent is not searched for
         * SQL injection. Pattern ids are global, so one id maps to its rule
         * whatever the database. */
        static const mm_field scan_fields[] = {MM_F_URL,      MM_F_UA,
                                               MM_F_REFERRER, MM_F_MESSAGE,
                                               MM_F_EXE,      MM_F_GROUP};
        const char **sx = malloc(np * sizeof *sx);
        unsigned *sf = malloc(np * sizeof *sf), *si = malloc(np * sizeof *si);
        rc = MM_OK;
        if (!sx || !sf || !si)
            rc = mm_err_set(err, MM_ENOMEM, "<ruleset>", 0, "out of memory");
        for (size_t fi = 0;
             rc == MM_OK && fi < sizeof scan_fields / sizeof *scan_fields;
             fi++) {
            mm_field f = scan_fields[fi];
            unsigned m = 0;
            for (unsigned x = 0; x < np; x++)
                if (rs->rules[rs->pattern_rule[x]].fields & (1u << f)) {
                    sx[m] = exprs[x];
                    sf[m] = flags[x];
                    si[m] = ids[x];
                    m++;
                }
            if (!m)
                continue;
            hs_compile_error_t *cerr = NULL;
            if (hs_compile_multi(sx, sf, si, m, HS_MODE_BLOCK, NULL,
                                 &rs->db_field[f], &cerr) == HS_SUCCESS)
                continue;
            int e = cerr ? cerr->expression : -1;
            if (e >= 0 && (unsigned)e < m) {
                const mm_rule *r = &rs->rules[rs->pattern_rule[si[e]]];
                rc = mm_err_set(err, MM_EPARSE, r->file, where[si[e]],
                                "pattern rejected by Hyperscan: %s",
                                cerr->message);
            } else {
                rc = mm_err_set(err, MM_EINTERNAL, "<ruleset>", 0,
                                "Hyperscan compile failed: %s",
                                cerr && cerr->message ? cerr->message : "?");
            }
            hs_free_compile_error(cerr);
            rs->db_field[f] = NULL;
        }
        free(sx), free(sf), free(si);
        if (rc != MM_OK) {
            free(exprs), free(flags), free(ids), free(where);
            return rc;
        }
        free(exprs), free(flags), free(ids), free(where);
        rs->n_patterns = np;
    }
    if ((rc = mm_ipset_build(&rs->ioc_ip)) != MM_OK ||
        (rc = mm_ipset_build(&rs->allow)) != MM_OK)
        return mm_err_set(err, rc, "<ruleset>", 0, "out of memory");
    rs->compiled = true;
#ifdef __GLIBC__
    /* The Hyperscan compiler's scratch heap is free now; give it back so a
     * long-running sensor does not carry it (compile runs once per load). */
    malloc_trim(0);
#endif
    return MM_OK;
}

void mm_ruleset_get_info(const mm_ruleset *rs, mm_ruleset_info *info)
{
    memset(info, 0, sizeof *info);
    info->rules = rs->n_rules;
    for (unsigned i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].kind == MM_KIND_SIGNATURE)
            info->signatures++;
    info->ioc_ips = mm_ipset_count(&rs->ioc_ip);
    info->ioc_domains = rs->ioc_dom.n;
    info->allow = mm_ipset_count(&rs->allow);
}
