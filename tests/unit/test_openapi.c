/*
 * test_openapi: openapi.yaml documents exactly the routes the server serves. Every route of
 * the core table and of every module (routes_foreach) appears under `paths` with its method
 * in lower case and its pattern as is; every documented path and method is a route (no
 * stale documentation); public routes (no roles) say `security: []` and the others do not;
 * and each operation's `x-roles` lists exactly the roles of the route's mask, and
 * `x-resident-data: true` marks exactly the routes whose refusals are audited.
 *
 * The document is found through SAMSPIL_SOURCE_DIR (set by tests/CMakeLists.txt) and
 * parsed with libyaml.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "app.h"
#include "routes.h"

#define MAX_ROUTES 512

typedef struct doc_op {
    char method[16]; /* lower case, as in the document */
    char path[256];
    yaml_node_t *node;
} doc_op;

typedef struct served {
    char method[16]; /* lower case */
    char path[256];
    unsigned roles;
    unsigned flags;
} served;

static yaml_document_t doc;
static bool doc_loaded;
static doc_op ops[MAX_ROUTES];
static size_t nops;
static served routes_seen[MAX_ROUTES];
static size_t nroutes;

static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {
    {"region_clinician", ROLE_REGION_CLINICIAN}, {"region_manager", ROLE_REGION_MANAGER},
    {"facility_staff", ROLE_FACILITY_STAFF},     {"facility_manager", ROLE_FACILITY_MANAGER},
    {"admin", ROLE_ADMIN},
};

static const char *const http_methods[] = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};

/* ---- libyaml helpers ---- */

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(yaml_document_get_node(&doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(&doc, p->value);
    }
    return NULL;
}

static bool is_http_method(const char *s)
{
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (strcmp(s, http_methods[i]) == 0)
            return true;
    return false;
}

/* ---- loading ---- */

static void collect_route(const route *r, void *cls)
{
    (void)cls;
    ck_assert_msg(nroutes < MAX_ROUTES, "more than %d routes", MAX_ROUTES);
    served *s = &routes_seen[nroutes++];
    size_t i = 0;
    for (; r->method[i] && i < sizeof s->method - 1; i++)
        s->method[i] = (char)tolower((unsigned char)r->method[i]);
    s->method[i] = '\0';
    snprintf(s->path, sizeof s->path, "%s", r->pattern);
    s->roles = r->roles;
    s->flags = r->flags;
}

static void setup(void)
{
    const char *dir = getenv("SAMSPIL_SOURCE_DIR");
    ck_assert_msg(dir && *dir, "SAMSPIL_SOURCE_DIR is not set (tests/CMakeLists.txt sets it)");
    char path[4096];
    snprintf(path, sizeof path, "%s/openapi.yaml", dir);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);

    yaml_parser_t parser;
    ck_assert(yaml_parser_initialize(&parser));
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &doc);
    char problem[512] = "";
    if (!ok)
        snprintf(problem, sizeof problem, "%s at line %zu, column %zu",
                 parser.problem ? parser.problem : "parse error", parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1);
    yaml_parser_delete(&parser);
    fclose(f);
    ck_assert_msg(ok, "%s is not valid YAML: %s", path, problem);
    doc_loaded = true;

    yaml_node_t *root = yaml_document_get_root_node(&doc);
    ck_assert_msg(root && root->type == YAML_MAPPING_NODE, "openapi.yaml is not a mapping");
    ck_assert_str_eq(scalar(map_get(root, "openapi")), "3.1.0");
    yaml_node_t *paths = map_get(root, "paths");
    ck_assert_msg(paths && paths->type == YAML_MAPPING_NODE, "openapi.yaml has no paths");

    nops = 0;
    for (yaml_node_pair_t *p = paths->data.mapping.pairs.start; p < paths->data.mapping.pairs.top;
         p++) {
        const char *path_key = scalar(yaml_document_get_node(&doc, p->key));
        yaml_node_t *item = yaml_document_get_node(&doc, p->value);
        ck_assert_msg(path_key && item && item->type == YAML_MAPPING_NODE,
                      "paths: every entry must be a path mapping");
        for (yaml_node_pair_t *q = item->data.mapping.pairs.start;
             q < item->data.mapping.pairs.top; q++) {
            const char *key = scalar(yaml_document_get_node(&doc, q->key));
            if (!key || !is_http_method(key))
                continue; /* parameters, summary, ... */
            ck_assert_msg(nops < MAX_ROUTES, "more than %d documented operations", MAX_ROUTES);
            doc_op *op = &ops[nops++];
            snprintf(op->method, sizeof op->method, "%s", key);
            snprintf(op->path, sizeof op->path, "%s", path_key);
            op->node = yaml_document_get_node(&doc, q->value);
        }
    }

    nroutes = 0;
    routes_foreach(collect_route, NULL);
}

static void teardown(void)
{
    if (doc_loaded)
        yaml_document_delete(&doc);
    doc_loaded = false;
}

static doc_op *find_op(const char *method, const char *path)
{
    for (size_t i = 0; i < nops; i++)
        if (strcmp(ops[i].method, method) == 0 && strcmp(ops[i].path, path) == 0)
            return &ops[i];
    return NULL;
}

static const served *find_route(const char *method, const char *path)
{
    for (size_t i = 0; i < nroutes; i++)
        if (strcmp(routes_seen[i].method, method) == 0 && strcmp(routes_seen[i].path, path) == 0)
            return &routes_seen[i];
    return NULL;
}

