// Node caller end to end: the example's whole flow, error details and a 429's RetryInfo.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const example = require(path.join(process.env.EXAMPLES_DIR, 'verify.js'));

const SANDBOX = process.env.JUMIO_SANDBOX_URL;
const failures = [];

function check(ok, what) {
  console.log((ok ? 'ok: ' : 'FAIL: ') + what);
  if (!ok) failures.push(what);
}

// The smallest JPEG the sandbox accepts: SOI, JFIF, a SOF0 with the size, EOI.
function jpeg(width, height) {
  const size = Buffer.alloc(4);
  size.writeUInt16BE(height, 0);
  size.writeUInt16BE(width, 2);
  return Buffer.concat([
    Buffer.from('ffd8ffe000104a46494600010100000100010000ffc0001108', 'hex'), size,
    Buffer.from('03012200021101031101ffd9', 'hex')]);
}

async function addFault(spec) {
  const response = await fetch(SANDBOX + '/_sandbox/faults', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(spec),
    signal: AbortSignal.timeout(10000)});
  if (!response.ok) throw new Error('fault: ' + response.status);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const stubs = example.connect(process.env.JUMIO_GATEWAY, process.env.SERVICE_CONFIG,
      process.env.PROTO_ROOT, process.env.GOOGLEAPIS);
  const images = {FRONT: jpeg(1200, 800), BACK: jpeg(1200, 800), FACE: jpeg(800, 800)};
  const {callback, details} = await example.verify(stubs, images, 3, 'node-e2e');
  check(callback.workflow_execution.raw_status === 'PROCESSED', 'callback says PROCESSED');
  check(callback.user_reference === 'node-e2e', 'callback carries the user reference');
  check(details.decision.type === 'DECISION_TYPE_PASSED', 'decision PASSED');
  const similarity = details.capabilities.similarity;
  check(similarity.length === 1 && similarity[0].decision.type === 'DECISION_TYPE_PASSED',
      'typed similarity result PASSED');

  example.step('bad request: user_reference of 101 characters');
  try {
    await example.call(stubs.AccountService, 'CreateAccount',
        {user_reference: 'u'.repeat(101), workflow_definition: {key: 2}});
    check(false, 'oversized user_reference is refused');
  } catch (error) {
    const d = example.errorDetails(stubs, error);
    check(error.code === grpc.status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
    check(d.reason === 'INVALID_FIELD', `ErrorInfo reason INVALID_FIELD (got ${d.reason})`);
    check(JSON.stringify(d.fields) === '["user_reference"]',
        `BadRequest field user_reference (got ${JSON.stringify(d.fields)})`);
  }

  example.step('429 without retries: RESOURCE_EXHAUSTED with RetryInfo, honoured by hand');
  example.step('caller security: TLS, and a call without the token');
  check(Boolean(process.env.JUMIO_GATEWAY_CA_FILE), 'the stack serves TLS');
  const anonymous = new (stubs.AccountService.constructor)(process.env.JUMIO_GATEWAY,
      example.channelCredentials(process.env.JUMIO_GATEWAY_CA_FILE, null));
  try {
    await example.call(anonymous, 'CreateAccount', {workflow_definition: {key: 2}});
    check(false, 'a call without the token is refused');
  } catch (error) {
    const d = example.errorDetails(stubs, error);
    check(error.code === grpc.status.UNAUTHENTICATED && d.reason === 'CALLER_UNAUTHENTICATED',
        `UNAUTHENTICATED CALLER_UNAUTHENTICATED without the token (got ${error.code} ${d.reason})`);
  }
  anonymous.close();

  const plain = new (stubs.WorkflowExecutionService.constructor)(
      process.env.JUMIO_GATEWAY, example.channelCredentials(), {'grpc.enable_retries': 0});
  const request = {name: details.name};
  // The gateway waits out a Retry-After itself when the caller's deadline leaves room; one
  // longer than the deadline reaches the caller at once.
  await addFault({region: 'emea-1', hostKind: 'retrieval', rate429: 1.0,
    retryAfterSeconds: 3, remaining: 1});
  try {
    await example.call(plain, 'GetWorkflowExecutionStatus', request, 2);
    check(false, 'the injected 429 reaches the caller');
  } catch (error) {
    const d = example.errorDetails(stubs, error);
    check(error.code === grpc.status.RESOURCE_EXHAUSTED && d.reason === 'UPSTREAM_RATE_LIMITED',
        'RESOURCE_EXHAUSTED UPSTREAM_RATE_LIMITED');
    check(d.retryAfter !== null && d.retryAfter > 0 && d.retryAfter <= 5,
        `RetryInfo delay ${d.retryAfter} s`);
    await sleep((d.retryAfter || 0) * 1000); // what RetryInfo asks for
    const status = await example.call(plain, 'GetWorkflowExecutionStatus', request);
    check(status.workflow_execution.raw_status === 'PROCESSED', 'retry after the delay succeeds');
  }
  plain.close();

  if (process.env.RETRY_POLICY_STEP) {
    example.step('429 through the service config\'s retry policy');
    // Retry-After beyond the 5 s deadline: the gateway cannot wait it out, so the retry that
    // succeeds is the channel's.
    await addFault({region: 'emea-1', hostKind: 'retrieval', rate429: 1.0,
      retryAfterSeconds: 6, remaining: 1});
    const start = Date.now();
    const status = await example.call(stubs.WorkflowExecutionService,
        'GetWorkflowExecutionStatus', request, 5);
    check(status.workflow_execution.raw_status === 'PROCESSED' && Date.now() - start < 5000,
        `retried within the 5 s deadline (${Date.now() - start} ms)`);
  }

  if (failures.length) {
    console.log('FAILED: ' + failures.join('; '));
    return 1;
  }
  console.log('PASS: node caller');
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.log('FAILED: ' + (error.stack || error));
  process.exit(1);
});
