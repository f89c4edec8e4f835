-- The grouped trail reads by index too, as audit_trail() does since 0077: its generic plan
-- scanned all of audit_log_seen (1.8 M rows at region scale after an afternoon of
-- benchmarks) for one resident's 36 000 per-read rows.
ALTER FUNCTION audit_trail_summary(uuid, date, date) SET enable_seqscan = off;