/* Appends "  METHOD path (why)\n" to a report buffer. */
static void report(char *buf, size_t len, size_t *count, const char *method, const char *path,
                   const char *why)
{
    size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, "\n  %s %s%s%s", method, path, why ? ": " : "",
                 why ? why : "");
    (*count)++;
}

/* ---- tests ---- */

START_TEST(routes_exist)
{
    /* a sanity check of routes_foreach itself: the core table and the modules */
    ck_assert_uint_gt(nroutes, 20);
    ck_assert_ptr_nonnull(find_route("get", "/healthz"));
    ck_assert_ptr_nonnull(find_route("post", "/api/auth/login"));
    ck_assert_ptr_nonnull(find_route("get", "/api/residents"));
    for (size_t i = 0; i < nroutes; i++)
        for (size_t j = i + 1; j < nroutes; j++)
            ck_assert_msg(strcmp(routes_seen[i].method, routes_seen[j].method) != 0 ||
                              strcmp(routes_seen[i].path, routes_seen[j].path) != 0,
                          "route %s %s is in the tables twice", routes_seen[i].method,
                          routes_seen[i].path);
}
END_TEST

START_TEST(every_route_is_documented)
{
    static char missing[16384];
    missing[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < nroutes; i++)
        if (!find_op(routes_seen[i].method, routes_seen[i].path))
            report(missing, sizeof missing, &n, routes_seen[i].method, routes_seen[i].path, NULL);
    ck_assert_msg(n == 0, "%zu route(s) missing from openapi.yaml (method under paths):%s", n,
                  missing);
}
END_TEST

START_TEST(every_documented_operation_is_a_route)
{
    static char stale[16384];
    stale[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < nops; i++)
        if (!find_route(ops[i].method, ops[i].path))
            report(stale, sizeof stale, &n, ops[i].method, ops[i].path, NULL);
    ck_assert_msg(n == 0, "%zu operation(s) in openapi.yaml that the server does not route:%s",
                  n, stale);
}
END_TEST

START_TEST(public_routes_and_only_they_have_empty_security)
{
    static char wrong[16384];
    wrong[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < nops; i++) {
        const served *r = find_route(ops[i].method, ops[i].path);
        if (!r)
            continue; /* reported by every_documented_operation_is_a_route */
        yaml_node_t *sec = map_get(ops[i].node, "security");
        bool empty = sec && sec->type == YAML_SEQUENCE_NODE &&
                     sec->data.sequence.items.start == sec->data.sequence.items.top;
        if (r->roles == 0 && !empty)
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path,
                   "public route without `security: []`");
        if (r->roles != 0 && empty)
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path,
                   "authenticated route marked `security: []`");
    }
    ck_assert_msg(n == 0, "%zu operation(s) with the wrong security:%s", n, wrong);
}
END_TEST

START_TEST(x_roles_match_the_route_table)
{
    static char wrong[16384];
    wrong[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < nops; i++) {
        const served *r = find_route(ops[i].method, ops[i].path);
        if (!r)
            continue;
        yaml_node_t *roles = map_get(ops[i].node, "x-roles");
        if (!roles || roles->type != YAML_SEQUENCE_NODE) {
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path,
                   "no `x-roles` list");
            continue;
        }
        unsigned documented = 0;
        bool unknown = false;
        for (yaml_node_item_t *it = roles->data.sequence.items.start;
             it < roles->data.sequence.items.top; it++) {
            const char *name = scalar(yaml_document_get_node(&doc, *it));
            unsigned bit = 0;
            for (size_t k = 0; name && k < sizeof role_names / sizeof role_names[0]; k++)
                if (strcmp(name, role_names[k].name) == 0)
                    bit = role_names[k].bit;
            if (!bit || (documented & bit))
                unknown = true;
            documented |= bit;
        }
        if (unknown)
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path,
                   "`x-roles` has an unknown or repeated role");
        else if (documented != r->roles) {
            char why[256] = "`x-roles` differs from the route's roles:";
            for (size_t k = 0; k < sizeof role_names / sizeof role_names[0]; k++)
                if (r->roles & role_names[k].bit) {
                    strncat(why, " ", sizeof why - strlen(why) - 1);
                    strncat(why, role_names[k].name, sizeof why - strlen(why) - 1);
                }
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path, why);
        }
    }
    ck_assert_msg(n == 0, "%zu operation(s) whose x-roles are wrong:%s", n, wrong);
}
END_TEST

START_TEST(x_resident_data_matches_the_route_flags)
{
    static char wrong[16384];
    wrong[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < nops; i++) {
        const served *r = find_route(ops[i].method, ops[i].path);
        if (!r)
            continue;
        const char *v = scalar(map_get(ops[i].node, "x-resident-data"));
        bool documented = v && strcmp(v, "true") == 0;
        bool flagged = (r->flags & ROUTE_RESIDENT_DATA) != 0;
        if (documented != flagged)
            report(wrong, sizeof wrong, &n, ops[i].method, ops[i].path,
                   flagged ? "route has ROUTE_RESIDENT_DATA: add `x-resident-data: true`"
                           : "route has no ROUTE_RESIDENT_DATA: drop `x-resident-data`");
    }
    ck_assert_msg(n == 0, "%zu operation(s) whose x-resident-data is wrong:%s", n, wrong);
}
END_TEST

static Suite *openapi_suite(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("routes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, routes_exist);
    tcase_add_test(tc, every_route_is_documented);
    tcase_add_test(tc, every_documented_operation_is_a_route);
    tcase_add_test(tc, public_routes_and_only_they_have_empty_security);
    tcase_add_test(tc, x_roles_match_the_route_table);
    tcase_add_test(tc, x_resident_data_matches_the_route_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(openapi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
