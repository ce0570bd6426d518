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

CREATE TABLE IF NOT EXISTS core_executions (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    params_json LONGTEXT,
    status VARCHAR(20) NOT NULL,
    lane VARCHAR(100) DEFAULT 'default' NOT NULL,
    trigger_source VARCHAR(50),
    parent_execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6),
    completed_at DATETIME(6),
    updated_at DATETIME(6),
    result_json LONGTEXT,
    error LONGTEXT,
    error_type VARCHAR(200),
    retry_count INT DEFAULT 0 NOT NULL,
    metadata_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_exec_idempotency (idempotency_key),
    INDEX ix_exec_status_created (status, created_at),
    INDEX ix_exec_workflow_created (workflow, created_at),
    INDEX ix_exec_parent (parent_execution_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_execution_events (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    payload_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_exec_events_exec_time (execution_id, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_dead_letters (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64),
    workflow VARCHAR(200) NOT NULL,
    params_json LONGTEXT,
    error LONGTEXT NOT NULL,
    error_type VARCHAR(200),
    retry_count INT DEFAULT 0 NOT NULL,
    max_retries INT DEFAULT 0 NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_retry_at DATETIME(6),
    resolved_at DATETIME(6),
    resolved_by VARCHAR(200),
    PRIMARY KEY (id),
    INDEX ix_dlq_workflow_resolved (workflow, resolved_at),
    INDEX ix_dlq_created (created_at),
    INDEX ix_dlq_execution (execution_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (lock_key),
    INDEX ix_locks_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_work_items (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    lane VARCHAR(100) DEFAULT 'default' NOT NULL,
    domain VARCHAR(100),
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    payload_json LONGTEXT,
    status VARCHAR(20) DEFAULT 'PENDING' NOT NULL,
    priority INT DEFAULT 0 NOT NULL,
    run_after DATETIME(6) NOT NULL,
    lease_owner VARCHAR(255),
    lease_expires_at DATETIME(6),
    heartbeat_at DATETIME(6),
    attempts INT DEFAULT 0 NOT NULL,
    max_attempts INT DEFAULT 3 NOT NULL,
    last_error LONGTEXT,
    execution_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    completed_at DATETIME(6),
    PRIMARY KEY (id),
    INDEX ix_work_claim (status, run_after, priority),
    INDEX ix_work_lane_claim (lane, status, run_after),
    INDEX ix_work_lease (status, lease_expires_at),
    INDEX ix_work_idempotency (idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_workflow_runs (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    params_json LONGTEXT,
    context_json LONGTEXT,
    current_step VARCHAR(200),
    execution_id VARCHAR(64),
    parent_run_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    error LONGTEXT,
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6),
    completed_at DATETIME(6),
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_wf_runs_workflow_status (workflow, status),
    INDEX ix_wf_runs_status_created (status, created_at),
    INDEX ix_wf_runs_idempotency (idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_workflow_steps (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200) NOT NULL,
    position INT NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts INT DEFAULT 0 NOT NULL,
    input_json LONGTEXT,
    output_json LONGTEXT,
    error LONGTEXT,
    started_at DATETIME(6),
    completed_at DATETIME(6),
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE INDEX ux_wf_steps_run_step (run_id, step_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_workflow_events (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200),
    event_type VARCHAR(50) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    payload_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_wf_events_run_time (run_id, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_schedules (
    id VARCHAR(64) NOT NULL,
    schedule_name VARCHAR(200) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    cron_expression VARCHAR(100),
    interval_seconds INT,
    tz_name VARCHAR(64) DEFAULT 'UTC' NOT NULL,
    params_json LONGTEXT,
    enabled BOOLEAN DEFAULT 1 NOT NULL,
    next_run_at DATETIME(6),
    last_run_at DATETIME(6),
    last_execution_id VARCHAR(64),
    lease_owner VARCHAR(255),
    lease_expires_at DATETIME(6),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE INDEX ux_schedules_name (schedule_name),
    INDEX ix_schedules_due (enabled, next_run_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS _migrations (
    version BIGINT NOT NULL,
    name VARCHAR(200) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    applied_at DATETIME(6) NOT NULL,
    PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
