-- iot.shadow_history: one row per accepted shadow change (classic shadow: name '';
-- named shadows by name), the document as it was after that change.
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: plain MergeTree, one row per version (the version is the shadow's own
-- counter, so (device_id, name, version) identifies a change); retried sink
-- batches are dropped by insert_deduplication_token (non_replicated_deduplication_window).
-- ORDER BY (device_id, name, version): "how did this shadow evolve".
-- PARTITION BY month of ts (assigned by the shadow service, our clock). No TTL:
-- shadow changes are few and serve as an audit trail.
CREATE TABLE IF NOT EXISTS shadow_history
(
    device_id String CODEC(ZSTD(1)),
    name      LowCardinality(String) DEFAULT '',
    version   UInt64,
    document  String CODEC(ZSTD(3)),
    ts        DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (device_id, name, version)
SETTINGS non_replicated_deduplication_window = 1000
