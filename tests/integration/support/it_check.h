/*
 * it_check: Check assertions over it.h, so a failing assertion names the line of the test.
 */
#ifndef SAMSPIL_IT_CHECK_H
#define SAMSPIL_IT_CHECK_H

#include <check.h>

#include "it.h"

/* r is a problem+json response with this status and (unless NULL) code. */
#define IT_ASSERT_PROBLEM(r, st, code)                                                         \
    do {                                                                                       \
        char it_why_[256];                                                                     \
        ck_assert_msg(it_problem_ok((r), (st), (code), it_why_, sizeof it_why_),               \
                      "not the expected problem: %s; body: %.400s", it_why_, (r)->body);       \
    } while (0)

/* r has this status; the message shows the body when it has not. */
#define IT_ASSERT_STATUS(r, st)                                                                \
    ck_assert_msg((r)->status == (st), "status %ld, expected %d; body: %.400s", (r)->status,   \
                  (int)(st), (r)->body)

/* Runs the suite (each test forked; the server started in main() is shared), stops the
 * server and returns EXIT_SUCCESS only when every test passed and the server exited 0. */
int it_run_suite(Suite *s);

#endif
