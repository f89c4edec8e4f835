-- A visit is held when the team logs a conversation during it: the attendance figures
-- (fixed visits planned vs held, on the agreement overview and in the reports) then follow
-- what happened without anyone marking the visit by hand. Only a planned visit of today or
-- earlier (Copenhagen) is marked, and it is marked touched, so a regenerated series leaves it
-- alone. A conversation's outcome does not matter: a resident who did not show up is a
-- no-show of the conversation, not of the team's visit.

CREATE FUNCTION conversations_mark_visit_held() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        UPDATE visits v SET status = 'held', touched = true, version = v.version + 1,
                            updated_at = now()
         WHERE v.id = NEW.visit_id AND v.status = 'planned'
           AND (v.starts_at AT TIME ZONE 'Europe/Copenhagen')::date
               <= (now() AT TIME ZONE 'Europe/Copenhagen')::date;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER conversations_4_visit_held AFTER INSERT ON conversations
    FOR EACH ROW WHEN (NEW.visit_id IS NOT NULL)
    EXECUTE FUNCTION conversations_mark_visit_held();
