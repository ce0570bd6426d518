CREATE TABLE IF NOT EXISTS core_manifest (
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    stage_rank INT NOT NULL,
    row_count BIGINT,
    metrics_json LONGTEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (domain, partition_hash, stage),
    INDEX ix_manifest_domain_stage (domain, stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_rejects (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    reason_code VARCHAR(100) NOT NULL,
    reason_detail LONGTEXT,
    raw_json LONGTEXT,
    source_locator VARCHAR(1000),
    line_number BIGINT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_rejects_dom_part_reason (domain, partition_hash, reason_code),
    INDEX ix_rejects_execution (execution_id),
    INDEX ix_rejects_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_quality (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    check_name VARCHAR(200) NOT NULL,
    category VARCHAR(50) NOT NULL,
    status VARCHAR(10) NOT NULL,
    message LONGTEXT,
    actual_json LONGTEXT,
    expected_json LONGTEXT,
    details_json LONGTEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_quality_dom_part_check (domain, partition_hash, check_name),
    INDEX ix_quality_execution (execution_id),
    INDEX ix_quality_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_anomalies (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    stage VARCHAR(100),
    workflow VARCHAR(200),
    severity VARCHAR(20) NOT NULL,
    category VARCHAR(50) NOT NULL,
    message LONGTEXT NOT NULL,
    details_json LONGTEXT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at DATETIME(6) NOT NULL,
    resolved_at DATETIME(6),
    resolution_note LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_anomalies_dom_resolved (domain, resolved_at),
    INDEX ix_anomalies_dom_severity (domain, severity),
    INDEX ix_anomalies_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_watermarks (
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    partition_key VARCHAR(255) NOT NULL,
    high_water VARCHAR(500) NOT NULL,
    metadata_json LONGTEXT,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (domain, source, partition_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_backfill_plans (
    plan_id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    reason LONGTEXT,
    partition_count INT NOT NULL,
    metadata_json LONGTEXT,
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6),
    completed_at DATETIME(6),
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (plan_id),
    INDEX ix_backfill_plans_dom_status (domain, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_backfill_partitions (
    plan_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(500) NOT NULL,
    position INT NOT NULL,
    status VARCHAR(20) NOT NULL,
    error LONGTEXT,
    updated_at DATETIME(6) NOT NULL,
    claimed_by VARCHAR(200),
    lease_expires_at DATETIME(6),
    attempts INT DEFAULT 0 NOT NULL,
    PRIMARY KEY (plan_id, partition_key),
    INDEX ix_backfill_parts_plan_status (plan_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_asset_materializations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json LONGTEXT,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_asset_mat_key_part (asset_key(383), asset_partition(383), created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_asset_observations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json LONGTEXT,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_asset_obs_key_part (asset_key(383), asset_partition(383), created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_restatement_locks (
    table_name VARCHAR(200) NOT NULL,
    key_hash VARCHAR(64) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    locked_at DATETIME(6) NOT NULL,
    PRIMARY KEY (table_name, key_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- migration 1 (lowercase_stored_values)

        UPDATE core_backfill_plans SET status = LOWER(status);
        UPDATE core_backfill_partitions SET status = LOWER(status);
        UPDATE core_quality SET status = LOWER(status), category = LOWER(category);
        UPDATE core_anomalies SET severity = LOWER(severity), category = LOWER(category)
        ;

-- migration 2 (backfill_partition_leases)
ALTER TABLE core_backfill_partitions ADD COLUMN claimed_by VARCHAR(200), ADD COLUMN lease_expires_at DATETIME(6), ADD COLUMN attempts INT DEFAULT 0 NOT NULL;
