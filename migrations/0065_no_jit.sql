-- No JIT compilation for this database's statements. PostgreSQL compiles a statement whose
-- plan costs more than jit_above_cost (100 000) to machine code at every execution; the board
-- and the reports cross that line at a region's volume (a generic plan's estimates do, whatever
-- the page), and compiling took 270-330 ms for a statement that runs in 20-60 ms without it
-- (EXPLAIN ANALYZE at region scale, docs/BENCHMARKS.md). Samspil's statements are short
-- index-driven reads and writes, where JIT never pays. New connections take the setting; the
-- server's pool connects after migrating.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
END
$$;
