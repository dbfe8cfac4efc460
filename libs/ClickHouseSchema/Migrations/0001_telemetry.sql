-- iot.telemetry: one row per metric value a device published (contract: a plain
-- SELECT count() shows every acknowledged value exactly once, no FINAL).
--
-- One statement per file: a file is applied and recorded as a unit, and each
-- statement is idempotent (IF NOT EXISTS), so a run cut short is simply re-run.
-- Table names are unqualified: the migrator runs them in the target database.
--
-- Engine: plain MergeTree, not Replacing: a ReplacingMergeTree would only show
-- one row per key after background merges (or with FINAL). Retried sink batches
-- are made idempotent instead by insert_deduplication_token, which a
-- non-replicated MergeTree honours only with non_replicated_deduplication_window
-- set (the last 1000 insert blocks' tokens are remembered per table).
--
-- ORDER BY (device_id, metric, ts): the usual question is "this device's
-- metric over a time range"; it reads one contiguous range of granules.
-- PARTITION BY month of received_at (our clock), not ts (the device's): a device
-- with a wrong clock must not create hundreds of partitions and make an insert
-- fail ("too many partitions for single INSERT block"). A minmax index on ts
-- still lets time-range queries over all devices skip granules.
-- TTL: raw values are kept one year (alter with MODIFY TTL); whole monthly
-- parts are dropped rather than rewritten (ttl_only_drop_parts).
-- Codecs: timestamps are near-monotonic per key (DoubleDelta), values are
-- slowly changing floats (Gorilla); ZSTD on top of both.
CREATE TABLE IF NOT EXISTS telemetry
(
    device_id   String CODEC(ZSTD(1)),
    metric      LowCardinality(String),
    ts          DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    value       Float64 CODEC(Gorilla, ZSTD(1)),
    -- The device's per-device counter; NULL when the message carried none.
    seq         Nullable(UInt64),
    received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    site        LowCardinality(String),
    -- Every other device attribute at the time of ingestion (site is also a column
    -- because most dashboards group by it).
    attributes  Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX ts_minmax ts TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (device_id, metric, ts)
TTL toDateTime(received_at) + INTERVAL 1 YEAR
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1
