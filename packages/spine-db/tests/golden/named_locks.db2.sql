-- kind
-- row

-- lock table
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE "_SPINE_LOCKS" (
    "NAME" VARCHAR(200) NOT NULL,
    owner VARCHAR(200),
    expires_at TIMESTAMP(6),
    PRIMARY KEY ("NAME")
)';
END

-- lock row
MERGE INTO "_SPINE_LOCKS" AS tgt USING (VALUES (CAST(? AS VARCHAR(200)))) AS src ("NAME") ON tgt."NAME" = src."NAME" WHEN NOT MATCHED THEN INSERT ("NAME") VALUES (src."NAME")

-- acquire
UPDATE "_SPINE_LOCKS" SET owner = ?, expires_at = ? WHERE "NAME" = ? AND (owner IS NULL OR expires_at < ?)

-- release
UPDATE "_SPINE_LOCKS" SET owner = NULL, expires_at = NULL WHERE "NAME" = ? AND owner = ?
