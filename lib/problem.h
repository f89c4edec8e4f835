/*
 * problem: the one way an error leaves the server, as RFC 9457
 * application/problem+json with type, title, status, detail, the request id
 * and, for validation errors, errors: [{field, reason}]. Never SQL text or a
 * stack trace.
 */
#ifndef SAMSPIL_PROBLEM_H
#define SAMSPIL_PROBLEM_H

#include <jansson.h>

#include "http.h"

/* Sends a problem. code is a stable slug ("validation-failed"); it becomes the type URI
 * /problems/<code>. title defaults to the status's reason phrase when NULL. */
void problem_send(http_request *req, unsigned status, const char *code, const char *title,
                  const char *detail);
/* As problem_send, with errors (a JSON array; stolen, may be NULL). */
void problem_send_errors(http_request *req, unsigned status, const char *code,
                         const char *title, const char *detail, json_t *errors);
/* Appends {field, reason} to errors (an array, borrowed). */
void problem_field(json_t *errors, const char *field, const char *reason);
/* Builds the problem body (new reference); exposed for the unit tests. */
json_t *problem_body(unsigned status, const char *code, const char *title, const char *detail,
                     const char *instance, json_t *errors);
/* The reason phrase of a status code. */
const char *problem_status_title(unsigned status);

#endif
