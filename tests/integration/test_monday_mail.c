/*
 * The Monday mail as its users meet it: Sofie at Botilbuddet Engen writes this week's
 * status on her residents, which F-ACT Slagelse cannot read until she sends it; sending
 * puts the residents asking for a talk on the next fixed visit's agenda and e-mails the
 * team's address a notification with a count and a link but no names; a notification that
 * cannot be sent leaves the mail unsent so she can try again; the team's inbox marks new
 * mails; the facility's report shows the weeks the agreed mail came late or not at all.
 *
 * The SMTP sink is Debian's python3-aiosmtpd, started by the tests on a free loopback port
 * that the server's SMTP_URL names (so "the SMTP server is down" is the sink not running).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_check.h"
#include "json.h"

#define RESIDENT_ENGEN_2 "40000000-0000-4000-8000-000000000002"
#define RESIDENT_ENGEN_3 "40000000-0000-4000-8000-000000000003"
#define NOTIFY_ADDRESS "mandagsmail@slagelse.test" /* the test agreement's */

static int smtp_port;
static char sink_file[256];

/* ---- the SMTP sink ---- */

static const char *const sink_script =
    "import signal, sys, time\n"
    "from aiosmtpd.controller import Controller\n"
    "class Sink:\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        with open(sys.argv[2], 'ab') as f:\n"
    "            f.write(('RCPT ' + ','.join(envelope.rcpt_tos) + '\\n').encode())\n"
    "            f.write(envelope.original_content or envelope.content)\n"
    "            f.write(b'\\n--END--\\n')\n"
    "        return '250 OK'\n"
    "c = Controller(Sink(), hostname='127.0.0.1', port=int(sys.argv[1]))\n"
    "c.start()\n"
    "signal.signal(signal.SIGTERM, lambda *a: (c.stop(), sys.exit(0)))\n"
    "while True:\n"
    "    time.sleep(1)\n";

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("free_port");
        exit(EXIT_FAILURE);
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static pid_t sink_start(void)
{
    unlink(sink_file);
    char port[16];
    snprintf(port, sizeof port, "%d", smtp_port);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/usr/bin/python3", "python3", "-c", sink_script, port, sink_file, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !port_open(smtp_port); i++) {
        int st;
        ck_assert_msg(waitpid(pid, &st, WNOHANG) == 0,
                      "the SMTP sink exited (is python3-aiosmtpd installed?)");
        usleep(50 * 1000);
    }
    ck_assert_msg(port_open(smtp_port), "the SMTP sink did not start");
    return pid;
}

static void sink_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
}

/* What the sink received (malloc'd, "" when nothing). */
static char *sink_read(void)
{
    FILE *f = fopen(sink_file, "rb");
    if (!f)
        return strdup("");
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ---- helpers ---- */

static void put_entry(const char *token, const char *resident, const char *week, bool talk,
                      const char *priority, const char *status, long want)
{
    char path[160], body[512];
    snprintf(path, sizeof path, "/api/residents/%s/monday-entries/%s", resident, week);
    snprintf(body, sizeof body, "{\"needs_talk\": %s, \"priority\": \"%s\", \"status_text\": \"%s\"}",
             talk ? "true" : "false", priority, status);
    it_response *r = it_request("PUT", path, token, body, NULL);
    IT_ASSERT_STATUS(r, want);
    it_response_free(r);
}

static it_response *get_mail(const char *token, const char *week, const char *accept)
{
    char path[160], hdr[64];
    snprintf(path, sizeof path, "/api/monday-mail?facility=" IT_FACILITY_ENGEN "&week=%s", week);
    snprintf(hdr, sizeof hdr, "Accept: %s", accept ? accept : "application/json");
    const char *h[] = {hdr, NULL};
    return it_request("GET", path, token, NULL, h);
}

static it_response *send_mail(const char *token, const char *week)
{
    char body[160];
    snprintf(body, sizeof body, "{\"facility\": \"" IT_FACILITY_ENGEN "\", \"week\": \"%s\"}",
             week);
    return it_request("POST", "/api/monday-mail/send", token, body, NULL);
}

/* A fixed visit at Engen on the Wednesday of week (owner; what the agreement would plan).
 * Returns its id (malloc'd). */
static char *fixed_visit_in(const char *week)
{
    PGconn *o = it_db_owner();
    const char *p[] = {IT_TEAM_SLAGELSE, IT_FACILITY_ENGEN, week};
    char *id = it_db_value_params(
        o,
        "INSERT INTO visits (team_id, facility_id, kind, starts_at, ends_at) "
        "SELECT $1::uuid, $2::uuid, 'fixed', (d + time '09:00') AT TIME ZONE 'Europe/Copenhagen', "
        "  (d + time '12:00') AT TIME ZONE 'Europe/Copenhagen' "
        "FROM (SELECT iso_week_monday($3) + 2 AS d) x RETURNING id",
        3, p);
    ck_assert_msg(id != NULL, "could not plan a visit: %s", PQerrorMessage(o));
    PQfinish(o);
    return id;
}

static long count_sql(const char *sql, int n, const char *const *p)
{
    PGconn *o = it_db_owner();
    char *v = it_db_value_params(o, sql, n, p);
    ck_assert_msg(v != NULL, "%s: %s", sql, PQerrorMessage(o));
    long c = strtol(v, NULL, 10);
    free(v);
    PQfinish(o);
    return c;
}

/* The residents (one entry each per week) the request's audit rows of this type name. */
static long audit_residents(const it_response *r, const char *resource_type)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    const char *p[] = {rid, resource_type};
    long n = count_sql("SELECT count(DISTINCT u) FROM audit_log, unnest(coalesce(resident_ids, ARRAY[resident_id])) u "
                       "WHERE request_id = $1 "
                       "AND resource_type = $2 AND outcome = 'allowed'",
                       2, p);
    free(rid);
    return n;
}

