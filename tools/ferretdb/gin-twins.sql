-- GIN twins: FerretDB 1.24 pushes a top-level equality filter down as `_jsonb->'field' @> value`,
-- but the indexes it creates are btree indexes on `(_jsonb->'field')`, which cannot serve `@>`.
-- Beside every such index this creates a GIN `jsonb_path_ops` index on the same expression
-- (fastupdate off, so no pending list is scanned by every query): for existing indexes here, and
-- for every index created later (new collections, new test databases) by an event trigger.

CREATE OR REPLACE FUNCTION public.o2o_create_gin_twins(index_oid oid) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  idx record;
  k integer;
  field text;
  twin text;
  created integer := 0;
BEGIN
  SELECT i.indnatts, am.amname, c.relname AS table_name, n.nspname AS schema_name
    INTO idx
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE i.indexrelid = index_oid;
  IF NOT FOUND OR idx.amname <> 'btree' OR idx.table_name = '_ferretdb_database_metadata' THEN
    RETURN 0;
  END IF;
  FOR k IN 1..idx.indnatts LOOP
    -- a top-level field reads `(_jsonb -> 'field'::text)`; a nested one chains `->`, and FerretDB
    -- never pushes nested filters down, so it gets no twin
    field := substring(pg_get_indexdef(index_oid, k, false) from '^\(*_jsonb -> ''((?:[^'']|'''')*)''::text\)*$');
    CONTINUE WHEN field IS NULL;
    field := replace(field, '''''', '''');
    twin := left(idx.table_name, 40) || '_' || left(md5(idx.table_name || '.' || field), 12) || '_gin';
    CONTINUE WHEN EXISTS (
      SELECT 1 FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace
       WHERE t.relname = twin AND tn.nspname = idx.schema_name);
    EXECUTE format('CREATE INDEX %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops) WITH (fastupdate = off)',
                   twin, idx.schema_name, idx.table_name, field);
    created := created + 1;
  END LOOP;
  RETURN created;
END
$fn$;

CREATE OR REPLACE FUNCTION public.o2o_gin_twins_on_create_index() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands()
                  WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM public.o2o_create_gin_twins(command.objid);
  END LOOP;
END
$fn$;

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'o2o_gin_twins') THEN
    CREATE EVENT TRIGGER o2o_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
      EXECUTE FUNCTION public.o2o_gin_twins_on_create_index();
  END IF;
END
$do$;

-- Twins whose btree index FerretDB dropped (dropIndexes) go too.
DO $do$
DECLARE
  orphan record;
BEGIN
  FOR orphan IN
    SELECT n.nspname AS schema_name, g.relname AS twin
      FROM pg_index gi
      JOIN pg_class g ON g.oid = gi.indexrelid
      JOIN pg_am am ON am.oid = g.relam AND am.amname = 'gin'
      JOIN pg_namespace n ON n.oid = g.relnamespace
     WHERE g.relname LIKE '%\_gin' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND NOT EXISTS (
         SELECT 1 FROM pg_index bi
           JOIN pg_class b ON b.oid = bi.indexrelid
           JOIN pg_am bam ON bam.oid = b.relam AND bam.amname = 'btree'
          WHERE bi.indrelid = gi.indrelid
            AND EXISTS (SELECT 1 FROM generate_series(1, bi.indnatts) AS k
                         WHERE pg_get_indexdef(bi.indexrelid, k, false) = pg_get_indexdef(gi.indexrelid, 1, false)))
  LOOP
    EXECUTE format('DROP INDEX %I.%I', orphan.schema_name, orphan.twin);
  END LOOP;
END
$do$;

SELECT count(public.o2o_create_gin_twins(i.indexrelid))
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%';
