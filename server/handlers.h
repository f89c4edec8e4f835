/*
 * handlers: every route handler and each resource's statement registration,
 * declared in one place for the route table. One file per resource defines them.
 */
#ifndef SAMSPIL_HANDLERS_H
#define SAMSPIL_HANDLERS_H

#include "http.h"

/* auth.c */
void auth_register(void);
bool auth_authenticate(http_request *req);
/* Whether the request carries the session cookie and no bearer token. */
bool auth_by_cookie(http_request *req);
void auth_login(http_request *req);
void auth_logout(http_request *req);
void auth_me(http_request *req);
/* A local account, as the log-in sees it. */
typedef struct auth_account {
    bool found, active;
    char id[40], name[201], role[32], org_id[40];
    long sv; /* session version */
} auth_account;
/* Looks up the account of an e-mail address (compared as the database lower-cases it).
 * false when the database failed (a problem reply is set). */
bool auth_find_account(http_request *req, const char *email, auth_account *out);
/* Issues the session token for an active account and sets the session cookie. */
bool auth_start_session(http_request *req, const auth_account *a);

/* oidc_login.c: log-in with an organisation's OpenID provider */
bool oidc_login_init(void);     /* reads OIDC_PROVIDERS etc.; false (printed) when invalid */
void oidc_login_shutdown(void);
void oidc_login_register(void);
bool oidc_password_login_allowed(const char *org_id);
/* After a provider log-in: the provider's end-session URL for the log-out (and the cookie
 * that remembered it cleared), else NULL. Arena string. */
const char *oidc_logout_redirect(http_request *req);
void oidc_providers_list(http_request *req);
void oidc_login_start(http_request *req);
void oidc_login_callback(http_request *req);

/* organizations.c */
void organizations_register(void);
void organizations_list(http_request *req);
void organizations_create(http_request *req);
void organizations_get(http_request *req);

/* users.c */
void users_register(void);
void users_list(http_request *req);
void users_create(http_request *req);
void users_get(http_request *req);
void users_update(http_request *req);
void users_colleagues(http_request *req);

/* residents.c */
void residents_register(void);
void residents_list(http_request *req);
/* The caseload cache's figures for /metrics, appended to buf. */
void residents_cache_metrics(char *buf, size_t len);

/* audit_batch.c: the writer of list reads' audit rows by group commit (AUDIT_BATCH_MAX). */
void audit_batch_register_statements(void);
/* Starts the writer on its own connection to conninfo; true also when max is 0 (off). */
bool audit_batch_start(const char *conninfo, unsigned max);
/* Writes what is queued and stops the writer. */
void audit_batch_stop(void);
void audit_batch_metrics(char *buf, size_t len);
void residents_get(http_request *req);

/* audit.c */
void audit_register(void);
void audit_list(http_request *req);
void audit_summary(http_request *req);
void audit_denied(http_request *req, const char *resident_id);

/* health.c */
void health_register(void);
void health_live(http_request *req);
void health_ready(http_request *req);
void health_metrics(http_request *req);

/* static_files.c */
void static_serve(http_request *req);

/* app.c */
void app_register_app_statements(void);

extern const struct route_table kip_routes; /* kip.c */
extern const struct route_table reports_routes; /* reports.c */
extern const struct route_table meetings_routes; /* meetings.c */
extern const struct route_table monday_mail_routes; /* monday_mail.c */
extern const struct route_table admissions_routes; /* admissions.c */
extern const struct route_table residents_routes; /* residents.c */
extern const struct route_table consents_routes; /* consents.c */
extern const struct route_table conversations_routes; /* conversations.c */
extern const struct route_table agreements_routes; /* agreements.c */
extern const struct route_table fhir_routes; /* fhir.c */
/* fhir.c: makes the reply of a request under /fhir a FHIR one (application/fhir+json; a
 * problem becomes an OperationOutcome with the same status). */
void fhir_finish_reply(http_request *req);

#endif
