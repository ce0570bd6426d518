-- kind
-- session

-- acquire
SELECT pg_try_advisory_lock(hashtext(%s), hashtext(COALESCE(current_schema(), '')))

-- release
SELECT pg_advisory_unlock(hashtext(%s), hashtext(COALESCE(current_schema(), '')))
