CREATE TABLE IF NOT EXISTS _migrations (
    component VARCHAR(100) NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR(200) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
);
