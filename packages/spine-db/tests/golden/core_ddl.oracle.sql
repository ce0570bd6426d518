BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_manifest (
    domain VARCHAR2(100 CHAR) NOT NULL,
    partition_key VARCHAR2(2000 CHAR) NOT NULL,
    partition_hash VARCHAR2(64 CHAR) NOT NULL,
    stage VARCHAR2(100 CHAR) NOT NULL,
    stage_rank NUMBER(10) NOT NULL,
    row_count NUMBER(19),
    metrics_json CLOB,
    execution_id VARCHAR2(64 CHAR),
    batch_id VARCHAR2(64 CHAR),
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (domain, partition_hash, stage)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_manifest_domain_stage ON core_manifest (domain, stage)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_rejects (
    id VARCHAR2(64 CHAR) NOT NULL,
    domain VARCHAR2(100 CHAR) NOT NULL,
    partition_key VARCHAR2(2000 CHAR) NOT NULL,
    partition_hash VARCHAR2(64 CHAR) NOT NULL,
    stage VARCHAR2(100 CHAR) NOT NULL,
    reason_code VARCHAR2(100 CHAR) NOT NULL,
    reason_detail CLOB,
    raw_json CLOB,
    source_locator VARCHAR2(1000 CHAR),
    line_number NUMBER(19),
    execution_id VARCHAR2(64 CHAR),
    batch_id VARCHAR2(64 CHAR),
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_dom_part_reason ON core_rejects (domain, partition_hash, reason_code)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_execution ON core_rejects (execution_id)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_rejects_created ON core_rejects (created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_quality (
    id VARCHAR2(64 CHAR) NOT NULL,
    domain VARCHAR2(100 CHAR) NOT NULL,
    partition_key VARCHAR2(2000 CHAR) NOT NULL,
    partition_hash VARCHAR2(64 CHAR) NOT NULL,
    check_name VARCHAR2(200 CHAR) NOT NULL,
    category VARCHAR2(50 CHAR) NOT NULL,
    status VARCHAR2(10 CHAR) NOT NULL,
    message CLOB,
    actual_json CLOB,
    expected_json CLOB,
    details_json CLOB,
    execution_id VARCHAR2(64 CHAR),
    batch_id VARCHAR2(64 CHAR),
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_dom_part_check ON core_quality (domain, partition_hash, check_name)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_execution ON core_quality (execution_id)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_quality_created ON core_quality (created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_anomalies (
    id VARCHAR2(64 CHAR) NOT NULL,
    domain VARCHAR2(100 CHAR) NOT NULL,
    partition_key VARCHAR2(2000 CHAR),
    partition_hash VARCHAR2(64 CHAR),
    stage VARCHAR2(100 CHAR),
    workflow VARCHAR2(200 CHAR),
    severity VARCHAR2(20 CHAR) NOT NULL,
    category VARCHAR2(50 CHAR) NOT NULL,
    message CLOB NOT NULL,
    details_json CLOB,
    execution_id VARCHAR2(64 CHAR),
    batch_id VARCHAR2(64 CHAR),
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    resolved_at TIMESTAMP(6) WITH TIME ZONE,
    resolution_note CLOB,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_dom_resolved ON core_anomalies (domain, resolved_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_dom_severity ON core_anomalies (domain, severity)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_anomalies_created ON core_anomalies (created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_watermarks (
    domain VARCHAR2(100 CHAR) NOT NULL,
    source VARCHAR2(200 CHAR) NOT NULL,
    partition_key VARCHAR2(255 CHAR) NOT NULL,
    high_water VARCHAR2(500 CHAR) NOT NULL,
    metadata_json CLOB,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (domain, source, partition_key)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_backfill_plans (
    plan_id VARCHAR2(64 CHAR) NOT NULL,
    domain VARCHAR2(100 CHAR) NOT NULL,
    source VARCHAR2(200 CHAR) NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    reason CLOB,
    partition_count NUMBER(10) NOT NULL,
    metadata_json CLOB,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP(6) WITH TIME ZONE,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (plan_id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_backfill_plans_dom_status ON core_backfill_plans (domain, status)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_backfill_partitions (
    plan_id VARCHAR2(64 CHAR) NOT NULL,
    partition_key VARCHAR2(500 CHAR) NOT NULL,
    position NUMBER(10) NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    error CLOB,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (plan_id, partition_key)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_backfill_parts_plan_status ON core_backfill_partitions (plan_id, status)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_asset_materializations (
    id VARCHAR2(64 CHAR) NOT NULL,
    asset_key VARCHAR2(500 CHAR) NOT NULL,
    asset_partition VARCHAR2(500 CHAR),
    execution_id VARCHAR2(64 CHAR),
    metadata_json CLOB,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_asset_mat_key_part ON core_asset_materializations (asset_key, asset_partition, created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_asset_observations (
    id VARCHAR2(64 CHAR) NOT NULL,
    asset_key VARCHAR2(500 CHAR) NOT NULL,
    asset_partition VARCHAR2(500 CHAR),
    execution_id VARCHAR2(64 CHAR),
    metadata_json CLOB,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_asset_obs_key_part ON core_asset_observations (asset_key, asset_partition, created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_executions (
    id VARCHAR2(64 CHAR) NOT NULL,
    workflow VARCHAR2(200 CHAR) NOT NULL,
    params_json CLOB,
    status VARCHAR2(20 CHAR) NOT NULL,
    lane VARCHAR2(100 CHAR) DEFAULT ''default'' NOT NULL,
    trigger_source VARCHAR2(50 CHAR),
    parent_execution_id VARCHAR2(64 CHAR),
    batch_id VARCHAR2(64 CHAR),
    idempotency_key VARCHAR2(255 CHAR),
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP(6) WITH TIME ZONE,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    result_json CLOB,
    error CLOB,
    error_type VARCHAR2(200 CHAR),
    retry_count NUMBER(10) DEFAULT 0 NOT NULL,
    metadata_json CLOB,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_idempotency ON core_executions (idempotency_key)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_status_created ON core_executions (status, created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_workflow_created ON core_executions (workflow, created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_parent ON core_executions (parent_execution_id)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_execution_events (
    id VARCHAR2(64 CHAR) NOT NULL,
    execution_id VARCHAR2(64 CHAR) NOT NULL,
    event_type VARCHAR2(50 CHAR) NOT NULL,
    occurred_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    payload_json CLOB,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_events_exec_time ON core_execution_events (execution_id, occurred_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_dead_letters (
    id VARCHAR2(64 CHAR) NOT NULL,
    execution_id VARCHAR2(64 CHAR),
    workflow VARCHAR2(200 CHAR) NOT NULL,
    params_json CLOB,
    error CLOB NOT NULL,
    error_type VARCHAR2(200 CHAR),
    retry_count NUMBER(10) DEFAULT 0 NOT NULL,
    max_retries NUMBER(10) DEFAULT 0 NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_retry_at TIMESTAMP(6) WITH TIME ZONE,
    resolved_at TIMESTAMP(6) WITH TIME ZONE,
    resolved_by VARCHAR2(200 CHAR),
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_workflow_resolved ON core_dead_letters (workflow, resolved_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_created ON core_dead_letters (created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dlq_execution ON core_dead_letters (execution_id)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_concurrency_locks (
    lock_key VARCHAR2(255 CHAR) NOT NULL,
    owner VARCHAR2(255 CHAR) NOT NULL,
    execution_id VARCHAR2(64 CHAR),
    acquired_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (lock_key)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_locks_expires ON core_concurrency_locks (expires_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_work_items (
    id VARCHAR2(64 CHAR) NOT NULL,
    workflow VARCHAR2(200 CHAR) NOT NULL,
    lane VARCHAR2(100 CHAR) DEFAULT ''default'' NOT NULL,
    domain VARCHAR2(100 CHAR),
    partition_key VARCHAR2(2000 CHAR),
    partition_hash VARCHAR2(64 CHAR),
    payload_json CLOB,
    status VARCHAR2(20 CHAR) DEFAULT ''PENDING'' NOT NULL,
    priority NUMBER(10) DEFAULT 0 NOT NULL,
    run_after TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    lease_owner VARCHAR2(255 CHAR),
    lease_expires_at TIMESTAMP(6) WITH TIME ZONE,
    heartbeat_at TIMESTAMP(6) WITH TIME ZONE,
    attempts NUMBER(10) DEFAULT 0 NOT NULL,
    max_attempts NUMBER(10) DEFAULT 3 NOT NULL,
    last_error CLOB,
    execution_id VARCHAR2(64 CHAR),
    idempotency_key VARCHAR2(255 CHAR),
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_claim ON core_work_items (status, run_after, priority)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_lane_claim ON core_work_items (lane, status, run_after)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_lease ON core_work_items (status, lease_expires_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_work_idempotency ON core_work_items (idempotency_key)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_runs (
    id VARCHAR2(64 CHAR) NOT NULL,
    workflow VARCHAR2(200 CHAR) NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    params_json CLOB,
    context_json CLOB,
    current_step VARCHAR2(200 CHAR),
    execution_id VARCHAR2(64 CHAR),
    parent_run_id VARCHAR2(64 CHAR),
    idempotency_key VARCHAR2(255 CHAR),
    error CLOB,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP(6) WITH TIME ZONE,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_workflow_status ON core_workflow_runs (workflow, status)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_status_created ON core_workflow_runs (status, created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_runs_idempotency ON core_workflow_runs (idempotency_key)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_steps (
    id VARCHAR2(64 CHAR) NOT NULL,
    run_id VARCHAR2(64 CHAR) NOT NULL,
    step_name VARCHAR2(200 CHAR) NOT NULL,
    position NUMBER(10) NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    attempts NUMBER(10) DEFAULT 0 NOT NULL,
    input_json CLOB,
    output_json CLOB,
    error CLOB,
    started_at TIMESTAMP(6) WITH TIME ZONE,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_wf_steps_run_step ON core_workflow_steps (run_id, step_name)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_workflow_events (
    id VARCHAR2(64 CHAR) NOT NULL,
    run_id VARCHAR2(64 CHAR) NOT NULL,
    step_name VARCHAR2(200 CHAR),
    event_type VARCHAR2(50 CHAR) NOT NULL,
    occurred_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    payload_json CLOB,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_wf_events_run_time ON core_workflow_events (run_id, occurred_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedules (
    id VARCHAR2(64 CHAR) NOT NULL,
    schedule_name VARCHAR2(200 CHAR) NOT NULL,
    workflow VARCHAR2(200 CHAR) NOT NULL,
    cron_expression VARCHAR2(100 CHAR),
    interval_seconds NUMBER(10),
    tz_name VARCHAR2(64 CHAR) DEFAULT ''UTC'' NOT NULL,
    params_json CLOB,
    enabled NUMBER(1) DEFAULT 1 NOT NULL,
    next_run_at TIMESTAMP(6) WITH TIME ZONE,
    last_run_at TIMESTAMP(6) WITH TIME ZONE,
    last_execution_id VARCHAR2(64 CHAR),
    lease_owner VARCHAR2(255 CHAR),
    lease_expires_at TIMESTAMP(6) WITH TIME ZONE,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_schedules_name ON core_schedules (schedule_name)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_schedules_due ON core_schedules (enabled, next_run_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE "_MIGRATIONS" (
    version NUMBER(19) NOT NULL,
    name VARCHAR2(200 CHAR) NOT NULL,
    checksum VARCHAR2(64 CHAR) NOT NULL,
    applied_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (version)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;
