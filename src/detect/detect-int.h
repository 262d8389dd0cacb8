/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect-int.h — private structures of the detect module, shared by its
 * .c files only (rules.c, ruleset.c, ipset.c, domainset.c, window.c,
 * detector.c, alert.c). Nothing outside src/detect includes this.
 */
#ifndef MM_DETECT_INT_H
#define MM_DETECT_INT_H

#include "detect.h"

#include <hs.h>

/* ---- limits (value, and the threat each guards) ------------------------ */

#define MM_RULE_LINE_MAX MM_FIELD_MAX /* longest rule-file line (memory) */
#define MM_RULES_MAX 4096u            /* rules per ruleset (compile time) */
#define MM_RULE_ID_MAX 63u            /* rule id length */
#define MM_PATTERN_MAX 1024u          /* one pattern's length (compile) */
#define MM_PATTERNS_PER_RULE 64u
#define MM_PATTERNS_MAX 8192u       /* all signature patterns */
#define MM_RANGES_MAX 16u           /* ranges in one numeric condition */
#define MM_SLOTS_BIG 32u            /* slots in an extended window */
#define MM_COUNT_MAX 1000000u       /* threshold count */
#define MM_WINDOW_MAX_S (7 * 86400) /* longest window / suppression */
#define MM_IOC_SETS_MAX 255u        /* named indicator sets */
#define MM_IOC_MAX 20000000u        /* indicators over all sets */
#define MM_ALLOW_MAX 1000000u
#define MM_OPEN_ALERTS_MAX                                                    \
    262144u                   /* alerts aggregated at once (~0.3 KB each) */
#define MM_URL_SCAN_MAX 8192u /* bytes of url.original scanned */

/* ---- large arrays (bigmem.c) ------------------------------------------ */

/* Grows or shrinks an mmap'd array (p NULL or old_size 0: a new one); new
 * bytes are zero. NULL when out of memory (the old array stays valid). */
void *mm_big_realloc(void *p, size_t old_size, size_t new_size);
void mm_big_free(void *p, size_t size);
/* Doubles the array *p of *cap elements of `stride` bytes (`first` when
 * empty, never above `max` unless max is 0); false when out of memory. */
bool mm_big_grow(void **p, size_t *cap, size_t stride, size_t first,
                 size_t max);

/* ---- rules ---------------------------------------------------------------
 */

typedef enum mm_rule_kind {
    MM_KIND_THRESHOLD = 0,
    MM_KIND_DISTINCT,
    MM_KIND_SEQUENCE,
    MM_KIND_SIGNATURE,
    MM_KIND_IOC,
    MM_KIND_COUNT
} mm_rule_kind;

/* Fields a rule can name (filters, keys, distinct values, scanned text). */
typedef enum mm_field {
    MM_F_NONE = 0,
    MM_F_DATASET,
    MM_F_CATEGORY,
    MM_F_ACTION,
    MM_F_OUTCOME,
    MM_F_STATUS,
    MM_F_DST_PORT,
    MM_F_SRC_IP,
    MM_F_DST_IP,
    MM_F_USER,
    MM_F_URL,      /* url.original: path '?' query */
    MM_F_UA,       /* user_agent.original */
    MM_F_REFERRER, /* http.request.referrer */
    MM_F_MESSAGE,
    MM_F_SRC_DOMAIN,
    MM_F_DST_DOMAIN,
    MM_F_SERVICE, /* service.type (filter only) */
    MM_F_EXE,     /* process.executable (signature) */
    MM_F_GROUP,   /* group.name (signature) */
    MM_F_HOST,    /* host.name (key) */
    MM_F_COUNT
} mm_field;

typedef struct mm_range {
    uint32_t lo, hi;
} mm_range;

/* A filter: every present condition must hold (AND); each condition is a
 * set of allowed values (OR). Enum conditions are bit masks. */
typedef struct mm_filter {
    uint64_t datasets;   /* 0 = any */
    uint64_t categories; /* 0 = any */
    uint64_t actions;    /* 0 = any */
    uint64_t outcomes;   /* 0 = any */
    uint64_t services;   /* 0 = any */
    unsigned n_status;
    mm_range status[MM_RANGES_MAX];
    unsigned n_port;
    mm_range port[MM_RANGES_MAX];
} mm_filter;

