CREATE TABLE IF NOT EXISTS core_manifest (
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    stage_rank INTEGER NOT NULL,
    row_count BIGINT,
    metrics_json TEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (domain, partition_hash, stage)
);

CREATE INDEX IF NOT EXISTS ix_manifest_domain_stage ON core_manifest (domain, stage);

CREATE TABLE IF NOT EXISTS core_rejects (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    reason_code VARCHAR(100) NOT NULL,
    reason_detail TEXT,
    raw_json TEXT,
    source_locator VARCHAR(1000),
    line_number BIGINT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_rejects_dom_part_reason ON core_rejects (domain, partition_hash, reason_code);

CREATE INDEX IF NOT EXISTS ix_rejects_execution ON core_rejects (execution_id);

CREATE INDEX IF NOT EXISTS ix_rejects_created ON core_rejects (created_at);

CREATE TABLE IF NOT EXISTS core_quality (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    check_name VARCHAR(200) NOT NULL,
    category VARCHAR(50) NOT NULL,
    status VARCHAR(10) NOT NULL,
    message TEXT,
    actual_json TEXT,
    expected_json TEXT,
    details_json TEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_quality_dom_part_check ON core_quality (domain, partition_hash, check_name);

CREATE INDEX IF NOT EXISTS ix_quality_execution ON core_quality (execution_id);

CREATE INDEX IF NOT EXISTS ix_quality_created ON core_quality (created_at);

CREATE TABLE IF NOT EXISTS core_anomalies (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    stage VARCHAR(100),
    workflow VARCHAR(200),
    severity VARCHAR(20) NOT NULL,
    category VARCHAR(50) NOT NULL,
    message TEXT NOT NULL,
    details_json TEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution_note TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_anomalies_dom_resolved ON core_anomalies (domain, resolved_at);

CREATE INDEX IF NOT EXISTS ix_anomalies_dom_severity ON core_anomalies (domain, severity);

CREATE INDEX IF NOT EXISTS ix_anomalies_created ON core_anomalies (created_at);

CREATE TABLE IF NOT EXISTS core_watermarks (
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    partition_key VARCHAR(255) NOT NULL,
    high_water VARCHAR(500) NOT NULL,
    metadata_json TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (domain, source, partition_key)
);

CREATE TABLE IF NOT EXISTS core_backfill_plans (
    plan_id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    reason TEXT,
    partition_count INTEGER NOT NULL,
    metadata_json TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (plan_id)
);

CREATE INDEX IF NOT EXISTS ix_backfill_plans_dom_status ON core_backfill_plans (domain, status);

CREATE TABLE IF NOT EXISTS core_backfill_partitions (
    plan_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(500) NOT NULL,
    position INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    error TEXT,
    updated_at TEXT NOT NULL,
    claimed_by VARCHAR(200),
    lease_expires_at TEXT,
    attempts INTEGER DEFAULT 0 NOT NULL,
    PRIMARY KEY (plan_id, partition_key)
);

CREATE INDEX IF NOT EXISTS ix_backfill_parts_plan_status ON core_backfill_partitions (plan_id, status);

CREATE TABLE IF NOT EXISTS core_asset_materializations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_asset_mat_key_part ON core_asset_materializations (asset_key, asset_partition, created_at);

CREATE TABLE IF NOT EXISTS core_asset_observations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_asset_obs_key_part ON core_asset_observations (asset_key, asset_partition, created_at);

CREATE TABLE IF NOT EXISTS core_restatement_locks (
    table_name VARCHAR(200) NOT NULL,
    key_hash VARCHAR(64) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    locked_at TEXT NOT NULL,
    PRIMARY KEY (table_name, key_hash)
);

-- migration 1 (lowercase_stored_values)

        UPDATE core_backfill_plans SET status = LOWER(status);
        UPDATE core_backfill_partitions SET status = LOWER(status);
        UPDATE core_quality SET status = LOWER(status), category = LOWER(category);
        UPDATE core_anomalies SET severity = LOWER(severity), category = LOWER(category)
        ;

-- migration 2 (backfill_partition_leases)
ALTER TABLE core_backfill_partitions ADD COLUMN claimed_by VARCHAR(200);
ALTER TABLE core_backfill_partitions ADD COLUMN lease_expires_at TEXT;
ALTER TABLE core_backfill_partitions ADD COLUMN attempts INTEGER DEFAULT 0 NOT NULL;
