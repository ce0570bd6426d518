BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedules (
    schedule_name VARCHAR(200) NOT NULL,
    target VARCHAR(200) NOT NULL,
    trigger_text VARCHAR(200) NOT NULL,
    timezone VARCHAR(64) NOT NULL,
    enabled SMALLINT NOT NULL,
    definition_json CLOB(1G) NOT NULL,
    settled_until TIMESTAMP(6) NOT NULL,
    revision INTEGER NOT NULL,
    created_at TIMESTAMP(6) NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (schedule_name)
)';
END;
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedule_fires (
    schedule_name VARCHAR(200) NOT NULL,
    scheduled_for TIMESTAMP(6) NOT NULL,
    status VARCHAR(20) NOT NULL,
    claimed_by VARCHAR(200),
    lease_until TIMESTAMP(6),
    recorded_at TIMESTAMP(6),
    execution_id VARCHAR(64),
    params_json CLOB(1G),
    missed INTEGER NOT NULL,
    first_missed TIMESTAMP(6),
    reason CLOB(1G),
    error_type VARCHAR(200),
    PRIMARY KEY (schedule_name, scheduled_for)
)';
END;
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE INDEX ix_schedule_fires_status ON core_schedule_fires (status, lease_until)';
END;
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_scheduler_leases (
    lease_name VARCHAR(200) NOT NULL,
    holder VARCHAR(200) NOT NULL,
    lease_until TIMESTAMP(6) NOT NULL,
    acquired_at TIMESTAMP(6) NOT NULL,
    renewed_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (lease_name)
)';
END;
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_expected_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    "SOURCE" VARCHAR(200) NOT NULL,
    enabled SMALLINT NOT NULL,
    definition_json CLOB(1G) NOT NULL,
    checked_until TIMESTAMP(6) NOT NULL,
    created_at TIMESTAMP(6) NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL,
    PRIMARY KEY (arrival_name)
)';
END;
BEGIN
    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;
    EXECUTE IMMEDIATE 'CREATE TABLE core_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    deadline TIMESTAMP(6) NOT NULL,
    status VARCHAR(20) NOT NULL,
    arrived_at TIMESTAMP(6),
    recorded_at TIMESTAMP(6) NOT NULL,
    anomaly_id VARCHAR(64),
    details_json CLOB(1G),
    PRIMARY KEY (arrival_name, deadline)
)';
END;
MERGE INTO core_schedule_fires AS tgt USING (VALUES (CAST(? AS VARCHAR(200)), CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(20)), CAST(? AS VARCHAR(200)), CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(64)), CAST(? AS CLOB(1G)), CAST(? AS INTEGER), CAST(? AS TIMESTAMP(6)), CAST(? AS CLOB(1G)), CAST(? AS VARCHAR(200)))) AS src (schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type) ON tgt.schedule_name = src.schedule_name AND tgt.scheduled_for = src.scheduled_for WHEN NOT MATCHED THEN INSERT (schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type) VALUES (src.schedule_name, src.scheduled_for, src.status, src.claimed_by, src.recorded_at, src.execution_id, src.params_json, src.missed, src.first_missed, src.reason, src.error_type);
MERGE INTO core_arrivals AS tgt USING (VALUES (CAST(? AS VARCHAR(200)), CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(20)), CAST(? AS TIMESTAMP(6)), CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(64)), CAST(? AS CLOB(1G)))) AS src (arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json) ON tgt.arrival_name = src.arrival_name AND tgt.deadline = src.deadline WHEN NOT MATCHED THEN INSERT (arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json) VALUES (src.arrival_name, src.deadline, src.status, src.arrived_at, src.recorded_at, src.anomaly_id, src.details_json);
SELECT schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type FROM core_schedule_fires WHERE schedule_name = ? AND status <> ? ORDER BY scheduled_for DESC OFFSET 0 ROWS FETCH NEXT 50 ROWS ONLY;
SELECT arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json FROM core_arrivals WHERE arrival_name = ? AND status = ? ORDER BY deadline DESC OFFSET 0 ROWS FETCH NEXT 50 ROWS ONLY;
