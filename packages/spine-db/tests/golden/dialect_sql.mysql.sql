-- temp table as
CREATE TEMPORARY TABLE spine_l2_stage_x AS SELECT sym, h FROM trades WHERE 1 = 0

-- temp table
CREATE TEMPORARY TABLE spine_l2_stage_x (
    sym VARCHAR(12) NOT NULL,
    record_hash VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

-- insert into temp table
INSERT INTO spine_l2_stage_x (sym, h) VALUES (%s, %s)

-- drop temp table
DROP TEMPORARY TABLE IF EXISTS spine_l2_stage_x

-- insert missing
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s LEFT JOIN trades t ON t.h = s.h WHERE t.h IS NULL ORDER BY s.h

-- insert missing ignoring conflicts
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM spine_l2_stage_x s LEFT JOIN trades t ON t.h = s.h WHERE t.h IS NULL ORDER BY s.h ON DUPLICATE KEY UPDATE trades.h = trades.h

-- insert ignoring conflicts on a natural key
INSERT INTO trades (wk, sym, v) SELECT s.wk, s.sym, s.v FROM spine_l2_stage_x s ON DUPLICATE KEY UPDATE trades.wk = trades.wk

-- insert if absent (upsert without update)
INSERT INTO trades (sym, h) VALUES (%s, %s) ON DUPLICATE KEY UPDATE h = h

-- bounded delete
DELETE FROM core_rejects WHERE created_at < %s ORDER BY created_at LIMIT 500

-- indexes of a table
SELECT index_name, column_name, seq_in_index, non_unique = 0, 0 FROM information_schema.statistics WHERE table_schema = COALESCE(%s, DATABASE()) AND table_name = %s ORDER BY index_name, seq_in_index

-- indexes of a schema's table
SELECT index_name, column_name, seq_in_index, non_unique = 0, 0 FROM information_schema.statistics WHERE table_schema = COALESCE(%s, DATABASE()) AND table_name = %s ORDER BY index_name, seq_in_index

-- table exists
SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = %s

-- list tables
SELECT table_name FROM information_schema.tables WHERE table_schema = COALESCE(%s, DATABASE()) AND table_type = 'BASE TABLE'

-- list tables of a schema
SELECT table_name FROM information_schema.tables WHERE table_schema = COALESCE(%s, DATABASE()) AND table_type = 'BASE TABLE'

-- create index by table name
CREATE UNIQUE INDEX IF NOT EXISTS ux_trades_h ON trades (h)

-- drop table found in the catalog
DROP TABLE `S`.`CORE_X`

-- migration lock
-- none

-- add columns
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200), ADD COLUMN tries INT DEFAULT 0 NOT NULL

-- ping
SELECT 1

-- create schema
CREATE DATABASE spine_t_x CHARACTER SET utf8mb4 COLLATE utf8mb4_bin

-- drop schema
DROP DATABASE IF EXISTS spine_t_x
