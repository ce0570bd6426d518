-- claim query
SELECT partition_key, attempts FROM core_backfill_partitions WHERE plan_id = %s AND status = %s AND (lease_expires_at IS NULL OR lease_expires_at < %s) ORDER BY position LIMIT 5 FOR UPDATE SKIP LOCKED;

-- take one partition
UPDATE core_backfill_partitions SET claimed_by = %s, lease_expires_at = %s, attempts = %s, updated_at = %s WHERE plan_id = %s AND partition_key = %s AND attempts = %s;
