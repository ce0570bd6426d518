-- temp table as
CREATE TEMP TABLE spine_l2_stage_x AS SELECT sym, h FROM trades WHERE 1 = 0

-- temp table
CREATE TEMP TABLE spine_l2_stage_x (
    sym VARCHAR(12) NOT NULL,
    record_hash VARCHAR(64) NOT NULL
)

-- insert into temp table
INSERT INTO spine_l2_stage_x (sym, h) VALUES (?, ?)

-- drop temp table
DROP TABLE IF EXISTS spine_l2_stage_x

-- insert missing
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h)

-- insert missing ignoring conflicts
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h) ON CONFLICT (h) DO NOTHING

-- insert ignoring conflicts on a natural key
INSERT INTO trades (wk, sym, v) SELECT s.wk, s.sym, s.v FROM spine_l2_stage_x s WHERE 1 = 1 ON CONFLICT (wk, sym) DO NOTHING

-- insert if absent (upsert without update)
INSERT INTO trades (sym, h) VALUES (?, ?) ON CONFLICT (h) DO NOTHING

-- bounded delete
DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects WHERE created_at < ? ORDER BY created_at LIMIT 500)

-- indexes of a table
SELECT il.name, ii.name, ii.seqno + 1, il."unique", il.partial FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii ORDER BY il.name, ii.seqno

-- indexes of a schema's table
SELECT il.name, ii.name, ii.seqno + 1, il."unique", il.partial FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii WHERE il.schema = ? ORDER BY il.name, ii.seqno

-- table exists
SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?

-- list tables
SELECT name FROM sqlite_master WHERE type = 'table'

-- list tables of a schema
SELECT name FROM spine_t_x.sqlite_master WHERE type = 'table'

-- create index by table name
CREATE UNIQUE INDEX IF NOT EXISTS ux_trades_h ON trades (h)

-- drop table found in the catalog
DROP TABLE "S"."CORE_X"

-- migration lock
-- none

-- add columns
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200);
ALTER TABLE jobs ADD COLUMN tries INTEGER DEFAULT 0 NOT NULL

-- ping
SELECT 1