typedef struct mm_rule {
    char id[MM_RULE_ID_MAX + 1];
    uint64_t id_hash; /* seeded hash of id, stable for a process */
    mm_rule_kind kind;
    mm_severity severity;
    char *category;        /* optional rule.category */
    char *techniques;      /* threat.technique.id list, comma-separated */
    char *vulnerabilities; /* vulnerability.id list, comma-separated */
    char *title_ja, *title_en, *advice_ja, *advice_en;
    char *file; /* where it was defined, for compile errors */
    unsigned line;
    mm_filter match;     /* filter A */
    mm_filter then;      /* sequence: filter B */
    mm_field key;        /* MM_F_SRC_IP, MM_F_DST_IP or MM_F_USER */
    uint8_t key_prefix4; /* source.ip/N: 32 = whole address */
    uint8_t key_prefix6;
    mm_field distinct; /* distinct: counted field */
    uint32_t count;
    uint32_t window_s;
    uint32_t suppress_s;
    uint32_t quantum_s; /* slot width: 1 s, or coarser when count > slots */
    uint32_t fields;    /* signature / ioc: bit per mm_field scanned */
    unsigned n_patterns;
    char **patterns;
    unsigned *pattern_lines;
    char ioc_set[61]; /* ioc: only this indicator set ("" = any but state) */
} mm_rule;

/* ---- IP sets: sorted prefixes with parent links ------------------------ */

typedef struct mm_ip4 {
    uint32_t start;  /* network address, host order */
    uint32_t parent; /* index of the enclosing prefix, UINT32_MAX = none */
    uint8_t plen;
    uint8_t set;
    uint16_t pad;
} mm_ip4;

typedef struct mm_ip6 {
    uint64_t hi, lo; /* network address */
    uint32_t parent;
    uint8_t plen;
    uint8_t set;
    uint16_t pad;
} mm_ip6;

typedef struct mm_ipset {
    mm_ip4 *v4;
    size_t n4, cap4;
    mm_ip6 *v6;
    size_t n6, cap6;
    bool sorted;
} mm_ipset;

void mm_ipset_init(mm_ipset *s);
void mm_ipset_fini(mm_ipset *s);
/* Adds address `a` with prefix length `plen` (host bits cleared). */
mm_rc mm_ipset_add(mm_ipset *s, const mm_addr *a, unsigned plen, unsigned set);
/* Sorts, removes duplicates, links nested prefixes. */
mm_rc mm_ipset_build(mm_ipset *s);
size_t mm_ipset_count(const mm_ipset *s);
size_t mm_ipset_memory(const mm_ipset *s);
/* Most specific prefix holding `a`: true with its set, network, length. */
bool mm_ipset_lookup(const mm_ipset *s, const mm_addr *a, unsigned *set,
                     mm_addr *net, unsigned *plen);

/* ---- domain sets: hash set with suffix walk ---------------------------- */

typedef struct mm_dslot {
    uint64_t hash; /* 0 = empty */
    uint32_t off;  /* name in the pool */
    uint16_t len;
    uint8_t set;
    uint8_t pad;
} mm_dslot;

typedef struct mm_domainset {
    mm_dslot *slots;
    size_t cap, n;
    char *pool;
    size_t pool_len, pool_cap;
    uint64_t seed;
} mm_domainset;

void mm_domainset_init(mm_domainset *s, uint64_t seed);
void mm_domainset_fini(mm_domainset *s);
/* True when `name` is a domain name the set accepts. */
bool mm_domain_valid(const char *name, size_t len);
/* Adds a lower-cased, validated name; MM_EPARSE with `why` if not a name. */
mm_rc mm_domainset_add(mm_domainset *s, const char *name, size_t len,
                       unsigned set, const char **why);
/* Looks `name` and each parent domain up; returns the matched suffix
 * (into `out`, NUL-terminated) and its set. */
bool mm_domainset_lookup(const mm_domainset *s, const char *name, size_t len,
                         unsigned *set, char *out, size_t outlen);
size_t mm_domainset_memory(const mm_domainset *s);

/* ---- ruleset -------------------------------------------------------------
 */

