/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs.h — what the files of `mamori scs` share: the options of a
 * subcommand and the helpers that map status codes to exit codes and
 * write results (cmd-scs.c: catalogue, assess, dispatch; cmd-scs-sign.c:
 * keygen, confirm, verify). */
#ifndef MM_CMD_SCS_H
#define MM_CMD_SCS_H

#include "cli.h"
#include "core.h"
#include "scs.h"

#include <stddef.h>

typedef struct opts {
    const char *answers, *catalogue, *previous, *format, *lang, *out, *level;
    const char *assessment, *key, *expert_name, *registration_no, *date,
        *pubkey;
    const char *today;
    const char *tenant, *assessor_name, *assessor_id, *confirmed;
    const char *hub, *token, *cacert;
    const char *dir, *region, *industry, *theme;
    const char *evidence[MM_SCS_EVIDENCE_FILES_MAX];
    size_t n_evidence;
    const char *positional;
    int force;
    const char *expert, *message, *id, *reject; /* send, requests, reply */
} opts;

/* A row per option: the key is the offset of its slot in `opts`. */
#define VAL(name, field)                                                      \
    {                                                                         \
        name, NULL, (int)offsetof(opts, field), true, NULL                    \
    }
enum { K_FORCE = -2, K_EVIDENCE = -3 };
#define O_CATALOGUE VAL("--catalogue", catalogue)
#define O_FORMAT VAL("--format", format)
#define O_LANG VAL("--lang", lang)
#define O_OUT VAL("--out", out)

/* Exit code of a status: 1 for I/O and memory, 2 for input errors. */
int mm_cli_scs_rc_exit(mm_rc rc);
/* Prints err as "mamori scs: …"; returns mm_cli_scs_rc_exit(rc). */
int mm_cli_scs_report(const mm_err *err, mm_rc rc);
/* Parses a subcommand's options (tab; `file`: it takes one FILE) into o.
 * Returns -1 to go on, else the exit code. */
int mm_cli_scs_parse_opts(int argc, char **argv, const mm_cli_opt *tab,
                          bool file, opts *o);
/* --lang ja|en (NULL = ja); -1 to go on, else the exit code. */
int mm_cli_scs_lang(const char *s, mm_scs_lang *out);
/* Today's date (UTC) as YYYY-MM-DD. */
void mm_cli_scs_today(char out[11]);
/* Writes to --out (atomically, with `mode`) or stdout; an exit code. */
int mm_cli_scs_emit(const char *out, const mm_buf *b, unsigned mode);

/* Loads --catalogue (or the default); -1 to go on, else the exit code. */
int mm_cli_scs_load_catalogue(const char *given, mm_scs_catalogue **cat);

/* Fetches the calling tenant's evidence from a hub (GET
 * URL/api/v1/scs/evidence with the tenant's token; cmd-scs-hub.c). */
mm_rc mm_cli_scs_hub_evidence(const char *url, const char *token,
                              const char *cacert, mm_scs_evidence **out,
                              mm_err *err);

/* experts (cmd-scs-hub.c): the directory from a hub's registry. */
extern const mm_cli_opt mm_cli_scs_experts_opts[];
int mm_cli_scs_experts(opts *o);

/* interview (cmd-scs-interview.c): options and code. */
extern const mm_cli_opt mm_cli_scs_interview_opts[];
int mm_cli_scs_interview(opts *o);

/* keygen, confirm and verify (cmd-scs-sign.c): options and code. */
extern const mm_cli_opt mm_cli_scs_keygen_opts[];
extern const mm_cli_opt mm_cli_scs_confirm_opts[];
extern const mm_cli_opt mm_cli_scs_verify_opts[];
extern const mm_cli_opt mm_cli_scs_countersign_opts[];
int mm_cli_scs_keygen(opts *o);
int mm_cli_scs_confirm(opts *o);
int mm_cli_scs_verify(opts *o);
int mm_cli_scs_countersign(opts *o);

/* Reads a hex key from a file, or takes the argument itself when it is
 * hex (cmd-scs-sign.c); -1 to go on, else the exit code. */
int mm_cli_scs_read_key(const char *arg, size_t hexlen, char *out,
                        size_t outlen);
/* One request to a hub (cmd-scs-hub.c): METHOD URL+path with the header
 * line `auth` and the body (NULL = none) into b; *code gets the HTTP
 * status. MM_EIO when the hub cannot be reached. */
mm_rc mm_cli_scs_hub_call(const char *url, const char *path,
                          const char *method, const char *auth,
                          const char *body, size_t len, const char *cacert,
                          long *code, mm_buf *b, mm_err *err);
/* "Authorization: Bearer T" from --token or $MAMORI_TOKEN. */
mm_rc mm_cli_scs_bearer(const char *token, char *out, size_t n, mm_err *err);

/* send, requests, reply (cmd-scs-request.c): the assessment to an expert
 * through the hub, and the expert's answer. */
extern const mm_cli_opt mm_cli_scs_send_opts[], mm_cli_scs_requests_opts[],
    mm_cli_scs_reply_opts[];
int mm_cli_scs_send(opts *o), mm_cli_scs_requests(opts *o),
    mm_cli_scs_reply(opts *o);

#endif
