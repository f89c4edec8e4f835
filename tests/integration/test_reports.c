/*
 * Reports as a manager meets them. The test builds its own small world (a new team and
 * facility, a manager on each side, one resident whose name looks like a spreadsheet
 * formula, an agreement that expires in 30 days, fixed visits, admissions including a forced
 * one and a readmission, a KIP review) and checks that the figures match it, that the CSV
 * opens in Danish Excel (BOM, ';', CRLF, the formula shown as text), that each request leaves
 * one audit row, and that clinicians and staff are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_check.h"

static char *team_id, *facility_id, *team_manager, *facility_manager;

/* Runs sql as the owner, aborting the test on failure. */
static void owner_exec(PGconn *db, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
}

/* The world, made once per process (each test is forked from main after setup). */
static void build_world(void)
{
    PGconn *db = it_db_owner();
    char *tname = it_unique("Report team ");
    char *fname = it_unique("Report facility ");
    const char *p1[] = {tname};
    team_id = it_db_value_params(db,
                                 "INSERT INTO organizations (kind, name, authority) "
                                 "VALUES ('team', $1, 'Region Test') RETURNING id",
                                 1, p1);
    const char *p2[] = {fname, team_id};
    facility_id = it_db_value_params(db,
                                     "INSERT INTO organizations (kind, name, authority, "
                                     "serving_team_id) VALUES ('facility', $1, 'Test Kommune', "
                                     "$2::uuid) RETURNING id",
                                     2, p2);
    ck_assert_ptr_nonnull(team_id);
    ck_assert_ptr_nonnull(facility_id);
    const char *p3[] = {team_id, facility_id};
    char *resident = it_db_value_params(
        db,
        "INSERT INTO residents (name, date_of_birth, facility_id, team_id) "
        "VALUES ('=HYPERLINK(\"http://evil.example\";\"Click\")', '1980-01-01', $2::uuid, "
        "$1::uuid) RETURNING id",
        2, p3);
    ck_assert_ptr_nonnull(resident);
    owner_exec(db,
               "INSERT INTO agreements (team_id, facility_id, status, valid_from, valid_to, "
               "  monday_mail_agreed) "
               "VALUES ($1::uuid, $2::uuid, 'active', current_date - 200, current_date + 30, "
               "  false)",
               2, p3);
    /* three fixed visits in the last 12 weeks, two held; one far in the past */
    owner_exec(db,
               "INSERT INTO visits (team_id, facility_id, agreement_id, kind, starts_at, ends_at, "
               "  status) "
               "SELECT a.team_id, a.facility_id, a.id, 'fixed', now() - d * interval '1 day', "
               "  now() - d * interval '1 day' + interval '3 hours', s "
               "FROM agreements a, (VALUES (7, 'held'), (21, 'held'), (35, 'cancelled'), "
               "  (150, 'held')) v(d, s) WHERE a.team_id = $1::uuid",
               1, p3);
    const char *p4[] = {resident};
    /* admissions: 10 days voluntary; readmitted 10 days after discharge, forced, 10 days;
     * 5 days voluntary */
    owner_exec(db,
               "INSERT INTO admissions (resident_id, team_id, facility_id, admitted_at, "
               "  discharged_at, forced, recorded_by) "
               "SELECT $1::uuid, r.team_id, r.facility_id, "
               "  (current_date - a + time '12:00') AT TIME ZONE 'Europe/Copenhagen', "
               "  (current_date - d + time '12:00') AT TIME ZONE 'Europe/Copenhagen', f, "
               "  '" IT_USER_STAFF_ENGEN "' "
               "FROM residents r, (VALUES (90, 80, false), (70, 60, true), (20, 15, false)) "
               "  x(a, d, f) WHERE r.id = $1::uuid",
               1, p4);
    owner_exec(db,
               "INSERT INTO kip_reviews (resident_id, team_id, facility_id, reviewed_at, "
               "  in_treatment_contact, stable_housing, work_or_activity, social_network, "
               "  recorded_by) VALUES ($1::uuid, $1::uuid, $1::uuid, current_date - 1, true, "
               "  false, true, false, '" IT_USER_STAFF_ENGEN "')",
               1, p4);
    PQfinish(db);

    char *admin = it_login("admin@samspil.demo");
    char *email = NULL;
    free(it_create_user(admin, "region_manager", team_id, "report-password-1", &email));
    team_manager = it_login_as(email, "report-password-1");
    free(email);
    free(it_create_user(admin, "facility_manager", facility_id, "report-password-2", &email));
    facility_manager = it_login_as(email, "report-password-2");
    free(email);
    ck_assert_ptr_nonnull(team_manager);
    ck_assert_ptr_nonnull(facility_manager);
    free(admin);
    free(resident);
    free(tname);
    free(fname);
}