struct mm_ruleset {
    mm_rule *rules;
    unsigned n_rules, cap_rules;
    uint64_t seed;
    char *set_names[MM_IOC_SETS_MAX];
    unsigned n_sets;
    mm_ipset ioc_ip;
    mm_domainset ioc_dom;
    mm_ipset allow;
    bool compiled;
    /* built by compile */
    uint16_t *by_action[MM_ACT_COUNT]; /* rule indexes per event.action */
    unsigned n_by_action[MM_ACT_COUNT];
    /* the same narrowed to the rules whose filters admit a service.type:
     * an sshd failure never visits the VPN, RDP or cloud rules */
    uint16_t *by_action_svc[MM_ACT_COUNT][MM_SVC_COUNT];
    unsigned n_by_action_svc[MM_ACT_COUNT][MM_SVC_COUNT];
    uint32_t sig_fields[MM_DS_COUNT];    /* fields scanned per dataset */
    hs_database_t *db_field[MM_F_COUNT]; /* per scanned field, or NULL */
    unsigned n_patterns;
    uint16_t *pattern_rule; /* pattern id -> rule index */
    uint16_t *ioc_rules;    /* rules of kind ioc */
    unsigned n_ioc_rules;
    unsigned n_signatures;
};

/* Default rule files compiled into the binary (generated at build time by
 * scripts/embed-rules into $(BUILD)/gen/default-rules.c). */
typedef struct mm_embedded_file {
    const char *name;
    const char *text;
    size_t len;
} mm_embedded_file;
extern const mm_embedded_file mm_default_rule_files[];
extern const size_t mm_default_rule_files_count;

void mm_rule_free(mm_rule *r);
const char *mm_field_name(mm_field f);
/* Index of rule `id` or -1. */
int mm_ruleset_find(const mm_ruleset *rs, const char *id);

/* ---- windows: one table for every (rule, key) --------------------------- */

typedef struct mm_win {
    uint64_t key;    /* mixed hash of rule id and key value; 0 = free */
    uint32_t last_s; /* log second of the last touch */
    uint16_t rule;   /* rule index in the current ruleset */
    uint8_t n;       /* slots in use */
    uint8_t flags;
    uint32_t big;   /* extension block + 1, 0 = inline slot only */
    uint32_t alert; /* open alert record + 1, 0 = none */
    uint32_t ts0;   /* inline slot: log second */
    uint32_t v0;    /* inline slot: count or value hash */
} mm_win;

typedef struct mm_winbig {
    uint32_t ts[MM_SLOTS_BIG];
    uint32_t v[MM_SLOTS_BIG];
} mm_winbig;

/* ---- dense-entry index shared by both counting tables (denseidx.c) ----
 * Entries live dense in an array whose element type starts with its
 * uint64_t key; this index of 32-bit slots (entry number + 1 in the low
 * MM_DIDX_BITS bits, 8 key bits above; linear probing, load <= 1/2)
 * finds them. */
#define MM_DIDX_BITS 24u
#define MM_DIDX_MASK ((1u << MM_DIDX_BITS) - 1u)
#define MM_DIDX_FP(key) ((uint32_t)((key) >> 56) << MM_DIDX_BITS)

typedef struct mm_didx {
    uint32_t *idx; /* 0 = empty */
    size_t mask;   /* idx size - 1 */
    size_t n, cap; /* entries in use and allocated in the dense array */
    size_t max;    /* cap on entries */
} mm_didx;

static inline size_t mm_didx_home(const mm_didx *x, uint64_t key)
{
    return (size_t)(key ^ (key >> 29)) & x->mask;
}
/* An empty index of 1024 slots; entries at most MM_DIDX_MASK - 1 (and
 * `max`). */
mm_rc mm_didx_init(mm_didx *x, size_t max);
/* Frees the index and the dense array `ents` of `stride`-byte entries. */
void mm_didx_fini(mm_didx *x, void *ents, size_t stride);
/* Bytes held by the index and the dense array. */
size_t mm_didx_memory(const mm_didx *x, size_t stride);
/* Slot holding entry number `ei` (whose key is `key`). */
size_t mm_didx_pos(const mm_didx *x, uint64_t key, size_t ei);
/* Puts entry `ei` with `key` in the first free slot from its home. */
void mm_didx_place(mm_didx *x, uint64_t key, size_t ei);
/* Replaces the index by one of `size` slots holding the n entries. */
mm_rc mm_didx_resize(mm_didx *x, size_t size, const void *ents, size_t stride,
                     size_t n);
