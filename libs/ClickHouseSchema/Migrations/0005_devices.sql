-- iot.devices: one row per device: the registry (the compacted iot.devices topic)
-- as a table analysts can join telemetry with.
--
-- One statement per file: applied and recorded as a unit, idempotent (IF NOT EXISTS).
--
-- Engine: ReplacingMergeTree(updated_at). The registry changes (attributes
-- edited, device revoked); each change is written as a new row and the latest
-- updated_at wins. Read it with FINAL (the table is small) or argMax.
-- ORDER BY device_id is the replacing key. No partitions and no TTL: a few rows
-- per device, kept for as long as the device exists.
-- insert_deduplication_token still makes a retried sink batch a no-op.
CREATE TABLE IF NOT EXISTS devices
(
    device_id  String,
    attributes Map(LowCardinality(String), String),
    created_at DateTime64(3, 'UTC'),
    revoked    Bool DEFAULT false,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY device_id
SETTINGS non_replicated_deduplication_window = 1000
