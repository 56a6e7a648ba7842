-- Hot function pairs: dependencies (read or write after an earlier transaction's write) from the last writer's function to the later transaction's function
WITH edges AS (
  SELECT DISTINCT d.blocks, d.block, d.prev_writer AS earlier, d.tx AS later
  FROM deps d
  WHERE d.prev_writer IS NOT NULL
)
SELECT e1.label AS earlier_function, e2.label AS later_function, COUNT(*) AS edges
FROM edges e
JOIN tx_labels e1 ON e1.blocks = e.blocks AND e1.block = e.block AND e1.tx = e.earlier
JOIN tx_labels e2 ON e2.blocks = e.blocks AND e2.block = e.block AND e2.tx = e.later
GROUP BY e1.label, e2.label
ORDER BY edges DESC, earlier_function, later_function
LIMIT 25
