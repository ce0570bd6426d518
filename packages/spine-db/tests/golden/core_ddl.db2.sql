BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_manifest (
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    stage_rank INTEGER NOT NULL,
    row_count BIGINT,
    metrics_json CLOB(1G),
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (domain, partition_hash, stage)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_manifest_domain_stage ON core_manifest (domain, stage)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_rejects (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    stage VARCHAR(100) NOT NULL,
    reason_code VARCHAR(100) NOT NULL,
    reason_detail CLOB(1G),
    raw_json CLOB(1G),
    source_locator VARCHAR(1000),
    line_number BIGINT,
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_dom_part_reason ON core_rejects (domain, partition_hash, reason_code)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_execution ON core_rejects (execution_id)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_created ON core_rejects (created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_quality (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000) NOT NULL,
    partition_hash VARCHAR(64) NOT NULL,
    check_name VARCHAR(200) NOT NULL,
    category VARCHAR(50) NOT NULL,
    status VARCHAR(10) NOT NULL,
    message CLOB(1G),
    actual_json CLOB(1G),
    expected_json CLOB(1G),
    details_json CLOB(1G),
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_dom_part_check ON core_quality (domain, partition_hash, check_name)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_execution ON core_quality (execution_id)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_created ON core_quality (created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_anomalies (
    id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    stage VARCHAR(100),
    workflow VARCHAR(200),
    severity VARCHAR(20) NOT NULL,
    category VARCHAR(50) NOT NULL,
    message CLOB(1G) NOT NULL,
    details_json CLOB(1G),
    execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    created_at TIMESTAMP(6) NOT NULL,
    resolved_at TIMESTAMP(6),
    resolution_note CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_dom_resolved ON core_anomalies (domain, resolved_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_dom_severity ON core_anomalies (domain, severity)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_created ON core_anomalies (created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_watermarks (
    domain VARCHAR(100) NOT NULL,
    "SOURCE" VARCHAR(200) NOT NULL,
    partition_key VARCHAR(255) NOT NULL,
    high_water VARCHAR(500) NOT NULL,
    metadata_json CLOB(1G),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (domain, "SOURCE", partition_key)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_backfill_plans (
    plan_id VARCHAR(64) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    "SOURCE" VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    reason CLOB(1G),
    partition_count INTEGER NOT NULL,
    metadata_json CLOB(1G),
    created_at TIMESTAMP(6) NOT NULL,
    started_at TIMESTAMP(6),
    completed_at TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (plan_id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_backfill_plans_dom_status ON core_backfill_plans (domain, status)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_backfill_partitions (
    plan_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(500) NOT NULL,
    "POSITION" INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    error CLOB(1G),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (plan_id, partition_key)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_backfill_parts_plan_status ON core_backfill_partitions (plan_id, status)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_asset_materializations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json CLOB(1G),
    created_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_asset_mat_key_part ON core_asset_materializations (asset_key, asset_partition, created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_asset_observations (
    id VARCHAR(64) NOT NULL,
    asset_key VARCHAR(500) NOT NULL,
    asset_partition VARCHAR(500),
    execution_id VARCHAR(64),
    metadata_json CLOB(1G),
    created_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_asset_obs_key_part ON core_asset_observations (asset_key, asset_partition, created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_executions (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    params_json CLOB(1G),
    status VARCHAR(20) NOT NULL,
    lane VARCHAR(100) DEFAULT ''default'' NOT NULL,
    trigger_source VARCHAR(50),
    parent_execution_id VARCHAR(64),
    batch_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at TIMESTAMP(6) NOT NULL,
    started_at TIMESTAMP(6),
    completed_at TIMESTAMP(6),
    updated_at TIMESTAMP(6),
    result_json CLOB(1G),
    error CLOB(1G),
    error_type VARCHAR(200),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    metadata_json CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_idempotency ON core_executions (idempotency_key)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_status_created ON core_executions (status, created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_workflow_created ON core_executions (workflow, created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_parent ON core_executions (parent_execution_id)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_execution_events (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    occurred_at TIMESTAMP(6) NOT NULL,
    payload_json CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_events_exec_time ON core_execution_events (execution_id, occurred_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_dead_letters (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64),
    workflow VARCHAR(200) NOT NULL,
    params_json CLOB(1G),
    error CLOB(1G) NOT NULL,
    error_type VARCHAR(200),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    max_retries INTEGER DEFAULT 0 NOT NULL,
    created_at TIMESTAMP(6) NOT NULL,
    last_retry_at TIMESTAMP(6),
    resolved_at TIMESTAMP(6),
    resolved_by VARCHAR(200),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_workflow_resolved ON core_dead_letters (workflow, resolved_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_created ON core_dead_letters (created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_execution ON core_dead_letters (execution_id)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at TIMESTAMP(6) NOT NULL,
    expires_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (lock_key)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_locks_expires ON core_concurrency_locks (expires_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_work_items (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    lane VARCHAR(100) DEFAULT ''default'' NOT NULL,
    domain VARCHAR(100),
    partition_key VARCHAR(2000),
    partition_hash VARCHAR(64),
    payload_json CLOB(1G),
    status VARCHAR(20) DEFAULT ''PENDING'' NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    run_after TIMESTAMP(6) NOT NULL,
    lease_owner VARCHAR(255),
    lease_expires_at TIMESTAMP(6),
    heartbeat_at TIMESTAMP(6),
    attempts INTEGER DEFAULT 0 NOT NULL,
    max_attempts INTEGER DEFAULT 3 NOT NULL,
    last_error CLOB(1G),
    execution_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    created_at TIMESTAMP(6) NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL,
    completed_at TIMESTAMP(6),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_claim ON core_work_items (status, run_after, priority)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_lane_claim ON core_work_items (lane, status, run_after)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_lease ON core_work_items (status, lease_expires_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_idempotency ON core_work_items (idempotency_key)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_runs (
    id VARCHAR(64) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL,
    params_json CLOB(1G),
    context_json CLOB(1G),
    current_step VARCHAR(200),
    execution_id VARCHAR(64),
    parent_run_id VARCHAR(64),
    idempotency_key VARCHAR(255),
    error CLOB(1G),
    created_at TIMESTAMP(6) NOT NULL,
    started_at TIMESTAMP(6),
    completed_at TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_workflow_status ON core_workflow_runs (workflow, status)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_status_created ON core_workflow_runs (status, created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_idempotency ON core_workflow_runs (idempotency_key)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_steps (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200) NOT NULL,
    "POSITION" INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts INTEGER DEFAULT 0 NOT NULL,
    input_json CLOB(1G),
    output_json CLOB(1G),
    error CLOB(1G),
    started_at TIMESTAMP(6),
    completed_at TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_wf_steps_run_step ON core_workflow_steps (run_id, step_name)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_events (
    id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    step_name VARCHAR(200),
    event_type VARCHAR(50) NOT NULL,
    occurred_at TIMESTAMP(6) NOT NULL,
    payload_json CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_events_run_time ON core_workflow_events (run_id, occurred_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedules (
    id VARCHAR(64) NOT NULL,
    schedule_name VARCHAR(200) NOT NULL,
    workflow VARCHAR(200) NOT NULL,
    cron_expression VARCHAR(100),
    interval_seconds INTEGER,
    tz_name VARCHAR(64) DEFAULT ''UTC'' NOT NULL,
    params_json CLOB(1G),
    enabled SMALLINT DEFAULT 1 NOT NULL,
    next_run_at TIMESTAMP(6),
    last_run_at TIMESTAMP(6),
    last_execution_id VARCHAR(64),
    lease_owner VARCHAR(255),
    lease_expires_at TIMESTAMP(6),
    created_at TIMESTAMP(6) NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_schedules_name ON core_schedules (schedule_name)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_schedules_due ON core_schedules (enabled, next_run_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE "_MIGRATIONS" (
    "VERSION" BIGINT NOT NULL,
    "NAME" VARCHAR(200) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    applied_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY ("VERSION")
)';
END
