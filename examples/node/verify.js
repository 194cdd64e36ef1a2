// An API-channel identity verification through jumio-gateway, from Node.js with
// @grpc/grpc-js and @grpc/proto-loader (pinned in the repository's package.json).
//
//   JUMIO_GATEWAY=localhost:9090 node verify.js front.jpg back.jpg face.jpg
//
// proto-loader reads the .proto files at run time, so there is no generation step; the
// google/rpc protos (for error details) come from Debian's golang-github-gogo-googleapis-dev.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
// proto-loader's own protobufjs, to decode google.rpc.Status from the trailers.
const protobuf = require(require.resolve('protobufjs', {
  paths: [path.dirname(require.resolve('@grpc/proto-loader'))],
}));

const CHUNK = 64 * 1024; // the API recommends 64 to 256 KiB chunks
const RESULT_WAIT_MS = 60000; // how long to wait for the callback after finalizing
const GOOGLEAPIS = '/usr/share/gocode/src/github.com/gogo/googleapis';

function step(text) {
  console.log('step: ' + text);
}

// TLS trusting JUMIO_GATEWAY_CA_FILE and, with JUMIO_GATEWAY_TOKEN_FILE, its bearer token
// on every call (the gateway accepts tokens only over TLS or on loopback); plaintext
// without a CA file.
function channelCredentials(caFile = process.env.JUMIO_GATEWAY_CA_FILE,
    tokenFile = process.env.JUMIO_GATEWAY_TOKEN_FILE) {
  if (!caFile) return grpc.credentials.createInsecure();
  const tls = grpc.credentials.createSsl(fs.readFileSync(caFile));
  if (!tokenFile) return tls;
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  return grpc.credentials.combineChannelCredentials(tls,
      grpc.credentials.createFromMetadataGenerator((params, callback) => {
        const metadata = new grpc.Metadata();
        metadata.add('authorization', 'Bearer ' + token);
        callback(null, metadata);
      }));
}

// Stubs for every service, on one channel that applies the gateway's published service
// config (timeouts, retries). The config retries CreateAccount only because every create
// below carries a request_id.
function connect(target, serviceConfigPath, protoRoot, googleapis = GOOGLEAPIS) {
  const files = fs.readdirSync(path.join(protoRoot, 'jumio/gateway/v1'))
      .filter((f) => f.endsWith('.proto'))
      .map((f) => 'jumio/gateway/v1/' + f);
  const definition = protoLoader.loadSync(files, {
    keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
    includeDirs: [protoRoot, '/usr/include', googleapis],
  });
  const v1 = grpc.loadPackageDefinition(definition).jumio.gateway.v1;
  const config = JSON.stringify(JSON.parse(fs.readFileSync(serviceConfigPath, 'utf8')));
  const options = {'grpc.service_config': config, 'grpc.enable_retries': 1};
  const credentials = channelCredentials();
  const stubs = {};
  for (const name of ['AccountService', 'CredentialService', 'WorkflowExecutionService',
    'CallbackFeedService', 'PlatformService']) {
    stubs[name] = new v1[name](target, credentials, options);
  }
  const rpc = new protobuf.Root();
  rpc.resolvePath = (origin, target) => path.join(googleapis, target);
  rpc.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], {keepCase: true});
  stubs.rpcTypes = rpc;
  return stubs;
}

