/*
 * problem: RFC 9457 problem details; see problem.h.
 */
#include "problem.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

const char *problem_status_title(unsigned status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

json_t *problem_body(unsigned status, const char *code, const char *title, const char *detail,
                     const char *instance, json_t *errors)
{
    json_t *o = json_object();
    char type[128];
    snprintf(type, sizeof type, "/problems/%s", code ? code : "error");
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "title", json_string(title ? title : problem_status_title(status)));
    json_object_set_new(o, "status", json_integer(status));
    json_object_set_new(o, "detail", json_string(detail ? detail : ""));
    json_object_set_new(o, "code", json_string(code ? code : "error"));
    if (instance)
        json_object_set_new(o, "request_id", json_string(instance));
    if (errors)
        json_object_set_new(o, "errors", errors);
    return o;
}

void problem_send_errors(http_request *req, unsigned status, const char *code,
                         const char *title, const char *detail, json_t *errors)
{
    json_t *body = problem_body(status, code, title, detail, req->request_id, errors);
    char *text = jsonw_dumps(body, NULL);
    json_decref(body);
    http_reply_owned(req, status, "application/problem+json", text, text ? strlen(text) : 0);
}

void problem_send(http_request *req, unsigned status, const char *code, const char *title,
                  const char *detail)
{
    problem_send_errors(req, status, code, title, detail, NULL);
}

void problem_field(json_t *errors, const char *field, const char *reason)
{
    json_t *e = json_object();
    json_object_set_new(e, "field", json_string(field));
    json_object_set_new(e, "reason", json_string(reason));
    json_array_append_new(errors, e);
}
