-- Trends by month (UTC, from block timestamps): transactions, accesses per transaction, and the share of transactions that wait on an earlier writer
WITH days AS (
  SELECT block, CAST(FLOOR(timestamp / 86400.0) AS BIGINT) + 719468 AS z FROM blocks WHERE timestamp IS NOT NULL
),
civil AS (
  -- Days since 1970-01-01 to year and month (H. Hinnant's civil_from_days), in integer arithmetic.
  SELECT block, z, CAST(FLOOR(z / 146097.0) AS BIGINT) AS era FROM days
),
doe AS (SELECT block, era, z - era * 146097 AS doe FROM civil),
yoe AS (SELECT block, era, doe, CAST(FLOOR((doe - FLOOR(doe / 1460.0) + FLOOR(doe / 36524.0) - FLOOR(doe / 146096.0)) / 365.0) AS BIGINT) AS yoe FROM doe),
mp AS (SELECT block, era, yoe, CAST(FLOOR((5 * (doe - (365 * yoe + FLOOR(yoe / 4.0) - FLOOR(yoe / 100.0))) + 2) / 153.0) AS BIGINT) AS mp FROM yoe),
months AS (
  SELECT block,
         (yoe + era * 400 + CASE WHEN mp >= 10 THEN 1 ELSE 0 END) * 100 + CASE WHEN mp < 10 THEN mp + 3 ELSE mp - 9 END AS month
  FROM mp
),
per_tx AS (
  SELECT d.block, d.tx, MAX(CASE WHEN d.prev_writer IS NOT NULL THEN 1 ELSE 0 END) AS waited, COUNT(*) AS accesses
  FROM deps d
  GROUP BY d.block, d.tx
)
SELECT m.month, COUNT(DISTINCT m.block) AS blocks, COUNT(*) AS txs,
       ROUND(1.0 * SUM(p.accesses) / COUNT(*), 2) AS accesses_per_tx,
       ROUND(100.0 * SUM(p.waited) / COUNT(*), 2) AS waiting_percent
FROM per_tx p
JOIN months m ON m.block = p.block
GROUP BY m.month
ORDER BY m.month
