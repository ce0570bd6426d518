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
    idempotency_slot VARCHAR(270),
    attempt INTEGER DEFAULT 1 NOT NULL,
    retry_of VARCHAR(64),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    created_at TIMESTAMP(6) NOT NULL,
    started_at TIMESTAMP(6),
    completed_at TIMESTAMP(6),
    updated_at TIMESTAMP(6),
    result_json CLOB(1G),
    error CLOB(1G),
    error_type VARCHAR(200),
    metadata_json CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_idempotency ON core_executions (idempotency_key) EXCLUDE NULL KEYS';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_exec_idempotency_slot ON core_executions (idempotency_slot) EXCLUDE NULL KEYS';
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
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_parent ON core_executions (parent_execution_id) EXCLUDE NULL KEYS';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_created ON core_executions (created_at)';
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
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_events_exec ON core_execution_events (execution_id, occurred_at)';
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
    resolved_by VARCHAR(255),
    metadata_json CLOB(1G),
    PRIMARY KEY (id)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_workflow ON core_dead_letters (workflow, resolved_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_created ON core_dead_letters (created_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_execution ON core_dead_letters (execution_id)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at TIMESTAMP(6) NOT NULL,
    expires_at TIMESTAMP(6) NOT NULL,
    depth INTEGER DEFAULT 1 NOT NULL,
    PRIMARY KEY (lock_key)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_conc_locks_expires ON core_concurrency_locks (expires_at)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_circuit_breakers (
    breaker_name VARCHAR(255) NOT NULL,
    state VARCHAR(20) NOT NULL,
    failure_count INTEGER DEFAULT 0 NOT NULL,
    success_count INTEGER DEFAULT 0 NOT NULL,
    probe_count INTEGER DEFAULT 0 NOT NULL,
    opened_at DOUBLE,
    half_open_at DOUBLE,
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (breaker_name)
)';
END

BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_rate_limits (
    limit_key VARCHAR(255) NOT NULL,
    tokens DOUBLE NOT NULL,
    refilled_at DOUBLE NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (limit_key)
)';
END

-- a free lock: insert-if-absent
MERGE INTO core_concurrency_locks AS tgt USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(64)), CAST(? AS TIMESTAMP(6)), CAST(? AS TIMESTAMP(6)), CAST(? AS INTEGER))) AS src (lock_key, owner, execution_id, acquired_at, expires_at, depth) ON tgt.lock_key = src.lock_key WHEN NOT MATCHED THEN INSERT (lock_key, owner, execution_id, acquired_at, expires_at, depth) VALUES (src.lock_key, src.owner, src.execution_id, src.acquired_at, src.expires_at, src.depth);

-- the latest attempt of an idempotency key
SELECT id FROM core_executions WHERE idempotency_key = ? ORDER BY attempt DESC OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY;

-- a page of executions
SELECT id FROM core_executions ORDER BY created_at DESC, id DESC OFFSET 100 ROWS FETCH NEXT 50 ROWS ONLY;
