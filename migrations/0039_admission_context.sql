-- What happened before an admission: days since the last held conversation, conversations
-- missed (not held: no-show or cancelled) in the 30 days before, whether a KIP was in force
-- and whether the resident was in an intensive period. Conversations (0020) and KIPs (0040)
-- belong to other modules and may come later in the migration order, so they are reached
-- only behind to_regclass() at call time and give NULL when absent. SECURITY INVOKER: the
-- figures are what the caller may see (row-level security of those tables applies).

CREATE FUNCTION admission_before(p_resident uuid, p_at timestamptz)
    RETURNS TABLE (days_since_last_held integer, missed_30d integer, had_kip boolean,
                   intensive boolean)
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    AS $$
    BEGIN
        days_since_last_held := NULL;
        missed_30d := NULL;
        had_kip := NULL;
        IF to_regclass('public.conversations') IS NOT NULL THEN
            EXECUTE 'SELECT (SELECT ($2::date - max(c.occurred_at)::date)
                               FROM conversations c
                              WHERE c.resident_id = $1 AND c.outcome = ''held''
                                AND c.occurred_at < $2),
                            (SELECT count(*)::integer FROM conversations c
                              WHERE c.resident_id = $1 AND c.outcome <> ''held''
                                AND c.occurred_at >= $2 - interval ''30 days''
                                AND c.occurred_at < $2)'
               INTO days_since_last_held, missed_30d USING p_resident, p_at;
        END IF;
        IF to_regclass('public.kip_versions') IS NOT NULL THEN
            -- the plan as it stood then: its latest version before the admission is active
            EXECUTE 'SELECT coalesce((SELECT k.status = ''active'' FROM kip_versions k
                                       WHERE k.resident_id = $1 AND k.created_at < $2
                                       ORDER BY k.version DESC LIMIT 1), false)'
               INTO had_kip USING p_resident, p_at;
        END IF;
        -- the level then: the last change before, else where the first change after started,
        -- else the level now
        SELECT coalesce(
                   (SELECT ic.to_level FROM intensity_changes ic
                     WHERE ic.resident_id = p_resident AND ic.changed_at <= p_at
                     ORDER BY ic.changed_at DESC LIMIT 1),
                   (SELECT ic.from_level FROM intensity_changes ic
                     WHERE ic.resident_id = p_resident AND ic.changed_at > p_at
                     ORDER BY ic.changed_at LIMIT 1),
                   (SELECT r.intensity FROM residents r WHERE r.id = p_resident)) = 'intensive'
          INTO intensive;
        RETURN NEXT;
    END
    $$;
GRANT EXECUTE ON FUNCTION admission_before(uuid, timestamptz) TO samspil_app;
