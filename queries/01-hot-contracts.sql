-- Hot contracts: transactions touching each contract's storage, writers, and transactions that waited on an earlier writer there
WITH per_tx AS (
  SELECT x.address, d.block, d.tx,
         MAX(CASE WHEN d.mode >= 2 THEN 1 ELSE 0 END) AS wrote,
         MAX(CASE WHEN d.prev_writer IS NOT NULL THEN 1 ELSE 0 END) AS waited
  FROM deps d
  JOIN located x ON x.blocks = d.blocks AND x.location = d.location
  WHERE d.kind = 0
  GROUP BY x.address, d.block, d.tx
)
SELECT p.address AS contract, MAX(n.name) AS name, COUNT(*) AS txs, SUM(p.wrote) AS writer_txs, SUM(p.waited) AS waiting_txs
FROM per_tx p
LEFT JOIN names n ON n.slot IS NULL AND n.address = p.address
GROUP BY p.address
ORDER BY waiting_txs DESC, txs DESC, contract
LIMIT 25
