-- claim query
SELECT partition_key, attempts FROM core_backfill_partitions WHERE plan_id = ? AND status = ? AND (lease_expires_at IS NULL OR lease_expires_at < ?) ORDER BY position LIMIT 5;

-- take one partition
UPDATE core_backfill_partitions SET claimed_by = ?, lease_expires_at = ?, attempts = ?, updated_at = ? WHERE plan_id = ? AND partition_key = ? AND attempts = ?;
