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
    claimed_by VARCHAR2(200 CHAR),
    lease_expires_at TIMESTAMP(6) WITH TIME ZONE,
    attempts NUMBER(10) DEFAULT 0 NOT NULL,
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
    EXECUTE IMMEDIATE 'CREATE TABLE core_restatement_locks (
    table_name VARCHAR2(200 CHAR) NOT NULL,
    key_hash VARCHAR2(64 CHAR) NOT NULL,
    partition_key VARCHAR2(2000 CHAR) NOT NULL,
    locked_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (table_name, key_hash)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;

-- migration 1 (lowercase_stored_values)

        UPDATE core_backfill_plans SET status = LOWER(status);
        UPDATE core_backfill_partitions SET status = LOWER(status);
        UPDATE core_quality SET status = LOWER(status), category = LOWER(category);
        UPDATE core_anomalies SET severity = LOWER(severity), category = LOWER(category)
        ;

-- migration 2 (backfill_partition_leases)
ALTER TABLE core_backfill_partitions ADD (claimed_by VARCHAR2(200 CHAR), lease_expires_at TIMESTAMP(6) WITH TIME ZONE, attempts NUMBER(10) DEFAULT 0 NOT NULL);
