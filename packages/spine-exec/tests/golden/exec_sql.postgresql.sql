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
    idempotency_slot VARCHAR(270),
    attempt INTEGER DEFAULT 1 NOT NULL,
    retry_of VARCHAR(64),
    retry_count INTEGER DEFAULT 0 NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    result_json TEXT,
    error TEXT,
    error_type VARCHAR(200),
    metadata_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_exec_idempotency ON core_executions (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE UNIQUE INDEX IF NOT EXISTS ux_exec_idempotency_slot ON core_executions (idempotency_slot);

CREATE INDEX IF NOT EXISTS ix_exec_status_created ON core_executions (status, created_at);

CREATE INDEX IF NOT EXISTS ix_exec_workflow_created ON core_executions (workflow, created_at);

CREATE INDEX IF NOT EXISTS ix_exec_parent ON core_executions (parent_execution_id) WHERE parent_execution_id IS NOT NULL;

CREATE INDEX IF NOT EXISTS ix_exec_created ON core_executions (created_at);

CREATE TABLE IF NOT EXISTS core_execution_events (
    id VARCHAR(64) NOT NULL,
    execution_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    payload_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_exec_events_exec ON core_execution_events (execution_id, occurred_at);

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
    resolved_by VARCHAR(255),
    metadata_json TEXT,
    PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_dead_letters_workflow ON core_dead_letters (workflow, resolved_at);

CREATE INDEX IF NOT EXISTS ix_dead_letters_created ON core_dead_letters (created_at);

CREATE INDEX IF NOT EXISTS ix_dead_letters_execution ON core_dead_letters (execution_id);

CREATE TABLE IF NOT EXISTS core_concurrency_locks (
    lock_key VARCHAR(255) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    execution_id VARCHAR(64),
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    depth INTEGER DEFAULT 1 NOT NULL,
    PRIMARY KEY (lock_key)
);

CREATE INDEX IF NOT EXISTS ix_conc_locks_expires ON core_concurrency_locks (expires_at);

CREATE TABLE IF NOT EXISTS core_circuit_breakers (
    breaker_name VARCHAR(255) NOT NULL,
    state VARCHAR(20) NOT NULL,
    failure_count INTEGER DEFAULT 0 NOT NULL,
    success_count INTEGER DEFAULT 0 NOT NULL,
    probe_count INTEGER DEFAULT 0 NOT NULL,
    opened_at DOUBLE PRECISION,
    half_open_at DOUBLE PRECISION,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (breaker_name)
);

CREATE TABLE IF NOT EXISTS core_rate_limits (
    limit_key VARCHAR(255) NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    refilled_at DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (limit_key)
);

-- a free lock: insert-if-absent
INSERT INTO core_concurrency_locks (lock_key, owner, execution_id, acquired_at, expires_at, depth) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (lock_key) DO NOTHING;

-- the latest attempt of an idempotency key
SELECT id FROM core_executions WHERE idempotency_key = %s ORDER BY attempt DESC LIMIT 1;

-- a page of executions
SELECT id FROM core_executions ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 100;
