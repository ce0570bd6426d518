CREATE TABLE IF NOT EXISTS core_schedules (
    schedule_name VARCHAR(200) NOT NULL,
    target VARCHAR(200) NOT NULL,
    trigger_text VARCHAR(200) NOT NULL,
    timezone VARCHAR(64) NOT NULL,
    enabled BOOLEAN NOT NULL,
    definition_json LONGTEXT NOT NULL,
    settled_until DATETIME(6) NOT NULL,
    revision INT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (schedule_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS core_schedule_fires (
    schedule_name VARCHAR(200) NOT NULL,
    scheduled_for DATETIME(6) NOT NULL,
    status VARCHAR(20) NOT NULL,
    claimed_by VARCHAR(200),
    lease_until DATETIME(6),
    recorded_at DATETIME(6),
    execution_id VARCHAR(64),
    params_json LONGTEXT,
    missed INT NOT NULL,
    first_missed DATETIME(6),
    reason LONGTEXT,
    error_type VARCHAR(200),
    PRIMARY KEY (schedule_name, scheduled_for),
    INDEX ix_schedule_fires_status (status, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS core_scheduler_leases (
    lease_name VARCHAR(200) NOT NULL,
    holder VARCHAR(200) NOT NULL,
    lease_until DATETIME(6) NOT NULL,
    acquired_at DATETIME(6) NOT NULL,
    renewed_at DATETIME(6) NOT NULL,
    PRIMARY KEY (lease_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS core_expected_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    domain VARCHAR(100) NOT NULL,
    source VARCHAR(200) NOT NULL,
    enabled BOOLEAN NOT NULL,
    definition_json LONGTEXT NOT NULL,
    checked_until DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (arrival_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS core_arrivals (
    arrival_name VARCHAR(200) NOT NULL,
    deadline DATETIME(6) NOT NULL,
    status VARCHAR(20) NOT NULL,
    arrived_at DATETIME(6),
    recorded_at DATETIME(6) NOT NULL,
    anomaly_id VARCHAR(64),
    details_json LONGTEXT,
    PRIMARY KEY (arrival_name, deadline)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO core_schedule_fires (schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE schedule_name = schedule_name;
INSERT INTO core_arrivals (arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json) VALUES (%s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE arrival_name = arrival_name;
SELECT schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, missed, first_missed, reason, error_type FROM core_schedule_fires WHERE schedule_name = %s AND status <> %s ORDER BY scheduled_for DESC LIMIT 50;
SELECT arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json FROM core_arrivals WHERE arrival_name = %s AND status = %s ORDER BY deadline DESC LIMIT 50;
