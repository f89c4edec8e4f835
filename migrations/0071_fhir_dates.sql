-- FHIR R4 read API (server/fhir.c): the date search parameters. A FHIR date value stands for
-- a range as wide as its precision (2026 is the whole year, 2026-03 the month, 2026-03-05 the
-- day, all in Danish time; a dateTime the instant), and a prefix compares a point in time
-- with that range (https://hl7.org/fhir/R4/search.html#prefix). Plain SQL functions of their
-- arguments, so the planner inlines them into the statement and an index on the column still
-- serves the comparison. The value's form is checked by the server before it gets here.

CREATE FUNCTION fhir_date_start(v text) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT CASE length(v)
            WHEN 4 THEN (v || '-01-01')::date::timestamp AT TIME ZONE 'Europe/Copenhagen'
            WHEN 7 THEN (v || '-01')::date::timestamp AT TIME ZONE 'Europe/Copenhagen'
            WHEN 10 THEN v::date::timestamp AT TIME ZONE 'Europe/Copenhagen'
            ELSE v::timestamptz END
    $$;

-- The first instant after the range.
CREATE FUNCTION fhir_date_end(v text) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT CASE length(v)
            WHEN 4 THEN ((v || '-01-01')::date + interval '1 year') AT TIME ZONE 'Europe/Copenhagen'
            WHEN 7 THEN ((v || '-01')::date + interval '1 month') AT TIME ZONE 'Europe/Copenhagen'
            WHEN 10 THEN (v::date + interval '1 day') AT TIME ZONE 'Europe/Copenhagen'
            ELSE v::timestamptz + interval '1 microsecond' END
    $$;

-- Whether the point in time t matches the search value v with prefix p (eq, ne, ge, gt, le,
-- lt); true when p is NULL (the parameter was not given).
CREATE FUNCTION fhir_date_matches(t timestamptz, v text, p text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT p IS NULL OR CASE p
            WHEN 'eq' THEN t >= fhir_date_start(v) AND t < fhir_date_end(v)
            WHEN 'ne' THEN NOT (t >= fhir_date_start(v) AND t < fhir_date_end(v))
            WHEN 'ge' THEN t >= fhir_date_start(v)
            WHEN 'gt' THEN t >= fhir_date_end(v)
            WHEN 'le' THEN t < fhir_date_end(v)
            WHEN 'lt' THEN t < fhir_date_start(v)
            ELSE false END
    $$;

GRANT EXECUTE ON FUNCTION fhir_date_start(text), fhir_date_end(text),
    fhir_date_matches(timestamptz, text, text) TO samspil_app;
