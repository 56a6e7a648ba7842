-- Hot variables: storage slots and account fields by transactions that waited on an earlier writer of them in the same block
WITH per_location AS (
  SELECT d.blocks, d.location,
         COUNT(*) AS txs,
         SUM(CASE WHEN d.mode >= 2 THEN 1 ELSE 0 END) AS writers,
         SUM(CASE WHEN d.prev_writer IS NOT NULL THEN 1 ELSE 0 END) AS waiting
  FROM deps d
  GROUP BY d.blocks, d.location
),
per_key AS (
  SELECT x.address, x.slot, SUM(p.txs) AS txs, SUM(p.writers) AS writers, SUM(p.waiting) AS waiting_txs
  FROM per_location p
  JOIN located x ON x.blocks = p.blocks AND x.location = p.location
  GROUP BY x.address, x.slot
)
SELECT k.address AS contract, k.slot, MAX(COALESCE(ns.name, na.name)) AS name, MAX(k.txs) AS txs, MAX(k.writers) AS writers, MAX(k.waiting_txs) AS waiting_txs
FROM per_key k
LEFT JOIN names ns ON ns.address = k.address AND ns.slot = k.slot
LEFT JOIN names na ON na.slot IS NULL AND na.address = k.address
GROUP BY k.address, k.slot
ORDER BY waiting_txs DESC, txs DESC, contract, k.slot
LIMIT 25