/* An active agreement between F-ACT Slagelse and Engen of this test's own (other tests may
 * renew or end the demo one): Monday mail agreed by 12:00, notifications to NOTIFY_ADDRESS,
 * valid from days_ago days ago (0: the newest in force, so its address is the one used).
 * Removed again by agreement_drop. Returns its id (malloc'd). */
static char *agreement_make(const char *days_ago)
{
    PGconn *o = it_db_owner();
    const char *p[] = {days_ago};
    char *id = it_db_value_params(
        o, "INSERT INTO agreements (team_id, facility_id, status, monday_mail_agreed, "
           "  monday_mail_deadline, monday_mail_notify_email, valid_from, valid_to) "
           "VALUES ('" IT_TEAM_SLAGELSE "', '" IT_FACILITY_ENGEN "', 'active', true, '12:00', "
           "  '" NOTIFY_ADDRESS "', current_date - $1::integer, current_date + 30) RETURNING id", 1, p);
    ck_assert_msg(id != NULL, "could not make an agreement: %s", PQerrorMessage(o));
    PQfinish(o);
    return id;
}

static void agreement_drop(char *id)
{
    PGconn *o = it_db_owner();
    const char *p[] = {id};
    free(it_db_value_params(o, "DELETE FROM agreements WHERE id = $1::uuid RETURNING 1", 1, p));
    PQfinish(o);
    free(id);
}

/* ---- tests ---- */

