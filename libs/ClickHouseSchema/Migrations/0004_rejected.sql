-- iot.rejected: one row per message refused after CONNECT (unparseable, too large,
-- over the rate limit, not authorised, failed validation), with the reason.
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: plain MergeTree, one row per refusal; retried sink batches are dropped by
-- insert_deduplication_token (non_replicated_deduplication_window).
-- ORDER BY (reason, device_id, received_at): operators ask "why are messages
-- refused, and whose"; reason has few values, so it leads.
-- PARTITION BY day with a 30-day TTL: this is a diagnostic log, not history, and
-- day partitions let whole days be dropped.
-- payload keeps the refused bytes (as String) for inspection; it can be up to the
-- size limit and compresses well with ZSTD(3).
CREATE TABLE IF NOT EXISTS rejected
(
    received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    device_id   String CODEC(ZSTD(1)),
    topic       String CODEC(ZSTD(1)),
    reason      LowCardinality(String),
    -- Human-readable detail (parser message, limit hit, ...).
    detail      String CODEC(ZSTD(1)),
    -- The pipeline stage that refused it (bridge, rules, sink).
    stage       LowCardinality(String),
    payload     String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (reason, device_id, received_at)
TTL toDateTime(received_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1
