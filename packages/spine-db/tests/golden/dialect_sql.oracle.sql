-- temp table as
CREATE PRIVATE TEMPORARY TABLE ORA$PTT_SPINE_L2_STAGE_X ON COMMIT DROP DEFINITION AS SELECT sym, h FROM trades WHERE 1 = 0

-- temp table
CREATE PRIVATE TEMPORARY TABLE ORA$PTT_SPINE_L2_STAGE_X (
    sym VARCHAR2(12 CHAR) NOT NULL,
    record_hash VARCHAR2(64 CHAR) NOT NULL
) ON COMMIT PRESERVE DEFINITION

-- insert into temp table
INSERT INTO ORA$PTT_SPINE_L2_STAGE_X (sym, h) VALUES (:1, :2)

-- drop temp table
BEGIN
    EXECUTE IMMEDIATE 'DROP TABLE ORA$PTT_SPINE_L2_STAGE_X';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-942) THEN
            RAISE;
        END IF;
END;

-- insert missing
INSERT INTO trades (sym, h) SELECT s.sym, s.h FROM ORA$PTT_SPINE_L2_STAGE_X s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h)

-- insert missing ignoring conflicts
INSERT /*+ IGNORE_ROW_ON_DUPKEY_INDEX(trades (h)) */ INTO trades (sym, h) SELECT s.sym, s.h FROM ORA$PTT_SPINE_L2_STAGE_X s WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.h = s.h)

-- insert ignoring conflicts on a natural key
MERGE INTO trades t USING (SELECT wk, sym, v FROM ORA$PTT_SPINE_L2_STAGE_X) s ON (t.wk = s.wk AND t.sym = s.sym) WHEN NOT MATCHED THEN INSERT (wk, sym, v) VALUES (s.wk, s.sym, s.v)

-- insert if absent (upsert without update)
MERGE INTO trades tgt USING (SELECT :1 AS sym, :2 AS h FROM dual) src ON (tgt.h = src.h) WHEN NOT MATCHED THEN INSERT (sym, h) VALUES (src.sym, src.h)

-- bounded delete
DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects WHERE created_at < :1 ORDER BY created_at OFFSET 0 ROWS FETCH NEXT 500 ROWS ONLY)

-- indexes of a table
SELECT i.index_name, c.column_name, c.column_position, CASE i.uniqueness WHEN 'UNIQUE' THEN 1 ELSE 0 END, 0 FROM all_indexes i JOIN all_ind_columns c ON c.index_owner = i.owner AND c.index_name = i.index_name WHERE i.table_name = :1 AND i.table_owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') ORDER BY i.index_name, c.column_position

-- indexes of a schema's table
SELECT i.index_name, c.column_name, c.column_position, CASE i.uniqueness WHEN 'UNIQUE' THEN 1 ELSE 0 END, 0 FROM all_indexes i JOIN all_ind_columns c ON c.index_owner = i.owner AND c.index_name = i.index_name WHERE i.table_name = :1 AND i.table_owner = :2 ORDER BY i.index_name, c.column_position

-- table exists
SELECT 1 FROM all_tables WHERE table_name = :1 AND owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')

-- list tables
SELECT table_name FROM user_tables

-- list tables of a schema
SELECT table_name FROM all_tables WHERE owner = :1

-- create index by table name
BEGIN
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_trades_h ON trades (h)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

-- drop table found in the catalog
DROP TABLE "S"."CORE_X" CASCADE CONSTRAINTS PURGE

-- migration lock
-- none

-- add columns
ALTER TABLE jobs ADD (owner VARCHAR2(200 CHAR), tries NUMBER(10) DEFAULT 0 NOT NULL)

-- ping
SELECT 1 FROM DUAL
