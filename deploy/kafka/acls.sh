#!/bin/bash
# The Kafka ACLs of the pipeline's principals (docs/operations.md, "Production security"), applied as the
# admin super user by docker-compose.yml's one-shot `kafka-acls` step. Idempotent: adding an ACL twice is a no-op.
# Names follow the defaults (Topics:*, Rules:ApplicationId=rules-processor, SinkWriter:ConsumerGroupPrefix=
# sink-writer, the bridge's mqtt-bridge-* groups); change them here when you change those settings.
set -euo pipefail
BOOTSTRAP="${1:?usage: acls.sh <bootstrap-server>}"
CONFIG=/tmp/admin.properties
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
  "${KAFKA_ADMIN_PASSWORD:?}" > "$CONFIG"
acl() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add "$@" >/dev/null; }

# mqtt-bridge: writes what devices send; follows the registry, shadows, commands and shadow answers.
acl --allow-principal User:bridge --operation Write --operation Describe \
  --topic iot.telemetry.raw --topic iot.events.raw --topic iot.rejected --topic iot.shadow.requests
# ... and rewrites a device's registry record once, when its token hash is still the legacy PBKDF2 form (docs/operations.md).
acl --allow-principal User:bridge --operation Write --topic iot.devices
acl --allow-principal User:bridge --operation Read --operation Describe --operation DescribeConfigs \
  --topic iot.devices --topic iot.shadows --topic iot.commands --topic iot.shadow.responses
acl --allow-principal User:bridge --operation Read --group mqtt-bridge --resource-pattern-type prefixed
# Readers that only assign partitions (registry and shadow views) use unique group ids of their role.
acl --allow-principal User:bridge --operation Read --group device-registry-view --resource-pattern-type prefixed
acl --allow-principal User:bridge --operation Read --group shadows-view --resource-pattern-type prefixed
# Fleet state every instance writes and follows: where devices are (iot.presence) and their persistent sessions
# (iot.sessions); iot.commands is read by assignment from its end (readers' group ids start with their role).
acl --allow-principal User:bridge --operation Read --operation Write --operation Describe \
  --topic iot.presence --topic iot.sessions
acl --allow-principal User:bridge --operation Read --group presence- --group sessions- --group commands- --resource-pattern-type prefixed

# rules-processor (Streamiz, exactly-once): reads telemetry, the registry and rules; writes its outputs;
# owns every topic, group and transactional id under its application id (changelogs included).
acl --allow-principal User:processor --operation Read --operation Describe --operation DescribeConfigs \
  --topic iot.telemetry.raw --topic iot.devices --topic iot.rules --topic iot.shadow.requests
acl --allow-principal User:processor --operation Write --operation Describe --operation DescribeConfigs \
  --topic iot.telemetry.enriched --topic iot.telemetry.agg.1m --topic iot.events.raw --topic iot.rejected \
  --topic iot.shadows --topic iot.shadow.responses --topic iot.rule.rows --topic iot.rule.http
acl --allow-principal User:processor --operation All --topic rules-processor --resource-pattern-type prefixed
acl --allow-principal User:processor --operation All --group rules-processor --resource-pattern-type prefixed
acl --allow-principal User:processor --operation Write --operation Describe --transactional-id rules-processor --resource-pattern-type prefixed
acl --allow-principal User:processor --operation Read --group device-registry-view --resource-pattern-type prefixed
acl --allow-principal User:processor --operation Read --group output-ledger --resource-pattern-type prefixed

# sink-writer: reads what it copies into ClickHouse, writes refused records to iot.rejected.
acl --allow-principal User:sink --operation Read --operation Describe --operation DescribeConfigs \
  --topic iot.telemetry.enriched --topic iot.telemetry.agg.1m --topic iot.events.raw --topic iot.rejected \
  --topic iot.devices --topic iot.shadows --topic iot.rule.rows
acl --allow-principal User:sink --operation Write --topic iot.rejected
acl --allow-principal User:sink --operation Read --operation Describe --group sink-writer --resource-pattern-type prefixed

# web-console: adds and revokes devices (the registry), reading it with the registry view's unique groups.
acl --allow-principal User:console --operation Read --operation Write --operation Describe --operation DescribeConfigs --topic iot.devices
acl --allow-principal User:console --operation Read --group device-registry-view --resource-pattern-type prefixed

# schema-registry: its own store topic and group.
acl --allow-principal User:schema-registry --operation All --topic _schemas
acl --allow-principal User:schema-registry --operation All --group schema-registry --resource-pattern-type prefixed
acl --allow-principal User:schema-registry --operation DescribeConfigs --operation Describe --cluster

echo "Kafka ACLs applied"