START_TEST(test_entries_hidden_from_team_until_sent)
{
    const char *week = "2031-W10";
    char *staff = it_login("staff@engen.demo");
    char *clin = it_login("clinician@slagelse.demo");
    put_entry(staff, IT_RESIDENT_ENGEN_1, week, true, "high", "Sover uroligt og vil tale", 201);
    put_entry(staff, RESIDENT_ENGEN_2, week, false, "low", "Rolig uge", 201);
    put_entry(staff, RESIDENT_ENGEN_3, week, true, "normal", "Ønsker medicinsnak", 201);
    /* autosave: saving again updates the same entry */
    put_entry(staff, RESIDENT_ENGEN_2, week, false, "low", "Rolig uge, god stemning", 200);

    /* the facility sees its draft, residents asking for a talk first, then by priority */
    it_response *r = get_mail(staff, week, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "draft");
    json_t *entries = json_object_get(r->json, "entries");
    ck_assert_int_eq(json_array_size(entries), 3);
    ck_assert_str_eq(json_str(json_array_get(entries, 0), "resident_id"), IT_RESIDENT_ENGEN_1);
    ck_assert_str_eq(json_str(json_array_get(entries, 1), "resident_id"), RESIDENT_ENGEN_3);
    ck_assert_str_eq(json_str(json_array_get(entries, 2), "resident_id"), RESIDENT_ENGEN_2);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "talk_count")), 2);
    /* every entry read is in the audit log */
    ck_assert_int_eq(audit_residents(r, "monday_entry"), 3);
    it_response_free(r);

    /* the team cannot read it, over HTTP or in the database */
    r = get_mail(clin, week, NULL);
    IT_ASSERT_PROBLEM(r, 404, "monday-mail-not-sent");
    ck_assert_ptr_null(strstr(r->body, "Sover"));
    it_response_free(r);
    PGconn *app = it_db_app();
    PQclear(PQexec(app, "BEGIN"));
    const char *pb[] = {IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, "1",
                        "it-mm", "127.0.0.1"};
    PQclear(PQexecParams(app, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)",
                         6, NULL, pb, NULL, NULL, 0));
    char *seen = it_db_value(app, "SELECT count(*) FROM monday_entries WHERE iso_week = '2031-W10'");
    ck_assert_str_eq(seen, "0");
    free(seen);
    seen = it_db_value(app, "SELECT resident_talk_requested('" IT_RESIDENT_ENGEN_1 "', '2031-W10')");
    ck_assert_str_eq(seen, "f");
    free(seen);
    PQclear(PQexec(app, "ROLLBACK"));
    PQfinish(app);

    /* only the facility writes entries; another facility's resident is not found */
    char path[160];
    snprintf(path, sizeof path, "/api/residents/%s/monday-entries/%s", IT_RESIDENT_ENGEN_1, week);
    r = it_request("PUT", path, clin, "{\"needs_talk\": false}", NULL);
    IT_ASSERT_PROBLEM(r, 403, NULL);
    it_response_free(r);
    char *skoven = it_login("staff@skoven.demo");
    r = it_request("PUT", path, skoven, "{\"needs_talk\": false}", NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = get_mail(skoven, week, NULL);
    IT_ASSERT_STATUS(r, 404);
    ck_assert_ptr_null(strstr(r->body, "Sover"));
    it_response_free(r);

    /* a stale If-Match is refused with the current entry */
    const char *stale[] = {"If-Match: \"1\"", NULL};
    r = it_request("PUT", path, staff, "{\"needs_talk\": true, \"status_text\": \"x\"}", stale);
    IT_ASSERT_STATUS(r, 200); /* version 1 is current */
    it_response_free(r);
    r = it_request("PUT", path, staff, "{\"needs_talk\": true, \"status_text\": \"y\"}", stale);
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);
    /* a week that is not an ISO week */
    snprintf(path, sizeof path, "/api/residents/%s/monday-entries/2031-48", IT_RESIDENT_ENGEN_1);
    r = it_request("PUT", path, staff, "{\"needs_talk\": true}", NULL);
    IT_ASSERT_STATUS(r, 404);
    it_response_free(r);
    free(skoven);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_send_puts_flagged_on_agenda_and_notifies_without_names)
{
    const char *week = "2031-W20";
    char *agreement = agreement_make("0");
    char *visit = fixed_visit_in(week);
    char *staff = it_login("staff@engen.demo");
    char *clin = it_login("clinician@slagelse.demo");
    put_entry(staff, IT_RESIDENT_ENGEN_1, week, true, "high", "Hemmelig status om Anders", 201);
    put_entry(staff, RESIDENT_ENGEN_2, week, false, "normal", "Alt vel hos Birthe", 201);
    put_entry(staff, RESIDENT_ENGEN_3, week, true, "low", "Spoerger til medicin", 201);

    pid_t sink = sink_start();
    it_response *r = send_mail(staff, week);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "sent");
    ck_assert_str_eq(it_json_str(r, "notification"), "sent");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "talk_count")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "agenda_added")), 2);
    ck_assert_str_eq(json_str(json_object_get(r->json, "next_fixed_visit"), "id"), visit);
    ck_assert_ptr_nonnull(it_json_str(r, "sent_at"));
    ck_assert_str_eq(it_json_str(r, "sent_by"), IT_USER_STAFF_ENGEN);
    it_response_free(r);
    sink_stop(sink);

    /* the notification: count and link, no names, no status text */
    char *mail = sink_read();
    ck_assert_msg(strstr(mail, "RCPT " NOTIFY_ADDRESS), "not sent to the agreement's address: %s",
                  mail);
    ck_assert_msg(strstr(mail, "2 beboere beder om en samtale"), "no count: %s", mail);
    /* the link opens the mail on the team's page (#/received), after log-in if need be; the
     * old /monday-mail?... answered 404 */
    ck_assert_msg(strstr(mail, "/#/received?facility=" IT_FACILITY_ENGEN "&week=2031-W20\r\n"),
                  "no link: %s", mail);
    ck_assert_msg(!strstr(mail, "/monday-mail?"), "the old link: %s", mail);
    /* the subject, read by Python's e-mail parser: RFC 2047 words of at most 75 characters on
     * lines of at most 76, that decode to the whole Danish subject */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - %s <<'PY'\n"
             "import sys, re, email, email.policy\n"
             "raw = open(sys.argv[1], 'rb').read().split(b'\\n', 1)[1].split(b'\\n--END--')[0]\n"
             "raw = raw.replace(b'\\r\\n', b'\\n')\n"
             "head = raw.split(b'\\n\\n')[0].decode('ascii')\n"
             "subj = re.search(r'^Subject:.*(?:\\n[ \\t].*)*', head, re.M).group(0)\n"
             "lines = subj.split('\\n')\n"
             "words = re.findall(r'=\\?[^?]+\\?[BbQq]\\?[^?]*\\?=', subj)\n"
             "msg = email.message_from_bytes(raw, policy=email.policy.default)\n"
             "print('lines', len(lines), max(len(l) for l in lines))\n"
             "print('words', max(len(w) for w in words))\n"
             "print('subject', msg['Subject'])\n"
             "PY\n",
             sink_file);
    FILE *py = popen(cmd, "r");
    ck_assert_ptr_nonnull(py);
    char out[1024] = "";
    size_t got = fread(out, 1, sizeof out - 1, py);
    out[got] = '\0';
    ck_assert_int_eq(pclose(py), 0);
    int nlines = 0, longest = 0, word = 0;
    ck_assert_msg(sscanf(out, "lines %d %d\nwords %d", &nlines, &longest, &word) == 3, "%s", out);
    ck_assert_msg(nlines >= 2 && longest <= 76 && word <= 75, "%s", out);
    ck_assert_msg(strstr(out, "subject Mandagsmail uge 20 er klar – "), "%s", out);
    const char *secret[] = {"Anders", "Birthe", "Christian", "Hemmelig", "Alt vel", "medicin",
                            "Bjerregaard"};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        ck_assert_msg(!strstr(mail, secret[i]), "the e-mail contains '%s'", secret[i]);
    free(mail);

    /* the flagged residents are on the visit's agenda */
    const char *pv[] = {visit};
    ck_assert_int_eq(count_sql("SELECT count(*) FROM visit_agenda WHERE visit_id = $1::uuid "
                               "AND source = 'monday_mail'", 1, pv), 2);
    ck_assert_int_eq(count_sql("SELECT count(*) FROM visit_agenda WHERE visit_id = $1::uuid "
                               "AND resident_id = '" RESIDENT_ENGEN_2 "'", 1, pv), 0);

    /* the team's inbox shows it as new until opened */
    r = it_request("GET", "/api/monday-mail/received?team=" IT_TEAM_SLAGELSE, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items"), *mine = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(json_str(json_array_get(items, i), "week"), week) == 0)
            mine = json_array_get(items, i);
    ck_assert_ptr_nonnull(mine);
    ck_assert(json_is_true(json_object_get(mine, "new")));
    it_response_free(r);

    /* now the team reads it, as JSON and as Danish text */
    r = get_mail(clin, week, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "sent");
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "entries")), 3);
    ck_assert_int_eq(audit_residents(r, "monday_entry"), 3);
    it_response_free(r);
    r = get_mail(clin, week, "text/plain");
    IT_ASSERT_STATUS(r, 200);
    char *ct = it_header(r, "Content-Type");
    ck_assert_ptr_nonnull(strstr(ct, "text/plain"));
    free(ct);
    ck_assert_ptr_nonnull(strstr(r->body, "Mandagsmail uge 20, 2031"));
    ck_assert_ptr_nonnull(strstr(r->body, "Ønsker samtale ved næste faste besøg (2)"));
    ck_assert_ptr_nonnull(strstr(r->body, "Anders Bjerregaard (prioritet: høj)"));
    ck_assert_ptr_nonnull(strstr(r->body, "onsdag 14.05.2031 kl. 09.00–12.00"));
    it_response_free(r);

    r = it_request("GET", "/api/monday-mail/received?team=" IT_TEAM_SLAGELSE, clin, NULL, NULL);
    items = json_object_get(r->json, "items");
    mine = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(json_str(json_array_get(items, i), "week"), week) == 0)
            mine = json_array_get(items, i);
    ck_assert_ptr_nonnull(mine);
    ck_assert(json_is_false(json_object_get(mine, "new")));
    ck_assert_ptr_nonnull(json_str(mine, "opened_at"));
    it_response_free(r);

    /* Holbæk sees none of it */
    char *holbaek = it_login("clinician@holbaek.demo");
    r = get_mail(holbaek, week, NULL);
    IT_ASSERT_STATUS(r, 404);
    ck_assert_ptr_null(strstr(r->body, "Anders"));
    it_response_free(r);
    r = it_request("GET", "/api/monday-mail/received?team=" IT_TEAM_HOLBAEK, holbaek, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(strstr(r->body, "Engen"));
    it_response_free(r);
    free(holbaek);

    /* a sent mail is what the team read: no second send, no later edits */
    r = send_mail(staff, week);
    IT_ASSERT_PROBLEM(r, 409, "monday-mail-already-sent");
    it_response_free(r);
    put_entry(staff, RESIDENT_ENGEN_2, week, true, "high", "for sent", 409);

    agreement_drop(agreement);
    free(visit);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_failed_notification_is_not_sent_and_can_be_retried)
{
    const char *week = "2031-W30";
    char *agreement = agreement_make("0");
    char *staff = it_login("staff@engen.demo");
    char *clin = it_login("clinician@slagelse.demo");
    put_entry(staff, IT_RESIDENT_ENGEN_1, week, true, "high", "Har brug for en snak", 201);

    /* the SMTP server is down */
    ck_assert(!port_open(smtp_port));
    it_response *r = send_mail(staff, week);
    IT_ASSERT_PROBLEM(r, 502, "notification-failed");
    it_response_free(r);
    r = get_mail(staff, week, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "draft");
    it_response_free(r);
    r = get_mail(clin, week, NULL);
    IT_ASSERT_PROBLEM(r, 404, "monday-mail-not-sent");
    it_response_free(r);
    const char *pw[] = {week};
    ck_assert_int_eq(count_sql("SELECT count(*) FROM monday_mails WHERE iso_week = $1 "
                               "AND sent_at IS NULL AND notify_status = 'failed'", 1, pw), 1);
    /* still editable */
    put_entry(staff, IT_RESIDENT_ENGEN_1, week, true, "high", "Har stadig brug for en snak", 200);

    /* back up: the retry goes through */
    pid_t sink = sink_start();
    r = send_mail(staff, week);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "notification"), "sent");
    it_response_free(r);
    sink_stop(sink);
    char *mail = sink_read();
    ck_assert_msg(strstr(mail, "1 beboer beder om en samtale"), "no count: %s", mail);
    ck_assert_ptr_null(strstr(mail, "snak"));
    free(mail);
    r = get_mail(clin, week, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    agreement_drop(agreement);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_late_report_lists_weeks_not_sent_by_deadline)
{
    /* three weeks of an agreement (mail agreed by Monday 12:00): one sent on time, one sent
     * on Tuesday, one never sent */
    char *agreement = agreement_make("300");
    PGconn *o = it_db_owner();
    char *w = it_db_value(o, "SELECT iso_week_of(current_date - 7 * 40) || ' ' || "
                             "iso_week_of(current_date - 7 * 39) || ' ' || "
                             "iso_week_of(current_date - 7 * 38) || ' ' || "
                             "(date_trunc('week', current_date - 7 * 40))::date || ' ' || "
                             "(date_trunc('week', current_date - 7 * 38))::date");
    ck_assert_ptr_nonnull(w);
    char on_time[16], late[16], missing[16], from[16], to[16];
    ck_assert_int_eq(sscanf(w, "%15s %15s %15s %15s %15s", on_time, late, missing, from, to), 5);
    free(w);
    const char *p[] = {IT_FACILITY_ENGEN, IT_TEAM_SLAGELSE, on_time, late, IT_USER_STAFF_ENGEN};
    char *ok = it_db_value_params(
        o,
        "INSERT INTO monday_mails (facility_id, team_id, iso_week, sent_at, sent_by) VALUES "
        "($1::uuid, $2::uuid, $3, (iso_week_monday($3) + time '09:30') AT TIME ZONE "
        "  'Europe/Copenhagen', $5::uuid), "
        "($1::uuid, $2::uuid, $4, (iso_week_monday($4) + time '13:00') AT TIME ZONE "
        "  'Europe/Copenhagen', $5::uuid) "
        "ON CONFLICT (facility_id, iso_week) DO UPDATE SET sent_at = EXCLUDED.sent_at, "
        "  sent_by = EXCLUDED.sent_by RETURNING 'ok'",
        5, p);
    ck_assert_msg(ok != NULL, "%s", PQerrorMessage(o));
    free(ok);
    ok = it_db_value_params(o, "DELETE FROM monday_mails WHERE facility_id = $1::uuid "
                               "AND iso_week = $2 RETURNING 'x'",
                            2, (const char *const[]){IT_FACILITY_ENGEN, missing});
    free(ok);
    PQfinish(o);

    char *manager = it_login("manager@engen.demo");
    char path[200];
    snprintf(path, sizeof path,
             "/api/monday-mail/late?facility=" IT_FACILITY_ENGEN "&from=%s&to=%s", from, to);
    it_response *r = it_request("GET", path, manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "weeks_due")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "on_time")), 1);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_str(json_array_get(items, 0), "week"), late);
    ck_assert_str_eq(json_str(json_array_get(items, 0), "status"), "late");
    ck_assert_ptr_nonnull(json_str(json_array_get(items, 0), "sent_at"));
    ck_assert_str_eq(json_str(json_array_get(items, 1), "week"), missing);
    ck_assert_str_eq(json_str(json_array_get(items, 1), "status"), "not_sent");
    it_response_free(r);

    /* bad dates are refused */
    r = it_request("GET", "/api/monday-mail/late?facility=" IT_FACILITY_ENGEN "&from=yesterday",
                   manager, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
    agreement_drop(agreement);
    free(manager);
}
END_TEST

