/* SPDX-License-Identifier: Apache-2.0 */
/* access.c — the one access decision of the console API: role × resource ×
 * the caller's relation to the tenant that owns it. Every console route
 * asks mm_hub_access before it reads or writes; tests/unit/
 * test-hub-console.c walks the whole table. */
#include "hub-int.h"

#include <string.h>

static const char *const rel_names[] = {"none", "self", "provider", "buyer"};

const char *mm_hub_relation_name(mm_hub_relation r)
{
    return (unsigned)r <= MM_REL_BUYER ? rel_names[r] : "none";
}

mm_hub_relation mm_hub_relation_of(mm_hub_role role, const char *actor_tenant,
                                   const char *target,
                                   const mm_hub_relations *rel)
{
    if (!target || !actor_tenant)
        return MM_REL_NONE;
    if (strcmp(actor_tenant, target) == 0)
        return MM_REL_SELF;
    if (role == MM_ROLE_PROVIDER && rel && rel->provides &&
        rel->provides(rel->ud, actor_tenant, target))
        return MM_REL_PROVIDER;
    if (role == MM_ROLE_BUYER && rel && rel->supplies &&
        rel->supplies(rel->ud, target, actor_tenant))
        return MM_REL_BUYER;
    return MM_REL_NONE;
}

/* Bit per resource. */
#define R(x) (1u << (x))
/* Everything that belongs to one tenant. */
#define TENANT_ALL                                                            \
    (R(MM_RES_TENANT) | R(MM_RES_ALERTS) | R(MM_RES_ALERT_WRITE) |            \
     R(MM_RES_CASES) | R(MM_RES_CASE_WRITE) | R(MM_RES_SUMMARY) |             \
     R(MM_RES_WARNINGS) | R(MM_RES_SCS))
/* Hub-wide resources (no owning tenant). */
#define HUB_WIDE                                                              \
    (R(MM_RES_CAMPAIGNS) | R(MM_RES_GRAPH) | R(MM_RES_ESCALATIONS) |          \
     R(MM_RES_USERS))

/* What each relation lets a role see of a tenant's resources; the table
 * is the policy (docs/api.md "Access"). */
static const unsigned tenant_rules[MM_ROLE_COUNT][MM_REL_BUYER + 1] = {
    /* the ★ self-assessment: the SME answers, its provider only looks */
    [MM_ROLE_SME] = {[MM_REL_SELF] = TENANT_ALL | R(MM_RES_SCS_SELF) |
                                     R(MM_RES_SCS_ANSWER) | R(MM_RES_ASM)},
    /* the outside-in self-check: the SME and its provider, nobody else */
    [MM_ROLE_PROVIDER] = {[MM_REL_SELF] = TENANT_ALL,
                          [MM_REL_PROVIDER] =
                              TENANT_ALL | R(MM_RES_SCS_SELF) | R(MM_RES_ASM)},
    /* a buyer sees of its suppliers warnings and ★ only, never events */
    [MM_ROLE_BUYER] = {[MM_REL_SELF] = TENANT_ALL | R(MM_RES_SUPPLIERS),
                       [MM_REL_BUYER] = R(MM_RES_TENANT) | R(MM_RES_WARNINGS) |
                                        R(MM_RES_SCS)},
    /* the coordinator works on de-identified hub-wide views: its own
     * tenant only, no other tenant's alerts */
    [MM_ROLE_COORDINATOR] = {[MM_REL_SELF] =
                                 R(MM_RES_TENANT) | R(MM_RES_WARNINGS)},
};

static const unsigned hub_rules[MM_ROLE_COUNT] = {
    [MM_ROLE_COORDINATOR] =
        R(MM_RES_CAMPAIGNS) | R(MM_RES_GRAPH) | R(MM_RES_ESCALATIONS),
    [MM_ROLE_ADMIN] = HUB_WIDE,
};

mm_hub_decision mm_hub_access(mm_hub_role role, const char *actor_tenant,
                              mm_hub_res res, const char *target,
                              const mm_hub_relations *rel)
{
    if ((unsigned)role >= MM_ROLE_COUNT || (unsigned)res >= MM_RES_COUNT)
        return MM_ACCESS_FORBIDDEN;
    if (role == MM_ROLE_ADMIN)
        return MM_ACCESS_ALLOW;
    unsigned bit = R(res);
    if (bit & HUB_WIDE)
        return (hub_rules[role] & bit) ? MM_ACCESS_ALLOW : MM_ACCESS_FORBIDDEN;
    if (!target)
        return MM_ACCESS_FORBIDDEN; /* a tenant resource needs its tenant */
    mm_hub_relation r = mm_hub_relation_of(role, actor_tenant, target, rel);
    if (r == MM_REL_NONE)
        return MM_ACCESS_NOT_FOUND; /* never reveal that it exists */
    return (tenant_rules[role][r] & bit) ? MM_ACCESS_ALLOW
                                         : MM_ACCESS_FORBIDDEN;
}