// A unary call as a promise, with a deadline in seconds.
function call(stub, method, request, seconds = 10) {
  return new Promise((resolve, reject) => {
    stub[method](request, {deadline: Date.now() + seconds * 1000},
        (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// The google.rpc details of a failed call: ErrorInfo reason, BadRequest fields, RetryInfo
// delay in seconds (null without one).
function errorDetails(stubs, error) {
  const result = {reason: '', fields: [], retryAfter: null};
  const raw = error.metadata && error.metadata.get('grpc-status-details-bin')[0];
  if (!raw) return result;
  const types = stubs.rpcTypes;
  const status = types.lookupType('google.rpc.Status').decode(raw);
  for (const any of status.details) {
    const name = any.type_url.split('/').pop();
    const message = types.lookupType(name).decode(any.value);
    if (name === 'google.rpc.ErrorInfo') result.reason = message.reason;
    if (name === 'google.rpc.BadRequest') {
      result.fields = message.field_violations.map((v) => v.field);
    }
    if (name === 'google.rpc.RetryInfo') {
      const d = message.retry_delay || {};
      result.retryAfter = Number(d.seconds || 0) + (d.nanos || 0) / 1e9;
    }
  }
  return result;
}

// Streams one file: metadata first, then the bytes in chunks.
function upload(stubs, partName, data) {
  return new Promise((resolve, reject) => {
    const stream = stubs.CredentialService.UploadCredentialPart(
        {deadline: Date.now() + 60000}, (error, response) => (error ? reject(error) : resolve(response)));
    stream.write({metadata: {name: partName}});
    for (let offset = 0; offset < data.length; offset += CHUNK) {
      stream.write({chunk: data.subarray(offset, offset + CHUNK)});
    }
    stream.end();
  });
}

// The first callback for `account` on WatchCallbacks (bounded by RESULT_WAIT_MS).
function firstCallback(stubs, account) {
  return new Promise((resolve, reject) => {
    const stream = stubs.CallbackFeedService.WatchCallbacks(
        {start_position: 'START_POSITION_EARLIEST', filter: {accounts: [account]}},
        {deadline: Date.now() + RESULT_WAIT_MS});
    stream.on('data', (message) => {
      if (message.callback) {
        stream.cancel();
        resolve(message.callback);
      }
    });
    stream.on('error', (error) => {
      if (error.code !== grpc.status.CANCELLED) reject(error);
    });
  });
}

// Creates an account, uploads `images` ({FRONT: Buffer, ...}), finalizes, and returns the
// callback and the workflow execution's details once processing ended.
async function verify(stubs, images, workflowKey = 3, userReference = 'node-example') {
  // A request id makes the create safe to retry: a retry returns the first account.
  const requestId = crypto.randomUUID();
  const created = await call(stubs.AccountService, 'CreateAccount', {
    request_id: requestId, customer_internal_reference: 'order-1234',
    user_reference: userReference, workflow_definition: {key: workflowKey},
  }, 30);
  const execution = created.workflow_execution;
  step(`created ${created.account} with request id ${requestId}`);

  // Every part the API channel expects, by classifier (FRONT, BACK, FACE).
  const parts = {};
  for (const credential of execution.credentials) {
    // Credentials for the web or SDK channel only (a FACEMAP) have no `api`.
    for (const part of credential.api ? credential.api.parts : []) {
      parts[part.raw_classifier || part.classifier.replace(/^CLASSIFIER_/, '')] = part.name;
    }
  }
  for (const [classifier, data] of Object.entries(images)) {
    await upload(stubs, parts[classifier], data);
    step(`uploaded ${classifier} (${data.length} bytes)`);
  }

  // Subscribe before finalizing, replaying from the start, so the result cannot be missed.
  const result = firstCallback(stubs, created.account);
  await call(stubs.WorkflowExecutionService, 'FinalizeWorkflowExecution',
      {name: execution.name}, 30);
  step('finalized ' + execution.name);
  const callback = await result;
  step(`callback: ${callback.workflow_execution.raw_status} for ` +
       callback.workflow_execution.name);

  const details = (await call(stubs.WorkflowExecutionService, 'GetWorkflowExecution',
      {name: execution.name})).workflow_execution;
  // Typed capability results: e.g. the similarity of the selfie to the ID photo.
  const caps = details.capabilities;
  step(`decision: ${details.decision.type}, usability ${caps.usability.length}, ` +
       `similarity ${JSON.stringify(caps.similarity.map((s) => s.decision.type))}`);
  return {callback, details};
}

module.exports = {connect, channelCredentials, call, errorDetails, verify, step};

if (require.main === module) {
  (async () => {
    const args = process.argv.slice(2);
    if (args.length < 2) throw new Error('usage: verify.js FRONT BACK [FACE]');
    const root = path.join(__dirname, '..', '..');
    const stubs = connect(process.env.JUMIO_GATEWAY || 'localhost:9090',
        path.join(root, 'client/service_config.json'), path.join(root, 'proto'));
    const images = {};
    ['FRONT', 'BACK', 'FACE'].forEach((c, i) => {
      if (args[i]) images[c] = fs.readFileSync(args[i]);
    });
    try {
      await verify(stubs, images, images.FACE ? 3 : 2);
    } catch (error) {
      const d = errorDetails(stubs, error);
      console.error(`failed: ${error.code} ${d.reason} ${d.fields} retry after ${d.retryAfter}`);
      process.exit(1);
    }
    process.exit(0);
  })();
}