/* Issue 10, item 16: the address older notifications carry (/monday-mail?...) answered 404;
 * it now sends the browser to the team's page with that mail, which asks for a log-in first. */
START_TEST(test_old_notification_link_redirects_to_the_teams_page)
{
    it_response *r = it_request("GET", "/monday-mail?facility=" IT_FACILITY_ENGEN "&week=2031-W20",
                                NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 303);
    char *loc = it_header(r, "Location");
    ck_assert_ptr_nonnull(loc);
    ck_assert_str_eq(loc, "/#/received?facility=" IT_FACILITY_ENGEN "&week=2031-W20");
    free(loc);
    it_response_free(r);
    /* anything else in the parameters is not copied into the address */
    r = it_request("GET", "/monday-mail?facility=%22%3E%3Cscript%3E&week=2031-W20", NULL, NULL,
                   NULL);
    IT_ASSERT_STATUS(r, 303);
    loc = it_header(r, "Location");
    ck_assert_str_eq(loc, "/#/received");
    free(loc);
    it_response_free(r);
}
END_TEST

int main(void)
{
    smtp_port = free_port();
    snprintf(sink_file, sizeof sink_file, "/tmp/samspil-it-smtp-%d.eml", (int)getpid());
    char env[64];
    snprintf(env, sizeof env, "SMTP_URL=smtp://127.0.0.1:%d", smtp_port);
    const char *extra[] = {env, "SMTP_FROM=samspil@samspil.test", NULL};
    it_server_start(extra);
    Suite *s = suite_create("monday_mail");
    TCase *tc = tcase_create("monday_mail");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_entries_hidden_from_team_until_sent);
    tcase_add_test(tc, test_send_puts_flagged_on_agenda_and_notifies_without_names);
    tcase_add_test(tc, test_old_notification_link_redirects_to_the_teams_page);
    tcase_add_test(tc, test_failed_notification_is_not_sent_and_can_be_retried);
    tcase_add_test(tc, test_late_report_lists_weeks_not_sent_by_deadline);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    unlink(sink_file);
    return rc;
}
