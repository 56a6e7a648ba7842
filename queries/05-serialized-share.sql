-- Serialized share: transactions that wait on an earlier writer of a contract's storage, as a share of all transactions (study_params.contract, or the top contracts)
WITH waited AS (
  SELECT x.address, d.block, d.tx
  FROM deps d
  JOIN located x ON x.blocks = d.blocks AND x.location = d.location
  WHERE d.kind = 0 AND d.prev_writer IS NOT NULL
  GROUP BY x.address, d.block, d.tx
),
total AS (SELECT COUNT(*) AS txs FROM txs)
SELECT w.address AS contract, MAX(n.name) AS name, COUNT(*) AS serialized_txs, MAX(total.txs) AS all_txs,
       ROUND(100.0 * COUNT(*) / MAX(total.txs), 3) AS serialized_percent
FROM waited w
CROSS JOIN total
CROSS JOIN study_params p
LEFT JOIN names n ON n.slot IS NULL AND n.address = w.address
WHERE p.contract = '' OR w.address = p.contract
GROUP BY w.address
ORDER BY serialized_txs DESC, contract
LIMIT 25
