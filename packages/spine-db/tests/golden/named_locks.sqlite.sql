-- kind
-- transaction

-- acquire
BEGIN IMMEDIATE
