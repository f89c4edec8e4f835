-- An agreement's e-mail fields hold an address or nothing (''), as the server checks them
-- (json_is_email in lib/json.c: one @, no space or control character, a dot in the domain,
-- which neither starts nor ends with one); the database holds every writer to the same.
-- NOT VALID: rows written before this migration are not re-checked; new and changed rows are.

ALTER TABLE agreements
    ADD CONSTRAINT agreements_contact_email_address CHECK (
        contact_email = ''
        OR (length(contact_email) <= 254 AND contact_email ~
            '^[^@[:space:][:cntrl:]]+@[^@.[:space:][:cntrl:]][^@[:space:][:cntrl:]]*\.[^@[:space:][:cntrl:]]*[^@.[:space:][:cntrl:]]$'))
        NOT VALID,
    ADD CONSTRAINT agreements_notify_email_address CHECK (
        monday_mail_notify_email = ''
        OR (length(monday_mail_notify_email) <= 254 AND monday_mail_notify_email ~
            '^[^@[:space:][:cntrl:]]+@[^@.[:space:][:cntrl:]][^@[:space:][:cntrl:]]*\.[^@[:space:][:cntrl:]]*[^@.[:space:][:cntrl:]]$'))
        NOT VALID;