/* Unlinks entry `ei` (backward-shift deletion) and moves the last entry
 * into its place, so the array stays dense. */
void mm_didx_remove(mm_didx *x, void *ents, size_t stride, size_t ei);
/* Appends a zeroed entry with `key` to the dense array *ents, growing the
 * array and the index as needed; NULL at the cap or when out of memory. */
void *mm_didx_add(mm_didx *x, void **ents, size_t stride, uint64_t key);

typedef struct mm_wintab {
    mm_didx ix;      /* also counts the entries (ix.n) */
    mm_win *ents;    /* dense entries */
    mm_winbig *bigs; /* extension blocks */
    uint32_t *big_free;
    size_t n_big, cap_big, n_big_free, cap_big_free;
    size_t cursor; /* expiry cursor into ents */
} mm_wintab;

mm_rc mm_wintab_init(mm_wintab *t, size_t max);
void mm_wintab_fini(mm_wintab *t);
/* Entry for (key, rule) or NULL. */
mm_win *mm_wintab_find(mm_wintab *t, uint64_t key, uint16_t rule);
/* Cache hints for a lookup of `key`: its first index slot, then (once the
 * slot is in cache) the entry it points to. */
void mm_wintab_prefetch_slot(const mm_wintab *t, uint64_t key);
void mm_wintab_prefetch_entry(const mm_wintab *t, uint64_t key);
/* Inserts a fresh entry (caller checked it is absent); NULL when the table
 * is at its cap (caller evicts first) or out of memory. */
mm_win *mm_wintab_insert(mm_wintab *t, uint64_t key, uint16_t rule);
/* Removes entry `e` (frees its extension block). Moves the last entry into
 * its place, so pointers into ents are invalid afterwards. */
void mm_wintab_remove(mm_wintab *t, mm_win *e);
/* Slot arrays of `e`; grows it to an extension block on demand. */
uint32_t *mm_win_ts(mm_wintab *t, mm_win *e);
uint32_t *mm_win_v(mm_wintab *t, mm_win *e);
unsigned mm_win_cap(const mm_win *e);
bool mm_win_grow(mm_wintab *t, mm_win *e);
/* Rebuilds the index after rule numbers or keys changed (reload). */
mm_rc mm_wintab_rehash(mm_wintab *t);
size_t mm_wintab_memory(const mm_wintab *t);

/* ---- first sightings: one compact record per key seen once (firstseen.c)
 * The only event so far of a key, for every counting rule that defers its
 * window until the key's second event: what filters test, and the value a
 * distinct rule on user.name counts. */
typedef struct mm_first {
    uint64_t key;    /* mixed hash of the key field and value; 0 = free */
    uint32_t ts;     /* log second of the event */
    uint32_t user_h; /* user.name hash as distinct rules count it, 0 = none */
    uint16_t status; /* http.response.status_code */
    uint16_t port;   /* destination.port */
    uint8_t dataset, category, action;
    uint8_t outcome_service; /* outcome in the low 4 bits, service above */
} mm_first;

typedef struct mm_fstab {
    mm_didx ix;     /* also counts the records (ix.n) */
    mm_first *ents; /* dense */
    size_t cursor;  /* expiry cursor into ents */
} mm_fstab;

mm_rc mm_fstab_init(mm_fstab *t, size_t max);
void mm_fstab_fini(mm_fstab *t);
mm_first *mm_fstab_find(const mm_fstab *t, uint64_t key);
void mm_fstab_prefetch_slot(const mm_fstab *t, uint64_t key);
/* Inserts a zeroed record for `key` (caller checked it is absent); NULL at
 * the cap or out of memory. */
mm_first *mm_fstab_insert(mm_fstab *t, uint64_t key);
/* Removes `e`; the last record moves into its place. */
void mm_fstab_remove(mm_fstab *t, mm_first *e);
size_t mm_fstab_memory(const mm_fstab *t);

#endif /* MM_DETECT_INT_H */
