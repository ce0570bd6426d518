BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedules (
    schedule_name VARCHAR2(200 CHAR) NOT NULL,
    target VARCHAR2(200 CHAR) NOT NULL,
    trigger_text VARCHAR2(200 CHAR) NOT NULL,
    timezone VARCHAR2(64 CHAR) NOT NULL,
    enabled NUMBER(1) NOT NULL,
    definition_json CLOB NOT NULL,
    settled_until TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    revision NUMBER(10) NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (schedule_name)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;;
BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_schedule_fires (
    schedule_name VARCHAR2(200 CHAR) NOT NULL,
    scheduled_for TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    claimed_by VARCHAR2(200 CHAR),
    lease_until TIMESTAMP(6) WITH TIME ZONE,
    recorded_at TIMESTAMP(6) WITH TIME ZONE,
    execution_id VARCHAR2(64 CHAR),
    params_json CLOB,
    missed NUMBER(10) NOT NULL,
    first_missed TIMESTAMP(6) WITH TIME ZONE,
    reason CLOB,
    error_type VARCHAR2(200 CHAR),
    PRIMARY KEY (schedule_name, scheduled_for)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;;
BEGIN
    EXECUTE IMMEDIATE 'CREATE INDEX ix_schedule_fires_status ON core_schedule_fires (status, lease_until)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955, -1408) THEN
            RAISE;
        END IF;
END;;
BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_scheduler_leases (
    lease_name VARCHAR2(200 CHAR) NOT NULL,
    holder VARCHAR2(200 CHAR) NOT NULL,
    lease_until TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    acquired_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    renewed_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (lease_name)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;;
BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_expected_arrivals (
    arrival_name VARCHAR2(200 CHAR) NOT NULL,
    domain VARCHAR2(100 CHAR) NOT NULL,
    source VARCHAR2(200 CHAR) NOT NULL,
    enabled NUMBER(1) NOT NULL,
    definition_json CLOB NOT NULL,
    checked_until TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (arrival_name)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;;
BEGIN
    EXECUTE IMMEDIATE 'CREATE TABLE core_arrivals (
    arrival_name VARCHAR2(200 CHAR) NOT NULL,
    deadline TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    status VARCHAR2(20 CHAR) NOT NULL,
    arrived_at TIMESTAMP(6) WITH TIME ZONE,
    recorded_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    anomaly_id VARCHAR2(64 CHAR),
    details_json CLOB,
    PRIMARY KEY (arrival_name, deadline)
)';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE NOT IN (-955) THEN
            RAISE;
        END IF;
END;;
MERGE INTO core_schedule_fires tgt USING (SELECT :1 AS schedule_name, :2 AS scheduled_for, :3 AS status, :4 AS claimed_by, :5 AS recorded_at, :6 AS execution_id, TO_CLOB(:7) AS params_json, :8 AS missed, :9 AS first_missed, TO_CLOB(:10) AS reason, :11 AS error_type FROM dual) src ON (tgt.schedule_name = src.schedule_name AND tgt.scheduled_for = src.scheduled_for) WHEN NOT MATCHED THEN INSERT (schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type) VALUES (src.schedule_name, src.scheduled_for, src.status, src.claimed_by, src.recorded_at, src.execution_id, src.params_json, src.missed, src.first_missed, src.reason, src.error_type);
MERGE INTO core_arrivals tgt USING (SELECT :1 AS arrival_name, :2 AS deadline, :3 AS status, :4 AS arrived_at, :5 AS recorded_at, :6 AS anomaly_id, TO_CLOB(:7) AS details_json FROM dual) src ON (tgt.arrival_name = src.arrival_name AND tgt.deadline = src.deadline) WHEN NOT MATCHED THEN INSERT (arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json) VALUES (src.arrival_name, src.deadline, src.status, src.arrived_at, src.recorded_at, src.anomaly_id, src.details_json);
SELECT schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type FROM core_schedule_fires WHERE schedule_name = :1 AND status <> :2 ORDER BY scheduled_for DESC OFFSET 0 ROWS FETCH NEXT 50 ROWS ONLY;
SELECT arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json FROM core_arrivals WHERE arrival_name = :1 AND status = :2 ORDER BY deadline DESC OFFSET 0 ROWS FETCH NEXT 50 ROWS ONLY;
