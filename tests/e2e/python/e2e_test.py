"""Python caller end to end: the example's whole flow, error details and a retried 429."""

import json
import os
import struct
import sys
import time
import urllib.request

import grpc

sys.path.insert(0, os.environ["EXAMPLES_DIR"])
import verify  # noqa: E402  (examples/python/verify.py)
from jumio.gateway.v1 import (account_pb2, account_pb2_grpc, retrieval_pb2,  # noqa: E402
                              workflow_execution_pb2, workflow_execution_pb2_grpc)

SANDBOX = os.environ["JUMIO_SANDBOX_URL"]
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def jpeg(width, height):
    """The smallest JPEG the sandbox accepts: SOI, JFIF, a SOF0 with the size, EOI."""
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", height, width) +
            b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")


def add_fault(spec):
    request = urllib.request.Request(SANDBOX + "/_sandbox/faults", json.dumps(spec).encode(),
                                     {"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request, timeout=10).read()


def status_requests(workflow_id):
    """How many status GETs for this workflow execution the sandbox received."""
    body = urllib.request.urlopen(
        SANDBOX + "/_sandbox/journal?limit=100000&hostKind=retrieval", timeout=10).read()
    return sum(1 for e in json.loads(body)["entries"]
               if e["path"].endswith(workflow_id + "/status"))


def retry_policy_step(workflows, status_request, workflow_id):
    """A 429 retried by the channel itself (the service config's retryPolicy).

    It works because the gateway answers such an error trailers-only (x-request-id in the
    trailers): gRPC stops retrying a call once headers arrive (gRFC A6)."""
    verify.step("429 through the service config's retry policy")
    before = status_requests(workflow_id)
    # Retry-After beyond the 5 s deadline: the gateway cannot wait it out, so the second
    # attempt the sandbox sees is the channel's.
    add_fault({"region": "emea-1", "hostKind": "retrieval", "rate429": 1.0,
               "retryAfterSeconds": 6, "remaining": 1})
    start = time.monotonic()
    deadline_s = 5
    response = workflows.GetWorkflowExecutionStatus(status_request, timeout=deadline_s)
    elapsed = time.monotonic() - start
    check(response.workflow_execution.raw_status == "PROCESSED",
          "status read succeeds despite the 429")
    check(elapsed < deadline_s, "within the %ds deadline (%.2fs)" % (deadline_s, elapsed))
    # The sandbox journals a request after answering it: wait (bounded) for both entries.
    seen, wait_until = 0, time.monotonic() + 5
    while time.monotonic() < wait_until:
        seen = status_requests(workflow_id) - before
        if seen >= 2:
            break
        time.sleep(0.05)
    check(seen == 2, "the sandbox saw the 429'd attempt and the retry (%d)" % seen)


def main():
    channel = verify.connect(os.environ["JUMIO_GATEWAY"], os.environ["SERVICE_CONFIG"])
    workflows = workflow_execution_pb2_grpc.WorkflowExecutionServiceStub(channel)

    images = {"FRONT": jpeg(1200, 800), "BACK": jpeg(1200, 800), "FACE": jpeg(800, 800)}
    callback, result = verify.verify(channel, images, user_reference="python-e2e")
    check(callback.workflow_execution.raw_status == "PROCESSED", "callback says PROCESSED")
    check(callback.user_reference == "python-e2e", "callback carries the user reference")
    check(result.decision.type == retrieval_pb2.DECISION_TYPE_PASSED, "decision PASSED")
    check(len(result.capabilities.similarity) == 1 and
          result.capabilities.similarity[0].decision.type == retrieval_pb2.DECISION_TYPE_PASSED,
          "typed similarity result PASSED")

    verify.step("bad request: user_reference of 101 characters")
    accounts = account_pb2_grpc.AccountServiceStub(channel)
    try:
        accounts.CreateAccount(account_pb2.CreateAccountRequest(
            user_reference="u" * 101, workflow_definition=account_pb2.WorkflowDefinition(key=2)))
        check(False, "oversized user_reference is refused")
    except grpc.RpcError as error:
        reason, fields, _ = verify.error_details(error)
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        check(reason == "INVALID_FIELD", "ErrorInfo reason INVALID_FIELD (got %r)" % reason)
        check(fields == ["user_reference"], "BadRequest field user_reference (got %r)" % fields)

    verify.step("caller security: TLS, and a call without the token")
    check(bool(os.environ.get("JUMIO_GATEWAY_CA_FILE")), "the stack serves TLS")
    anonymous = account_pb2_grpc.AccountServiceStub(
        verify.connect(os.environ["JUMIO_GATEWAY"], os.environ["SERVICE_CONFIG"],
                       token_file=None))
    try:
        anonymous.CreateAccount(account_pb2.CreateAccountRequest(
            workflow_definition=account_pb2.WorkflowDefinition(key=2)), timeout=10)
        check(False, "a call without the token is refused")
    except grpc.RpcError as error:
        reason, _, _ = verify.error_details(error)
        check(error.code() == grpc.StatusCode.UNAUTHENTICATED and
              reason == "CALLER_UNAUTHENTICATED", "UNAUTHENTICATED CALLER_UNAUTHENTICATED "
              "without the token (got %s %r)" % (error.code(), reason))

    name = result.name
    workflow_id = name.rsplit("/", 1)[1]
    status_request = workflow_execution_pb2.GetWorkflowExecutionStatusRequest(name=name)

    verify.step("429 without retries: RESOURCE_EXHAUSTED with RetryInfo, honoured by hand")
    plain = workflow_execution_pb2_grpc.WorkflowExecutionServiceStub(
        verify.connect(os.environ["JUMIO_GATEWAY"], os.environ["SERVICE_CONFIG"],
                       extra_options=[("grpc.enable_retries", 0)]))
    # The gateway waits out a Retry-After itself when the caller's deadline leaves room; one
    # longer than the deadline reaches the caller at once.
    add_fault({"region": "emea-1", "hostKind": "retrieval", "rate429": 1.0,
               "retryAfterSeconds": 3, "remaining": 1})
    try:
        plain.GetWorkflowExecutionStatus(status_request, timeout=2)
        check(False, "the injected 429 reaches the caller")
    except grpc.RpcError as error:
        reason, _, retry_after = verify.error_details(error)
        check(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and
              reason == "UPSTREAM_RATE_LIMITED", "RESOURCE_EXHAUSTED UPSTREAM_RATE_LIMITED")
        check(retry_after is not None and 0 < retry_after <= 5,
              "RetryInfo delay %r s" % retry_after)
        time.sleep(retry_after or 0)  # what RetryInfo asks for
        check(plain.GetWorkflowExecutionStatus(status_request, timeout=10)
              .workflow_execution.raw_status == "PROCESSED", "retry after the delay succeeds")

    if os.environ.get("RETRY_POLICY_STEP"):
        retry_policy_step(workflows, status_request, workflow_id)

    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("PASS: python caller")
    return 0


if __name__ == "__main__":
    sys.exit(main())
