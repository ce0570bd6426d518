CREATE TABLE IF NOT EXISTS core_schedules (
    schedule_name VARCHAR(200) NOT NULL,
    target VARCHAR(200) NOT NULL,
    trigger_text VARCHAR(200) NOT NULL,
    timezone VARCHAR(64) NOT NULL,
    enabled BOOLEAN NOT NULL,
    definition_json TEXT NOT NULL,
    settled_until TIMESTAMPTZ NOT NULL,
    revision INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (schedule_name)
);
CREATE TABLE IF NOT EXISTS core_schedule_fires (
    schedule_name VARCHAR(200) NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    status VARCHAR(20) NOT NULL,
    claimed_by VARCHAR(200),
    lease_until TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ,
    execution_id VARCHAR(64),
    params_json TEXT,
    missed INTEGER NOT NULL,
    first_missed TIMESTAMPTZ,
    reason TEXT,
    error_type VARCHAR(200),
    PRIMARY KEY (schedule_name, scheduled_for)
);
CREATE INDEX IF NOT EXISTS ix_schedule_fires_status ON core_schedule_fires (status, lease_until);
CREATE TABLE IF NOT EXISTS core_scheduler_leases (
    lease_name VARCHAR(200) NOT NULL,
    holder VARCHAR(200) NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    renewed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lease_name)
);
CREATE TABLE IF NOT EXISTS core_expected_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    enabled BOOLEAN NOT NULL,
    definition_json TEXT NOT NULL,
    checked_until TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (arrival_name)
);
CREATE TABLE IF NOT EXISTS core_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    deadline TIMESTAMPTZ NOT NULL,
    status VARCHAR(20) NOT NULL,
    arrived_at TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ NOT NULL,
    anomaly_id VARCHAR(64),
    details_json TEXT,
    PRIMARY KEY (arrival_name, deadline)
);
INSERT INTO core_schedule_fires (schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (schedule_name, scheduled_for) DO NOTHING;
INSERT INTO core_arrivals (arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (arrival_name, deadline) DO NOTHING;
SELECT schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type FROM core_schedule_fires WHERE schedule_name = %s AND status <> %s ORDER BY scheduled_for DESC LIMIT 50;
SELECT arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json FROM core_arrivals WHERE arrival_name = %s AND status = %s ORDER BY deadline DESC LIMIT 50;
