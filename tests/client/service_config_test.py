"""client/service_config.json against the API it configures.

Usage: service_config_test.py SERVICE_CONFIG DESCRIPTOR_SET (protoc --include_imports output).
"""

import json
import re
import sys

from google.protobuf import descriptor_pb2

# Codes error.proto documents as worth retrying. DEADLINE_EXCEEDED is not: it needs a longer
# deadline, which a retry within the same deadline cannot give.
RETRYABLE = {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "ABORTED"}
# Reads and acknowledgements (acknowledging twice is not an error): safe to repeat.
IDEMPOTENT = re.compile(r"^(Get|List)|^AcknowledgeCallbacks$")
# Streams that stay open until the caller ends them: a timeout would cut them off.
OPEN_STREAMS = {"jumio.gateway.v1.CallbackFeedService/WatchCallbacks"}
DURATION = re.compile(r"^\d+(\.\d{1,9})?s$")

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def main():
    config_path, descriptors_path = sys.argv[1:3]
    with open(config_path) as f:
        config = json.load(f)
    files = descriptor_pb2.FileDescriptorSet()
    with open(descriptors_path, "rb") as f:
        files.ParseFromString(f.read())

    messages, methods = {}, {}
    for file in files.file:
        for message in file.message_type:
            messages["." + file.package + "." + message.name] = message
        if file.package != "jumio.gateway.v1":
            continue
        for service in file.service:
            for method in service.method:
                methods[f"{file.package}.{service.name}/{method.name}"] = method

    configured = {}
    for entry in config["methodConfig"]:
        policy = entry.get("retryPolicy")
        for name in entry["name"]:
            full = f'{name["service"]}/{name.get("method", "")}'
            check("method" in name, f"{full}: whole-service entries hide new methods")
            check(full in methods, f"{full}: no such method in the API")
            check(full not in configured, f"{full}: configured twice")
            configured[full] = entry
            method = methods.get(full)
            if method is None or policy is None:
                continue
            request = messages[method.input_type]
            has_request_id = any(f.name == "request_id" for f in request.field)
            short = full.split("/")[1]
            check(IDEMPOTENT.search(short) or has_request_id,
                  f"{full}: retries, but is neither a read nor deduplicated by request_id")
            check(not method.client_streaming,
                  f"{full}: a client stream cannot be retried safely (UploadCredentialPart ADD)")
            codes = set(policy["retryableStatusCodes"])
            check(codes <= RETRYABLE, f"{full}: retries {sorted(codes - RETRYABLE)}")
            check("ABORTED" not in codes or has_request_id,
                  f"{full}: ABORTED (REQUEST_IN_PROGRESS) is only retryable with a request_id")
        if policy is not None:
            check(2 <= policy["maxAttempts"] <= 5, "maxAttempts must be 2..5 (gRFC A6)")
            for key in ("initialBackoff", "maxBackoff"):
                check(bool(DURATION.match(policy[key])), f"{key} {policy[key]!r} is no duration")
            check(policy["backoffMultiplier"] > 0, "backoffMultiplier must be positive")
        if "timeout" in entry:
            check(bool(DURATION.match(entry["timeout"])), f"timeout {entry['timeout']!r}")

    for full in methods:
        if full in OPEN_STREAMS:
            check("timeout" not in configured.get(full, {}), f"{full}: a timeout cuts the stream")
        else:
            check("timeout" in configured.get(full, {}), f"{full}: no timeout")

    for failure in failures:
        print("FAIL: " + failure)
    if failures:
        return 1
    print(f"ok: {len(configured)} methods configured, "
          f"{sum(1 for e in configured.values() if 'retryPolicy' in e)} with a retry policy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
