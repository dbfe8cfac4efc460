-- iot.connectivity: one row per device connect or disconnect, and per bridge instance start,
-- heartbeat and stop (device_id '', event instance_started / instance_alive / instance_stopped).
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: plain MergeTree, one row per event; retried sink batches are dropped by
-- insert_deduplication_token (non_replicated_deduplication_window).
-- ORDER BY (device_id, ts): "when was this device connected, and why did it drop"; the
-- presence query (latest connect per device) reads one device's rows together.
-- PARTITION BY month; no TTL: a device's last connect may be old and still be its last seen.
-- A device is connected when its latest connect has no disconnect with the same
-- connection_id and its instance is alive (no later instance start or stop, a heartbeat
-- within three heartbeat intervals): see docs/operations.md, "Device connectivity".
CREATE TABLE IF NOT EXISTS connectivity
(
    ts             DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    device_id      String CODEC(ZSTD(1)),
    event          LowCardinality(String),
    instance       LowCardinality(String),
    connection_id  String CODEC(ZSTD(1)),
    reason         String CODEC(ZSTD(1)),
    client_address String CODEC(ZSTD(1)),
    protocol       LowCardinality(String),
    transport      LowCardinality(String),
    clean_session  Bool,
    session_expiry_seconds UInt32,
    heartbeat_interval_ms  UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (device_id, ts)
SETTINGS non_replicated_deduplication_window = 1000
