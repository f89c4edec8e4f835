/*
 * consents: what the resident's consent to share summaries with the facility means for what
 * the facility reads, said the same way by every resource that shows a summary (the
 * conversations, the F-ACT board): not given, withdrawn since a day, or expired.
 */
#ifndef SAMSPIL_CONSENTS_H
#define SAMSPIL_CONSENTS_H

#include <stdbool.h>

#include <jansson.h>

#include "jsonw.h"

/* The state of the resident's latest consent to share summaries with the facility, as an SQL
 * expression read as the caller: 'granted', 'refused', 'withdrawn YYYY-MM-DD' (the day it was
 * withdrawn, Copenhagen), 'expired YYYY-MM-DD' (the last day it was valid), or NULL (never
 * asked). One index probe per row, like CONSENT_IN_FORCE, and 'granted' exactly when that is
 * true. */
#define CONSENT_SHARE_STATE(resident)                                                         \
    "(SELECT CASE WHEN c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date) " \
    "    THEN 'granted' "                                                                     \
    "  WHEN c.granted THEN 'expired ' || to_char(c.valid_until, 'YYYY-MM-DD') "                \
    "  WHEN EXISTS (SELECT 1 FROM consents e WHERE e.resident_id = c.resident_id "             \
    "    AND e.kind = c.kind AND e.granted) THEN 'withdrawn ' || "                             \
    "    to_char(c.recorded_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD') "               \
    "  ELSE 'refused' END FROM consents c WHERE c.resident_id = " resident " "                 \
    "  AND c.kind = 'share_summary_with_facility' ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1)"

/* Whether a CONSENT_SHARE_STATE value lets the facility read summaries. */
bool consents_share_granted(const char *share_state);
/* Says on o why the facility cannot read a summary for want of consent, from a
 * CONSENT_SHARE_STATE value: summary_hidden_reason "no_consent", summary_consent_state
 * (none, refused, withdrawn or expired) and summary_hidden_since (the day withdrawn, the
 * last day valid, else null). */
void consents_set_hidden(json_t *o, const char *share_state);
/* The same fields when nothing is hidden for want of consent: summary_consent_state and
 * summary_hidden_since null (summary_hidden_reason is the caller's). */
void consents_set_shown(json_t *o);
/* The three fields (summary_hidden_reason, summary_consent_state, summary_hidden_since)
 * written as members: as consents_set_hidden when hidden, else all three null. */
void consents_write_summary_state(jsonw *w, bool hidden, const char *share_state);

#endif
