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
    idempotency_slot VARCHAR2(270 CHAR),
    attempt NUMBER(10) DEFAULT 1 NOT NULL,
    retry_of VARCHAR2(64 CHAR),
    retry_count NUMBER(10) DEFAULT 0 NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP(6) WITH TIME ZONE,
    completed_at TIMESTAMP(6) WITH TIME ZONE,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    result_json CLOB,
    error CLOB,
    error_type VARCHAR2(200 CHAR),
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
    EXECUTE IMMEDIATE 'CREATE UNIQUE INDEX ux_exec_idempotency_slot ON core_executions (idempotency_slot)';
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
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_created ON core_executions (created_at)';
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
    EXECUTE IMMEDIATE 'CREATE INDEX ix_exec_events_exec ON core_execution_events (execution_id, occurred_at)';
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
    resolved_by VARCHAR2(255 CHAR),
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
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_workflow ON core_dead_letters (workflow, resolved_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_created ON core_dead_letters (created_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_dead_letters_execution ON core_dead_letters (execution_id)';
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
    depth NUMBER(10) DEFAULT 1 NOT NULL,
    PRIMARY KEY (lock_key)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_conc_locks_expires ON core_concurrency_locks (expires_at)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_circuit_breakers (
    breaker_name VARCHAR2(255 CHAR) NOT NULL,
    state VARCHAR2(20 CHAR) NOT NULL,
    failure_count NUMBER(10) DEFAULT 0 NOT NULL,
    success_count NUMBER(10) DEFAULT 0 NOT NULL,
    probe_count NUMBER(10) DEFAULT 0 NOT NULL,
    opened_at BINARY_DOUBLE,
    half_open_at BINARY_DOUBLE,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (breaker_name)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_rate_limits (
    limit_key VARCHAR2(255 CHAR) NOT NULL,
    tokens BINARY_DOUBLE NOT NULL,
    refilled_at BINARY_DOUBLE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (limit_key)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

-- a free lock: insert-if-absent
MERGE INTO core_concurrency_locks tgt USING (SELECT :1 AS lock_key, :2 AS owner, :3 AS execution_id, :4 AS acquired_at, :5 AS expires_at, :6 AS depth FROM dual) src ON (tgt.lock_key = src.lock_key) WHEN NOT MATCHED THEN INSERT (lock_key, owner, execution_id, acquired_at, expires_at, depth) VALUES (src.lock_key, src.owner, src.execution_id, src.acquired_at, src.expires_at, src.depth);

-- the latest attempt of an idempotency key
SELECT id FROM core_executions WHERE idempotency_key = :1 ORDER BY attempt DESC OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY;

-- a page of executions
SELECT id FROM core_executions ORDER BY created_at DESC, id DESC OFFSET 100 ROWS FETCH NEXT 50 ROWS ONLY;
