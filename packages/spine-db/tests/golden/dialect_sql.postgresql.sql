-- temp table as
CREATE TEMPORARY TABLE spine_l2_stage_x AS SELECT sym, h FROM trades WHERE 1 = 0

-- temp table
CREATE TEMPORARY TABLE spine_l2_stage_x (
    sym VARCHAR(12) NOT NULL,
    record_hash VARCHAR(64) NOT NULL
)

-- insert into temp table
INSERT INTO spine_l2_stage_x (sym, h) VALUES (%s, %s)

-- drop temp table
DROP TABLE IF EXISTS spine_l2_stage_x

-- insert missing
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h)

-- insert missing ignoring conflicts
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h) ON CONFLICT (h) DO NOTHING

-- insert ignoring conflicts on a natural key
INSERT INTO trades (wk, sym, v) SELECT s.wk, s.sym, s.v FROM spine_l2_stage_x s WHERE 1 = 1 ON CONFLICT (wk, sym) DO NOTHING

-- insert if absent (upsert without update)
INSERT INTO trades (sym, h) VALUES (%s, %s) ON CONFLICT (h) DO NOTHING

-- bounded delete
DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects WHERE created_at < %s ORDER BY created_at LIMIT 500)

-- indexes of a table
SELECT c.relname, a.attname, k.n, i.indisunique, (i.indpred IS NOT NULL) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = to_regclass(%s) AND k.n <= i.indnkeyatts ORDER BY c.relname, k.n

-- indexes of a schema's table
SELECT c.relname, a.attname, k.n, i.indisunique, (i.indpred IS NOT NULL) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = to_regclass(%s) AND k.n <= i.indnkeyatts ORDER BY c.relname, k.n

-- table exists
SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s

-- list tables
SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'

-- list tables of a schema
SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'

-- create index by table name
CREATE UNIQUE INDEX IF NOT EXISTS ux_trades_h ON trades (h)

-- drop table found in the catalog
DROP TABLE "S"."CORE_X"

-- migration lock
SELECT pg_advisory_xact_lock(hashtext('spine_migrations'))

-- add columns
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200), ADD COLUMN tries INTEGER DEFAULT 0 NOT NULL

-- ping
SELECT 1

-- create schema
CREATE SCHEMA spine_t_x

-- drop schema
DROP SCHEMA IF EXISTS spine_t_x CASCADE
