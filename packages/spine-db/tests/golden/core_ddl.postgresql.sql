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
    updated_at TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
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
    updated_at TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id)
);

CREATE INDEX IF NOT EXISTS ix_backfill_plans_dom_status ON core_backfill_plans (domain, status);

CREATE TABLE IF NOT EXISTS core_backfill_partitions (
    plan_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(500) NOT NULL,
    position INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    error TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, partition_key)
);

CREATE INDEX IF NOT EXISTS ix_backfill_parts_plan_status ON core_backfill_partitions (plan_id, status);

CREATE TABLE IF NOT EXISTS core_asset_materializations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_asset_mat_key_part ON core_asset_materializations (asset_key, asset_partition, created_at);

CREATE TABLE IF NOT EXISTS core_asset_observations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_asset_obs_key_part ON core_asset_observations (asset_key, asset_partition, created_at);

CREATE TABLE IF NOT EXISTS core_executions (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    params_json TEXT,
    status VARCHAR(20) NOT NULL,
    lane VARCHAR(100) DEFAULT 'default' NOT NULL,
    trigger_source VARCHAR(50),
    parent_execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    result_json TEXT,
    error TEXT,
    error_type VARCHAR(200),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    metadata_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_exec_idempotency ON core_executions (idempotency_key);

CREATE INDEX IF NOT EXISTS ix_exec_status_created ON core_executions (status, created_at);

CREATE INDEX IF NOT EXISTS ix_exec_workflow_created ON core_executions (workflow, created_at);

CREATE INDEX IF NOT EXISTS ix_exec_parent ON core_executions (parent_execution_id);

CREATE TABLE IF NOT EXISTS core_execution_events (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    payload_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_exec_events_exec_time ON core_execution_events (execution_id, occurred_at);

CREATE TABLE IF NOT EXISTS core_dead_letters (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64),
    workflow VARCHAR(200) NOT NULL,
    params_json TEXT,
    error TEXT NOT NULL,
    error_type VARCHAR(200),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    max_retries INTEGER DEFAULT 0 NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_retry_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    resolved_by VARCHAR(200),
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_dlq_workflow_resolved ON core_dead_letters (workflow, resolved_at);

CREATE INDEX IF NOT EXISTS ix_dlq_created ON core_dead_letters (created_at);

CREATE INDEX IF NOT EXISTS ix_dlq_execution ON core_dead_letters (execution_id);

CREATE TABLE IF NOT EXISTS core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lock_key)
);

CREATE INDEX IF NOT EXISTS ix_locks_expires ON core_concurrency_locks (expires_at);

CREATE TABLE IF NOT EXISTS core_work_items (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    lane VARCHAR(100) DEFAULT 'default' NOT NULL,
    domain VARCHAR(100),
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    payload_json TEXT,
    status VARCHAR(20) DEFAULT 'PENDING' NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    run_after TIMESTAMPTZ NOT NULL,
    lease_owner VARCHAR(255),
    lease_expires_at TIMESTAMPTZ,
    heartbeat_at TIMESTAMPTZ,
    attempts INTEGER DEFAULT 0 NOT NULL,
    max_attempts INTEGER DEFAULT 3 NOT NULL,
    last_error TEXT,
    execution_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_work_claim ON core_work_items (status, run_after, priority);

CREATE INDEX IF NOT EXISTS ix_work_lane_claim ON core_work_items (lane, status, run_after);

CREATE INDEX IF NOT EXISTS ix_work_lease ON core_work_items (status, lease_expires_at);

CREATE INDEX IF NOT EXISTS ix_work_idempotency ON core_work_items (idempotency_key);

CREATE TABLE IF NOT EXISTS core_workflow_runs (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    params_json TEXT,
    context_json TEXT,
    current_step VARCHAR(200),
    execution_id VARCHAR(64),
    parent_run_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_wf_runs_workflow_status ON core_workflow_runs (workflow, status);

CREATE INDEX IF NOT EXISTS ix_wf_runs_status_created ON core_workflow_runs (status, created_at);

CREATE INDEX IF NOT EXISTS ix_wf_runs_idempotency ON core_workflow_runs (idempotency_key);

CREATE TABLE IF NOT EXISTS core_workflow_steps (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200) NOT NULL,
    position INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts INTEGER DEFAULT 0 NOT NULL,
    input_json TEXT,
    output_json TEXT,
    error TEXT,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_wf_steps_run_step ON core_workflow_steps (run_id, step_name);

CREATE TABLE IF NOT EXISTS core_workflow_events (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200),
    event_type VARCHAR(50) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    payload_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_wf_events_run_time ON core_workflow_events (run_id, occurred_at);

CREATE TABLE IF NOT EXISTS core_schedules (
    id VARCHAR(64) NOT NULL,
    schedule_name VARCHAR(200) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    cron_expression VARCHAR(100),
    interval_seconds INTEGER,
    tz_name VARCHAR(64) DEFAULT 'UTC' NOT NULL,
    params_json TEXT,
    enabled BOOLEAN DEFAULT TRUE NOT NULL,
    next_run_at TIMESTAMPTZ,
    last_run_at TIMESTAMPTZ,
    last_execution_id VARCHAR(64),
    lease_owner VARCHAR(255),
    lease_expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_schedules_name ON core_schedules (schedule_name);

CREATE INDEX IF NOT EXISTS ix_schedules_due ON core_schedules (enabled, next_run_at);

CREATE TABLE IF NOT EXISTS _migrations (
    version BIGINT NOT NULL,
    name VARCHAR(200) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (version)
);
