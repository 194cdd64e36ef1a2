"""An API-channel identity verification through jumio-gateway, from Python.

Run (stubs first, see examples/README.md):
    JUMIO_GATEWAY=localhost:9090 python3 verify.py front.jpg back.jpg face.jpg
    (over TLS with a token: also JUMIO_GATEWAY_CA_FILE=ca.pem JUMIO_GATEWAY_TOKEN_FILE=token)

Needs Debian's python3-grpcio and python3-protobuf and stubs generated with protoc 3.21 and
grpc_python_plugin on PYTHONPATH (python3-grpc-tools 1.14 cannot compile proto3 `optional`).
"""

import json
import os
import sys
import uuid

import grpc
from google.rpc import error_details_pb2, status_pb2
from jumio.gateway.v1 import (account_pb2, account_pb2_grpc, callback_pb2, callback_pb2_grpc,
                              common_pb2, credential_pb2, credential_pb2_grpc, retrieval_pb2,
                              workflow_execution_pb2, workflow_execution_pb2_grpc)

CHUNK = 64 * 1024  # the API recommends 64 to 256 KiB chunks
RESULT_WAIT_S = 60  # how long to wait for the callback after finalizing


def step(text):
    print("step: " + text, flush=True)


def connect(target, service_config_path, extra_options=(),
            ca_file=os.environ.get("JUMIO_GATEWAY_CA_FILE"),
            token_file=os.environ.get("JUMIO_GATEWAY_TOKEN_FILE")):
    """A channel that applies the gateway's published service config (timeouts, retries).

    With `ca_file` the channel speaks TLS and trusts that CA; with `token_file` every call
    carries its bearer token (the gateway accepts tokens only over TLS or on loopback). The
    config retries CreateAccount only because every create below carries a request_id."""
    with open(service_config_path) as f:
        config = json.dumps(json.load(f))
    options = dict([
        ("grpc.service_config", config),
        ("grpc.enable_retries", 1),
        # Use this config, not one a name resolver might offer.
        ("grpc.service_config_disable_resolution", 1),
    ] + list(extra_options))
    options = list(options.items())
    if not ca_file:
        return grpc.insecure_channel(target, options=options)
    with open(ca_file, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    if token_file:
        with open(token_file) as f:
            credentials = grpc.composite_channel_credentials(
                credentials, grpc.access_token_call_credentials(f.read().strip()))
    return grpc.secure_channel(target, credentials, options=options)


def error_details(error):
    """The google.rpc details of a failed call: (ErrorInfo reason, BadRequest fields, RetryInfo
    delay in seconds or None)."""
    reason, fields, retry_after = "", [], None
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info, bad, retry = (error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest(),
                                error_details_pb2.RetryInfo())
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(bad):
                fields = [v.field for v in bad.field_violations]
            elif detail.Unpack(retry):
                retry_after = retry.retry_delay.ToTimedelta().total_seconds()
    return reason, fields, retry_after


def upload(credentials, part_name, data):
    """Streams one file: metadata first, then the bytes in chunks."""
    def messages():
        yield credential_pb2.UploadCredentialPartRequest(
            metadata=credential_pb2.UploadCredentialPartMetadata(name=part_name))
        for offset in range(0, len(data), CHUNK):
            yield credential_pb2.UploadCredentialPartRequest(chunk=data[offset:offset + CHUNK])
    return credentials.UploadCredentialPart(messages())


def verify(channel, images, workflow_key=3, user_reference="python-example"):
    """Creates an account, uploads `images` ({"FRONT": bytes, ...}), finalizes, and returns the
    callback and the workflow execution's details once processing ended."""
    accounts = account_pb2_grpc.AccountServiceStub(channel)
    credentials = credential_pb2_grpc.CredentialServiceStub(channel)
    workflows = workflow_execution_pb2_grpc.WorkflowExecutionServiceStub(channel)
    feed = callback_pb2_grpc.CallbackFeedServiceStub(channel)

    # A request id makes the create safe to retry: a retry returns the first account.
    request_id = str(uuid.uuid4())
    created = accounts.CreateAccount(account_pb2.CreateAccountRequest(
        request_id=request_id, customer_internal_reference="order-1234",
        user_reference=user_reference,
        workflow_definition=account_pb2.WorkflowDefinition(key=workflow_key)))
    execution = created.workflow_execution
    step(f"created {created.account} with request id {request_id}")

    # Every part the API channel expects, by classifier (FRONT, BACK, FACE).
    parts = {}
    for credential in execution.credentials:
        for part in credential.api.parts:
            classifier = part.raw_classifier or common_pb2.Classifier.Name(
                part.classifier).removeprefix("CLASSIFIER_")
            parts[classifier] = part.name
    for classifier, data in images.items():
        upload(credentials, parts[classifier], data)
        step(f"uploaded {classifier} ({len(data)} bytes)")

    # Subscribe before finalizing, replaying from the start, so the result cannot be missed.
    watch = feed.WatchCallbacks(callback_pb2.WatchCallbacksRequest(
        start_position=callback_pb2.START_POSITION_EARLIEST,
        filter=callback_pb2.CallbackFilter(accounts=[created.account])), timeout=RESULT_WAIT_S)
    workflows.FinalizeWorkflowExecution(
        workflow_execution_pb2.FinalizeWorkflowExecutionRequest(name=execution.name))
    step("finalized " + execution.name)

    callback = None
    for message in watch:
        if message.HasField("callback"):
            callback = message.callback
            break
    watch.cancel()
    step(f"callback: {callback.workflow_execution.raw_status} for "
         f"{callback.workflow_execution.name}")

    details = workflows.GetWorkflowExecution(
        workflow_execution_pb2.GetWorkflowExecutionRequest(name=execution.name))
    result = details.workflow_execution
    # Typed capability results: e.g. the similarity of the selfie to the ID photo.
    caps = result.capabilities
    step("decision: %s, usability %d, similarity %s" % (
        retrieval_pb2.DecisionType.Name(result.decision.type), len(caps.usability),
        [retrieval_pb2.DecisionType.Name(s.decision.type) for s in caps.similarity]))
    return callback, result


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: verify.py FRONT BACK [FACE]")
    here = os.path.dirname(os.path.abspath(__file__))
    channel = connect(os.environ.get("JUMIO_GATEWAY", "localhost:9090"),
                      os.path.join(here, "..", "..", "client", "service_config.json"))
    images = {}
    for classifier, path in zip(("FRONT", "BACK", "FACE"), sys.argv[1:]):
        with open(path, "rb") as f:
            images[classifier] = f.read()
    try:
        verify(channel, images, workflow_key=3 if "FACE" in images else 2)
    except grpc.RpcError as error:
        reason, fields, retry_after = error_details(error)
        sys.exit(f"failed: {error.code().name} {reason} {fields} retry after {retry_after}")


if __name__ == "__main__":
    main()
