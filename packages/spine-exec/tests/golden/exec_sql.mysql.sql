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
    idempotency_slot VARCHAR(270),
    attempt INT DEFAULT 1 NOT NULL,
    retry_of VARCHAR(64),
    retry_count INT DEFAULT 0 NOT NULL,
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6),
    completed_at DATETIME(6),
    updated_at DATETIME(6),
    result_json LONGTEXT,
    error LONGTEXT,
    error_type VARCHAR(200),
    metadata_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_exec_idempotency (idempotency_key),
    UNIQUE INDEX ux_exec_idempotency_slot (idempotency_slot),
    INDEX ix_exec_status_created (status, created_at),
    INDEX ix_exec_workflow_created (workflow, created_at),
    INDEX ix_exec_parent (parent_execution_id),
    INDEX ix_exec_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_execution_events (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    payload_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_exec_events_exec (execution_id, occurred_at)
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
    resolved_by VARCHAR(255),
    metadata_json LONGTEXT,
    PRIMARY KEY (id),
    INDEX ix_dead_letters_workflow (workflow, resolved_at),
    INDEX ix_dead_letters_created (created_at),
    INDEX ix_dead_letters_execution (execution_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    depth INT DEFAULT 1 NOT NULL,
    PRIMARY KEY (lock_key),
    INDEX ix_conc_locks_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_circuit_breakers (
    breaker_name VARCHAR(255) NOT NULL,
    state VARCHAR(20) NOT NULL,
    failure_count INT DEFAULT 0 NOT NULL,
    success_count INT DEFAULT 0 NOT NULL,
    probe_count INT DEFAULT 0 NOT NULL,
    opened_at DOUBLE,
    half_open_at DOUBLE,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (breaker_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS core_rate_limits (
    limit_key VARCHAR(255) NOT NULL,
    tokens DOUBLE NOT NULL,
    refilled_at DOUBLE NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (limit_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- a free lock: insert-if-absent
INSERT INTO core_concurrency_locks (lock_key, owner, execution_id, acquired_at, expires_at, depth) VALUES (%s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE lock_key = lock_key;

-- the latest attempt of an idempotency key
SELECT id FROM core_executions WHERE idempotency_key = %s ORDER BY attempt DESC LIMIT 1;

-- a page of executions
SELECT id FROM core_executions ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 100;
