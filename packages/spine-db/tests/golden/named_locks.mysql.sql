-- kind
-- session

-- acquire
SELECT GET_LOCK(SHA1(CONCAT(%s, '.', COALESCE(DATABASE(), ''))), %s)

-- release
SELECT RELEASE_LOCK(SHA1(CONCAT(%s, '.', COALESCE(DATABASE(), ''))))
