-- Conflict-rate distribution: blocks by the share of their transactions that conflict with another (any of RAW, WW, WAR; fee-recipient balance credits excluded)
WITH per_location AS (
  SELECT a.blocks, a.block, a.location, COUNT(*) AS txs, SUM(CASE WHEN a.mode >= 2 THEN 1 ELSE 0 END) AS writers
  FROM accesses a
  WHERE (a.kind IN (0, 1) OR (a.kind = 3 AND a.mode <> 2))
  GROUP BY a.blocks, a.block, a.location
),
conflicting AS (
  SELECT a.blocks, a.block, a.tx
  FROM accesses a
  JOIN per_location p ON p.blocks = a.blocks AND p.block = a.block AND p.location = a.location
  WHERE (a.kind IN (0, 1) OR (a.kind = 3 AND a.mode <> 2))
    AND ((a.mode >= 2 AND p.txs > 1) OR (a.mode < 2 AND p.writers > 0))
  GROUP BY a.blocks, a.block, a.tx
),
per_block AS (
  SELECT t.block, COUNT(*) AS txs, COUNT(c.tx) AS conflicting
  FROM txs t
  LEFT JOIN conflicting c ON c.blocks = t.blocks AND c.block = t.block AND c.tx = t.tx
  GROUP BY t.block
)
SELECT CAST(FLOOR(10.0 * conflicting / txs) AS INT) * 10 AS rate_from_percent,
       COUNT(*) AS blocks, SUM(txs) AS txs, SUM(conflicting) AS conflicting_txs,
       ROUND(100.0 * SUM(conflicting) / SUM(txs), 2) AS conflicting_percent
FROM per_block
GROUP BY CAST(FLOOR(10.0 * conflicting / txs) AS INT) * 10
ORDER BY rate_from_percent
