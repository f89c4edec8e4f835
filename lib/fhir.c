/*
 * fhir: FHIR R4 JSON building blocks; see fhir.h.
 */
#include "fhir.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

json_t *fhir_reference(const char *type, const char *id, const char *display)
{
    json_t *o = json_object();
    char ref[160];
    snprintf(ref, sizeof ref, "%s/%s", type, id);
    json_object_set_new(o, "reference", json_string(ref));
    if (display && *display)
        json_object_set_new(o, "display", json_string(display));
    return o;
}

json_t *fhir_coding(const char *system, const char *code, const char *display)
{
    json_t *o = json_pack("{s:s, s:s}", "system", system, "code", code);
    if (display && *display)
        json_object_set_new(o, "display", json_string(display));
    return o;
}

json_t *fhir_concept(const char *system, const char *code, const char *display,
                     const char *text)
{
    json_t *o = json_pack("{s:[o]}", "coding", fhir_coding(system, code, display));
    if (text && *text)
        json_object_set_new(o, "text", json_string(text));
    return o;
}

const char *fhir_issue_code(unsigned status)
{
    switch (status) {
    case 400: return "invalid";
    case 401: return "login";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "not-supported";
    case 406: return "not-supported";
    case 408: return "timeout";
    case 409: return "conflict";
    case 410: return "deleted";
    case 412: return "conflict";
    case 413: return "too-costly";
    case 415: return "not-supported";
    case 422: return "processing";
    case 429: return "throttled";
    case 503: return "transient";
    default: return status >= 500 ? "exception" : "processing";
    }
}

json_t *fhir_outcome_from_problem(const json_t *problem, unsigned status, const char *id)
{
    const char *code = json_string_value(json_object_get(problem, "type"));
    const char *detail = json_string_value(json_object_get(problem, "detail"));
    const char *title = json_string_value(json_object_get(problem, "title"));
    if (code && strncmp(code, "/problems/", 10) == 0)
        code += 10;
    json_t *details = json_object();
    if (code && *code)
        json_object_set_new(details, "coding",
                            json_pack("[o]", fhir_coding("urn:samspil:problem", code, title)));
    json_object_set_new(details, "text", json_string(title && *title ? title : "Error"));

    json_t *issues = json_array();
    const char *severity = status >= 500 ? "fatal" : "error";
    const json_t *errors = json_object_get(problem, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        json_t *issue = json_pack("{s:s, s:s, s:O}", "severity", severity, "code",
                                  fhir_issue_code(status), "details", details);
        char text[512];
        snprintf(text, sizeof text, "%s %s", field ? field : "", reason ? reason : "");
        json_object_set_new(issue, "diagnostics", json_string(text));
        if (field && *field)
            json_object_set_new(issue, "expression", json_pack("[s]", field));
        json_array_append_new(issues, issue);
    }
    if (json_array_size(issues) == 0) {
        json_t *issue = json_pack("{s:s, s:s, s:O}", "severity", severity, "code",
                                  fhir_issue_code(status), "details", details);
        if (detail && *detail)
            json_object_set_new(issue, "diagnostics", json_string(detail));
        json_array_append_new(issues, issue);
    }
    json_decref(details);
    json_t *o = json_pack("{s:s, s:o}", "resourceType", "OperationOutcome", "issue", issues);
    if (id && fhir_id_ok(id))
        json_object_set_new(o, "id", json_string(id));
    return o;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* YYYY, YYYY-MM or YYYY-MM-DD with a month 01-12 and a day 01-31. */
static bool date_part_ok(const char *v, size_t n)
{
    if (n != 4 && n != 7 && n != 10)
        return false;
    if (!digits(v, 4) || v[0] == '0')
        return false;
    if (n >= 7) {
        if (v[4] != '-' || !digits(v + 5, 2))
            return false;
        int m = (v[5] - '0') * 10 + (v[6] - '0');
        if (m < 1 || m > 12)
            return false;
    }
    if (n == 10) {
        if (v[7] != '-' || !digits(v + 8, 2))
            return false;
        int d = (v[8] - '0') * 10 + (v[9] - '0');
        if (d < 1 || d > 31)
            return false;
    }
    return true;
}

/* Thh:mm[:ss[.s+]](Z|+hh:mm|-hh:mm) after a full date. */
static bool time_part_ok(const char *t)
{
    if (t[0] != 'T' || !digits(t + 1, 2) || t[3] != ':' || !digits(t + 4, 2))
        return false;
    if ((t[1] - '0') * 10 + (t[2] - '0') > 23 || (t[4] - '0') * 10 + (t[5] - '0') > 59)
        return false;
    const char *p = t + 6;
    if (*p == ':') {
        if (!digits(p + 1, 2) || (p[1] - '0') * 10 + (p[2] - '0') > 59)
            return false;
        p += 3;
        if (*p == '.') {
            p++;
            size_t n = 0;
            while (isdigit((unsigned char)p[n]))
                n++;
            if (n == 0 || n > 9)
                return false;
            p += n;
        }
    }
    if (strcmp(p, "Z") == 0)
        return true;
    return (p[0] == '+' || p[0] == '-') && digits(p + 1, 2) && p[3] == ':' &&
           digits(p + 4, 2) && p[6] == '\0' && (p[1] - '0') * 10 + (p[2] - '0') <= 14 &&
           (p[4] - '0') * 10 + (p[5] - '0') <= 59;
}

bool fhir_date_param(const char *text, char prefix[3], char *value, size_t value_len)
{
    static const char *const prefixes[] = {"eq", "ne", "gt", "lt", "ge", "le"};
    if (!text)
        return false;
    snprintf(prefix, 3, "eq");
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(text, prefixes[i], 2) == 0) {
            snprintf(prefix, 3, "%s", prefixes[i]);
            text += 2;
            break;
        }
    size_t n = strlen(text);
    if (n == 0 || n >= value_len || n > 40)
        return false;
    /* a '+' of a time zone that the client did not encode arrives as a space */
    char buf[41];
    memcpy(buf, text, n + 1);
    if (n > 10)
        for (char *s = buf + 10; *s; s++)
            if (*s == ' ')
                *s = '+';
    text = buf;
    if (n <= 10) {
        if (!date_part_ok(text, n))
            return false;
    } else if (!date_part_ok(text, 10) || !time_part_ok(text + 10)) {
        return false;
    }
    memcpy(value, text, n + 1);
    return true;
}

bool fhir_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}