static json_t *row_where(json_t *items, const char *key, const char *value, const char *key2,
                         const char *value2)
{
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        if (strcmp(json_string_value(json_object_get(row, key)), value) == 0 &&
            (!key2 || strcmp(json_string_value(json_object_get(row, key2)), value2) == 0))
            return row;
    }
    return NULL;
}

static long long ival(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

START_TEST(test_agreements_report_matches_the_data)
{
    it_response *r = it_request("GET", "/api/reports/agreements", team_manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1); /* only this team's agreement */
    json_t *a = json_array_get(items, 0);
    ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "active");
    ck_assert_int_eq(ival(a, "days_to_expiry"), 30);
    ck_assert(json_is_true(json_object_get(a, "expires_soon")));
    ck_assert_int_eq(ival(a, "fixed_visits_planned_12w"), 3);
    ck_assert_int_eq(ival(a, "fixed_visits_held_12w"), 2);
    ck_assert_int_eq(ival(a, "management_meetings_held"), 0);
    ck_assert(json_is_true(json_object_get(a, "management_meeting_overdue")));
    it_response_free(r);

    /* one audit row, 'search' on a 'report' */
    char *rid = NULL;
    r = it_request("GET", "/api/reports/agreements", facility_manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    rid = it_header(r, "X-Request-Id");
    it_response_free(r);
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *n = it_db_value_params(db,
                                 "SELECT count(*) || ':' || min(action) || ':' || "
                                 "min(resource_type) || ':' || min(resource_id) FROM audit_log "
                                 "WHERE request_id = $1",
                                 1, p);
    ck_assert_str_eq(n, "1:search:report:agreements");
    free(n);
    free(rid);
    PQfinish(db);
}
END_TEST

START_TEST(test_admissions_report_matches_the_data)
{
    char path[256];
    snprintf(path, sizeof path, "/api/reports/admissions?facility=%s", facility_id);
    it_response *r = it_request("GET", path, facility_manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    json_t *total = row_where(items, "period", "during", "section", "total");
    ck_assert_ptr_nonnull(total);
    ck_assert_int_eq(ival(total, "admissions"), 3);
    ck_assert_int_eq(ival(total, "forced"), 1);
    ck_assert_int_eq(ival(total, "readmissions"), 1);
    ck_assert_double_eq_tol(json_number_value(json_object_get(total, "forced_share")), 0.333,
                            0.001);
    ck_assert_double_eq_tol(json_number_value(json_object_get(total, "bed_days")), 25.0, 0.05);
    /* seven weekday rows that add up to the total */
    long long sum = 0;
    int weekdays = 0;
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "period")), "during") == 0 &&
            strcmp(json_string_value(json_object_get(row, "section")), "weekday") == 0) {
            weekdays++;
            sum += ival(row, "admissions");
        }
    }
    ck_assert_int_eq(weekdays, 7);
    ck_assert_int_eq(sum, 3);
    /* the period before the agreement started is there, and empty */
    json_t *before = row_where(items, "period", "before", "section", "total");
    ck_assert_ptr_nonnull(before);
    ck_assert_int_eq(ival(before, "admissions"), 0);
    it_response_free(r);

    r = it_request("GET", "/api/reports/admissions?from=2026-13-01", facility_manager, NULL,
                   NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
}
END_TEST

