-- temp table as
DECLARE GLOBAL TEMPORARY TABLE SESSION.spine_l2_stage_x AS (SELECT sym, h FROM trades) WITH NO DATA ON COMMIT PRESERVE ROWS NOT LOGGED

-- temp table
DECLARE GLOBAL TEMPORARY TABLE SESSION.spine_l2_stage_x (
    sym VARCHAR(12) NOT NULL,
    record_hash VARCHAR(64) NOT NULL
) ON COMMIT PRESERVE ROWS NOT LOGGED

-- insert into temp table
INSERT INTO SESSION.spine_l2_stage_x (sym, h) VALUES (?, ?)

-- drop temp table
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END;
    EXECUTE IMMEDIATE 'DROP TABLE SESSION.spine_l2_stage_x';
END

-- insert missing
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM SESSION.spine_l2_stage_x s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h)

-- insert missing ignoring conflicts
MERGE INTO trades AS t USING (SELECT sym, h FROM SESSION.spine_l2_stage_x) AS s ON t.h = s.h WHEN NOT MATCHED THEN INSERT (sym, h) VALUES (s.sym, s.h)

-- insert ignoring conflicts on a natural key
MERGE INTO trades AS t USING (SELECT wk, sym, v FROM SESSION.spine_l2_stage_x) AS s ON (t.wk = s.wk AND t.sym = s.sym) WHEN NOT MATCHED THEN INSERT (wk, sym, v) VALUES (s.wk, s.sym, s.v)

-- insert if absent (upsert without update)
MERGE INTO trades AS tgt USING (VALUES (?, ?)) AS src (sym, h) ON tgt.h = src.h WHEN NOT MATCHED THEN INSERT (sym, h) VALUES (src.sym, src.h)

-- bounded delete
DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects WHERE created_at < ? ORDER BY created_at OFFSET 0 ROWS FETCH NEXT 500 ROWS ONLY)

-- indexes of a table
SELECT i.INDNAME, c.COLNAME, c.COLSEQ, CASE WHEN i.UNIQUERULE IN ('U', 'P') THEN 1 ELSE 0 END, 0 FROM SYSCAT.INDEXES i JOIN SYSCAT.INDEXCOLUSE c ON c.INDSCHEMA = i.INDSCHEMA AND c.INDNAME = i.INDNAME WHERE i.TABSCHEMA = CURRENT SCHEMA AND i.TABNAME = ? ORDER BY i.INDNAME, c.COLSEQ

-- indexes of a schema's table
SELECT i.INDNAME, c.COLNAME, c.COLSEQ, CASE WHEN i.UNIQUERULE IN ('U', 'P') THEN 1 ELSE 0 END, 0 FROM SYSCAT.INDEXES i JOIN SYSCAT.INDEXCOLUSE c ON c.INDSCHEMA = i.INDSCHEMA AND c.INDNAME = i.INDNAME WHERE i.TABSCHEMA = ? AND i.TABNAME = ? ORDER BY i.INDNAME, c.COLSEQ

-- table exists
SELECT 1 FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME = ?

-- list tables
SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'T'

-- list tables of a schema
SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = ? AND TYPE = 'T'

-- create index by table name
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_trades_h ON trades (h) EXCLUDE NULL KEYS';
END

-- drop table found in the catalog
DROP TABLE "S"."CORE_X"

-- migration lock
-- none

-- add columns
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200) ADD COLUMN tries INTEGER DEFAULT 0 NOT NULL

-- ping
SELECT 1 FROM SYSIBM.SYSDUMMY1

-- create schema
-- implicit

-- drop schema
DROP TABLE "SPINE_T_X"."T1"
DROP SCHEMA "SPINE_T_X" RESTRICT
