-- iot.telemetry_1m: one row per device, metric and minute: the 1-minute tumbling
-- aggregates the rules stage publishes on iot.telemetry.agg.1m.
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: ReplacingMergeTree(count). A windowed aggregate is emitted again when
-- more values (or late ones) land in its window, each emission carrying the
-- window's running totals; the one with the highest count is the complete one.
-- count never decreases for a window, also when an emission is replayed after a
-- crash, so it is the version column. Until background merges catch up, exact
-- per-window reads use FINAL (or argMax(..., count)); sums over many windows
-- usually do not care. insert_deduplication_token still makes a retried batch a
-- no-op (non_replicated_deduplication_window).
--
-- ORDER BY (device_id, metric, window_start) is also the replacing key.
-- PARTITION BY month of window_start: replacing only works within a partition,
-- so the partition key must come from the sorting key.
-- TTL: aggregates are small and are what long-range dashboards read: three years.
CREATE TABLE IF NOT EXISTS telemetry_1m
(
    device_id    String CODEC(ZSTD(1)),
    metric       LowCardinality(String),
    window_start DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    count        UInt64 CODEC(T64, ZSTD(1)),
    min          Float64 CODEC(Gorilla, ZSTD(1)),
    max          Float64 CODEC(Gorilla, ZSTD(1)),
    sum          Float64 CODEC(Gorilla, ZSTD(1)),
    -- The value with the latest ts in the window.
    last         Float64 CODEC(Gorilla, ZSTD(1)),
    site         LowCardinality(String) DEFAULT '',
    emitted_at   DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(DoubleDelta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(count)
PARTITION BY toYYYYMM(window_start)
ORDER BY (device_id, metric, window_start)
TTL toDateTime(window_start) + INTERVAL 3 YEAR
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1
