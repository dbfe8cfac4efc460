-- iot.events: one row per event a device published on devices/<id>/events.
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: plain MergeTree so every event is one row without FINAL; retried sink
-- batches are dropped by insert_deduplication_token (non_replicated_deduplication_window).
-- body is the event's JSON text as received (String, not the JSON type, so any
-- object a device sends is stored verbatim); type is pulled out of it at insert
-- time because "events of type X" is the common filter.
-- ORDER BY (device_id, ts): "what did this device report, in order".
-- PARTITION BY month of received_at (our clock; see telemetry), TTL one year.
CREATE TABLE IF NOT EXISTS events
(
    device_id   String CODEC(ZSTD(1)),
    ts          DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    body        String CODEC(ZSTD(3)),
    -- Where the event came from (e.g. mqtt); set by the pipeline.
    source      LowCardinality(String) DEFAULT 'mqtt',
    type        LowCardinality(String) MATERIALIZED JSONExtractString(body, 'type'),
    INDEX ts_minmax ts TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (device_id, ts)
TTL toDateTime(received_at) + INTERVAL 1 YEAR
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1
