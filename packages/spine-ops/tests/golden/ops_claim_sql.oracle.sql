-- claim query
SELECT partition_key, attempts FROM core_backfill_partitions WHERE plan_id = :1 AND status = :2 AND (lease_expires_at IS NULL OR lease_expires_at < :3) ORDER BY position FOR UPDATE SKIP LOCKED;

-- take one partition
UPDATE core_backfill_partitions SET claimed_by = :1, lease_expires_at = :2, attempts = :3, updated_at = :4 WHERE plan_id = :5 AND partition_key = :6 AND attempts = :7;