START_TEST(test_csv_opens_in_excel)
{
    const char *h[] = {"Accept: text/csv", NULL};
    it_response *r = it_request("GET", "/api/reports/outcomes", team_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    char *ct = it_header(r, "Content-Type");
    ck_assert_ptr_nonnull(strstr(ct, "text/csv"));
    free(ct);
    char *cd = it_header(r, "Content-Disposition");
    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_nonnull(strstr(cd, "attachment"));
    free(cd);
    ck_assert_int_ge(r->body_len, 3);
    ck_assert_int_eq(memcmp(r->body, "\xEF\xBB\xBF", 3), 0);
    const char *header = "resident_id;resident_name;reviewed_at;in_treatment_contact;has_kip;"
                         "stable_housing;work_or_activity;social_network;admissions_365d;"
                         "forced_admissions_365d;bed_days_365d\r\n";
    ck_assert_int_eq(strncmp(r->body + 3, header, strlen(header)), 0);
    const char *row = r->body + 3 + strlen(header);
    /* the name is shown as text, never run as a formula; the ';' inside it is quoted */
    ck_assert_msg(strstr(row, ";\"'=HYPERLINK(\"\"http://evil.example\"\";\"\"Click\"\")\";") !=
                      NULL,
                  "row: %s", row);
    /* yes/no for booleans, decimal comma for bed days: 25 days within the year */
    ck_assert_msg(strstr(row, ";yes;no;no;yes;no;3;1;25,0\r\n") != NULL, "row: %s", row);
    /* exactly one data row, CRLF-terminated */
    ck_assert_ptr_null(strstr(strstr(row, "\r\n") + 2, "\r\n"));
    it_response_free(r);

    /* JSON stays the default */
    r = it_request("GET", "/api/reports/outcomes", team_manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_int_eq(ival(json_array_get(items, 0), "admissions_365d"), 3);
    it_response_free(r);
}
END_TEST

START_TEST(test_attendance_report_answers)
{
    const char *h[] = {"Accept: text/csv", NULL};
    it_response *r = it_request("GET", "/api/reports/attendance", facility_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(memcmp(r->body, "\xEF\xBB\xBF" "month;planned;held;no_show;", 30), 0);
    it_response_free(r);
}
END_TEST

START_TEST(test_non_managers_are_refused)
{
    const char *who[] = {"clinician@slagelse.demo", "staff@engen.demo", "admin@samspil.demo"};
    const char *paths[] = {"/api/reports/agreements", "/api/reports/admissions",
                           "/api/reports/attendance", "/api/reports/outcomes"};
    for (int i = 0; i < 3; i++) {
        char *t = it_login(who[i]);
        for (int j = 0; j < 4; j++) {
            it_response *r = it_request("GET", paths[j], t, NULL, NULL);
            ck_assert_msg(r->status == 403, "%s %s: %ld", who[i], paths[j], r->status);
            it_response_free(r);
        }
        free(t);
    }
    /* a manager of another team does not see this team's agreement */
    char *other = it_login("manager@slagelse.demo");
    it_response *r = it_request("GET", "/api/reports/agreements", other, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(strstr(r->body, team_id));
    it_response_free(r);
    free(other);
}
END_TEST

/* Runs /usr/bin/python3 with openpyxl (Debian's python3-openpyxl) on the xlsx in body and
 * returns what the script prints (malloc'd): a real reader, not our own parser. */
static char *read_xlsx(const it_response *r, const char *script)
{
    char path[] = "/tmp/it-report-XXXXXX.xlsx"; /* openpyxl goes by the extension */
    int fd = mkstemps(path, 5);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, r->body, r->body_len), (ssize_t)r->body_len);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 - %s 2>&1 <<'PY'\n%s\nPY\n", path, script);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char *out = calloc(1, 8192);
    size_t n = fread(out, 1, 8191, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(path);
    ck_assert_msg(rc == 0, "openpyxl: %s", out);
    return out;
}

/* Issue 10, item 15: every report as .xlsx, opened with openpyxl: Danish headers, a frozen
 * header row, column widths, typed numbers, dates and percentages. */
START_TEST(test_xlsx_opens_with_a_real_reader)
{
    const char *h[] = {"Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       NULL};
    it_response *r = it_request("GET", "/api/reports/outcomes", team_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    char *ct = it_header(r, "Content-Type");
    ck_assert_str_eq(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    free(ct);
    char *cd = it_header(r, "Content-Disposition");
    ck_assert_ptr_nonnull(strstr(cd, "samspil-outcomes.xlsx"));
    free(cd);
    ck_assert_int_eq(memcmp(r->body, "PK", 2), 0); /* a zip */
    char *out = read_xlsx(r,
        "import sys, datetime, openpyxl\n"
        "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
        "rows = list(ws.iter_rows(values_only=True))\n"
        "print('header', '|'.join(rows[0]))\n"
        "print('rows', len(rows) - 1)\n"
        "print('freeze', ws.freeze_panes)\n"
        "print('width_B', ws.column_dimensions['B'].width)\n"
        "row = rows[1]\n"
        "print('name', row[1])\n"
        "print('date', type(row[2]).__name__, row[2].date() == datetime.date.today() - datetime.timedelta(days=1))\n"
        "print('date_format', ws.cell(row=2, column=3).number_format)\n"
        "print('bools', row[3], row[4])\n"
        "print('admissions', type(row[8]).__name__, row[8])\n"
        "print('bed_days', isinstance(row[10], (int, float)), row[10] == 25, ws.cell(row=2, column=11).number_format)");
    ck_assert_msg(strstr(out, "header Beboer-id|Beboer|Opfølgning|I behandlingskontakt|Har KIP|"
                              "Stabil bolig|Arbejde eller aktivitet|Socialt netværk|"
                              "Indlæggelser (365 dage)|Tvangsindlæggelser (365 dage)|"
                              "Sengedage (365 dage)\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "rows 1\n") && strstr(out, "freeze A2\n"), "%s", out);
    ck_assert_msg(!strstr(out, "width_B None") && !strstr(out, "width_B 13.0"), "%s", out);
    /* the formula-looking name is text, not a formula */
    ck_assert_msg(strstr(out, "name =HYPERLINK(\"http://evil.example\";\"Click\")\n"), "%s", out);
    ck_assert_msg(strstr(out, "date datetime True\n"), "%s", out);
    ck_assert_msg(strstr(out, "bools ja nej\n"), "%s", out);
    ck_assert_msg(strstr(out, "admissions int 3\n") || strstr(out, "admissions float 3.0\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "bed_days True True 0.0\n"), "%s", out);
    free(out);
    it_response_free(r);

    /* a share is a number shown as a percentage */
    char path[256];
    snprintf(path, sizeof path, "/api/reports/admissions?facility=%s", facility_id);
    r = it_request("GET", path, facility_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    out = read_xlsx(r,
        "import sys, openpyxl\n"
        "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
        "hdr = [c.value for c in ws[1]]\n"
        "i = hdr.index('Andel tvang') + 1\n"
        "days = set()\n"
        "for row in ws.iter_rows(min_row=2):\n"
        "    if row[0].value == 'I perioden' and row[3].value == 'I alt':\n"
        "        c = row[i - 1]\n"
        "        print('share', type(c.value).__name__, round(c.value, 3), '%' in c.number_format)\n"
        "        print('label', row[4].value)\n"
        "    if row[3].value == 'Ugedag':\n"
        "        days.add(row[4].value)\n"
        "print('periods', ' '.join(sorted({r[0].value for r in ws.iter_rows(min_row=2)})))\n"
        "print('days', ' '.join(sorted(days)))\n"
        "print('sheet', ws.title)");
    ck_assert_msg(strstr(out, "share float 0.333 True\n"), "%s", out);
    ck_assert_msg(strstr(out, "sheet Indlæggelser\n"), "%s", out);
    /* the statement's codes in words, as the screens say them */
    ck_assert_msg(strstr(out, "label Alle\n"), "%s", out);
    ck_assert_msg(strstr(out, "periods I perioden Perioden før\n"), "%s", out);
    ck_assert_msg(strstr(out, "days fredag lørdag mandag onsdag søndag tirsdag torsdag\n"), "%s",
                  out);
    free(out);
    it_response_free(r);

    /* the other two reports answer as xlsx too; English headers when asked */
    const char *others[] = {"/api/reports/agreements?lang=en", "/api/reports/attendance?lang=en"};
    const char *first[] = {"agreement_id", "month"};
    for (int i = 0; i < 2; i++) {
        r = it_request("GET", others[i], i == 0 ? team_manager : facility_manager, NULL, h);
        IT_ASSERT_STATUS(r, 200);
        out = read_xlsx(r, "import sys, openpyxl\n"
                           "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
                           "print('first', ws['A1'].value)");
        char want[64];
        snprintf(want, sizeof want, "first %s\n", first[i]);
        ck_assert_msg(strstr(out, want), "%s: %s", others[i], out);
        free(out);
        it_response_free(r);
    }
}
END_TEST

/* Issue 10, item 14: Danish column names in the Danish download (?lang=da or
 * Accept-Language: da), English ones in English; a language the server does not speak is a 400. */
START_TEST(test_csv_headers_in_the_users_language)
{
    const char *h[] = {"Accept: text/csv", NULL};
    it_response *r = it_request("GET", "/api/reports/attendance?lang=da", facility_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(memcmp(r->body, "\xEF\xBB\xBF" "Måned;Planlagt;Gennemført;Udeblevet;", 41) == 0,
                  "%.80s", r->body);
    it_response_free(r);
    const char *hda[] = {"Accept: text/csv", "Accept-Language: da-DK,da;q=0.9,en;q=0.5", NULL};
    r = it_request("GET", "/api/reports/outcomes", team_manager, NULL, hda);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(strncmp(r->body + 3, "Beboer-id;Beboer;Opfølgning;", 29) == 0, "%.80s",
                  r->body);
    ck_assert_msg(strstr(r->body, ";ja;nej;nej;ja;nej;3;1;25,0\r\n"), "%s", r->body);
    it_response_free(r);
    /* the parameter wins over the header */
    r = it_request("GET", "/api/reports/outcomes?lang=en", team_manager, NULL, hda);
    IT_ASSERT_STATUS(r, 200);
    ck_assert(strncmp(r->body + 3, "resident_id;resident_name;", 26) == 0);
    it_response_free(r);
    /* codes in words in English too; the JSON keeps the codes */
    char path[256];
    snprintf(path, sizeof path, "/api/reports/admissions?facility=%s&lang=en", facility_id);
    r = it_request("GET", path, facility_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(strstr(r->body, "\r\nIn the period;"), "%.300s", r->body);
    ck_assert_msg(strstr(r->body, ";Total;All;"), "%.300s", r->body);
    ck_assert_msg(strstr(r->body, ";Weekday;Monday;"), "%.300s", r->body);
    ck_assert_ptr_null(strstr(r->body, "during"));
    it_response_free(r);
    r = it_request("GET", "/api/reports/agreements?lang=da", team_manager, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(strstr(r->body, ";Gældende;") || strstr(r->body, ";Udløbet;") ||
                      strstr(r->body, ";Kladde;"),
                  "%.400s", r->body);
    ck_assert_ptr_null(strstr(r->body, ";active;"));
    it_response_free(r);
    r = it_request("GET", "/api/reports/outcomes?lang=de", team_manager, NULL, h);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    ck_assert(it_problem_has_field(r, "lang"));
    it_response_free(r);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("reports");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    /* the world is built once, in the runner, before the forked tests */
    tcase_add_unchecked_fixture(tc, build_world, NULL);
    tcase_add_test(tc, test_agreements_report_matches_the_data);
    tcase_add_test(tc, test_admissions_report_matches_the_data);
    tcase_add_test(tc, test_csv_opens_in_excel);
    tcase_add_test(tc, test_xlsx_opens_with_a_real_reader);
    tcase_add_test(tc, test_csv_headers_in_the_users_language);
    tcase_add_test(tc, test_attendance_report_answers);
    tcase_add_test(tc, test_non_managers_are_refused);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
