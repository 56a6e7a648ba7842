-- Shared views: transaction labels and the accesses that can conflict.
-- study_params (one row): from_block, to_block, contract ('' for none).

-- Function label of each transaction: the decoded name, else recipient.selector, transfer or create.
CREATE OR REPLACE TEMPORARY VIEW tx_labels AS
SELECT t.blocks, t.block, t.tx, t.gas_used,
       COALESCE(f.name,
                CASE WHEN t.recipient IS NULL THEN 'create'
                     WHEN t.selector IS NULL THEN 'transfer'
                     ELSE COALESCE(n.name, t.recipient) || '.' || t.selector END) AS label
FROM txs t
LEFT JOIN functions f ON f.blocks = t.blocks AND f.function = t.function
LEFT JOIN names n ON n.slot IS NULL AND n.address = t.recipient;

-- Storage and account accesses of transactions (fee-recipient balance credits and block-level reads left out),
-- with `after_write` = 1 when an earlier transaction of the block wrote the location (a RAW or WW
-- dependency) and `prev_writer` = the last such transaction.
CREATE OR REPLACE TEMPORARY VIEW deps AS
SELECT a.blocks, a.block, a.tx, a.location, a.kind, a.mode,
       MAX(CASE WHEN a.mode >= 2 THEN a.tx END)
         OVER (PARTITION BY a.blocks, a.block, a.location ORDER BY a.tx
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_writer
FROM accesses a
WHERE (a.kind IN (0, 1) OR (a.kind = 3 AND a.mode <> 2));

-- Location -> contract address and slot.
CREATE OR REPLACE TEMPORARY VIEW located AS
SELECT l.blocks, l.location, c.address, l.slot
FROM locations l
JOIN contracts c ON c.blocks = l.blocks AND c.contract = l.contract;
