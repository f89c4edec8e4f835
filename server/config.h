/*
 * config: the server's settings, read once from environment variables
 * (12-factor). See README.md for the list.
 */
#ifndef SAMSPIL_CONFIG_H
#define SAMSPIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "netset.h"

typedef struct app_config {
    const char *database_url;         /* application role */
    const char *database_migrate_url; /* owner role, for migrations */
    const char *database_replica_url; /* a streaming standby for reports, or NULL */
    unsigned replica_max_lag_s;       /* further behind than this, reports read the primary */
    const char *jwt_secret;
    size_t jwt_secret_len;
    const char *jwt_issuer;
    const char *jwt_audience;
    long jwt_ttl_seconds;
    long idle_logout_seconds;         /* the browser app logs out after this long unused */
    const char *oidc_issuer;          /* NULL: no external identity provider */
    const char *oidc_audience;
    char *oidc_public_pem;            /* read from OIDC_PUBLIC_KEY_FILE */
    size_t oidc_public_pem_len;
    const char *bind_address;
    unsigned short port;
    const char *public_origin;        /* scheme://host[:port] browsers use */
    bool cookie_secure;
    unsigned worker_threads;
    unsigned db_pool_size;
    size_t max_body_bytes;
    const char *migrations_dir;
    const char *static_dir;
    unsigned rate_limit_per_minute;
    unsigned caseload_cache_mb;       /* rendered caseload pages kept; 0: none */
    unsigned audit_batch_max;         /* requests' list-read audit rows per transaction; 0: off */
    unsigned login_max_failures;      /* per account and address, 15 minutes */
    unsigned login_max_failures_per_address; /* per address, any account */
    bool keep_alive;                  /* KEEP_ALIVE=1: more than one request per connection */
    unsigned header_timeout_s;        /* a request head must be whole within this */
    unsigned drain_seconds;           /* after SIGTERM: /readyz 503 this long before stopping */
    const char *smtp_url;
    netset *trusted_proxies;          /* TRUSTED_PROXIES: peers whose X-Forwarded-For counts */
} app_config;

/* Reads the environment into *cfg. Returns false and prints every problem when a
 * value is missing or malformed; require_secret is false for subcommands that
 * do not serve (migrate, hash-password). */
bool config_load(app_config *cfg, bool require_secret);
void config_free(app_config *cfg);

#endif
