// Package verify runs an API-channel identity verification through jumio-gateway from Go,
// with Debian's grpc-go (golang-google-grpc-dev 1.33) and google.golang.org/protobuf (1.28).
// Stubs: see ../gen.sh.
package verify

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	v1 "jumiogateway/gen/gatewayv1"
	"jumiogateway/gen/rpcpb"
)

const (
	chunk      = 64 * 1024        // the API recommends 64 to 256 KiB chunks
	resultWait = 60 * time.Second // how long to wait for the callback after finalizing
)

// Step prints one step of the flow.
func Step(format string, args ...interface{}) {
	fmt.Printf("step: "+format+"\n", args...)
}

// codec marshals with google.golang.org/protobuf: grpc-go 1.33's default codec uses the old
// github.com/golang/protobuf 1.3 API, which cannot handle messages from protoc-gen-go 1.28.
type codec struct{}

func (codec) Marshal(v interface{}) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }
func (codec) Unmarshal(data []byte, v interface{}) error {
	return proto.Unmarshal(data, v.(proto.Message))
}
func (codec) Name() string { return "proto" }

// Connect dials the gateway with its published service config (timeouts, retries). The config
// retries CreateAccount only because every create below carries a request_id. grpc-go 1.33
// applies retry policies only with GRPC_GO_RETRY=on in the environment.
func Connect(target, serviceConfigPath string, options ...grpc.DialOption) (*grpc.ClientConn, error) {
	return ConnectAs(target, serviceConfigPath, os.Getenv("JUMIO_GATEWAY_CA_FILE"),
		os.Getenv("JUMIO_GATEWAY_TOKEN_FILE"), options...)
}

// ConnectAs is Connect with the CA and token files given (see Credentials).
func ConnectAs(target, serviceConfigPath, caFile, tokenFile string, options ...grpc.DialOption) (*grpc.ClientConn, error) {
	config, err := os.ReadFile(serviceConfigPath)
	if err != nil {
		return nil, err
	}
	security, err := Credentials(caFile, tokenFile)
	if err != nil {
		return nil, err
	}
	return grpc.Dial(target, append(append(security,
		grpc.WithDefaultServiceConfig(string(config)),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec{}))), options...)...)
}

// Credentials are the dial options of a caller: TLS trusting caFile and, with tokenFile, its
// bearer token on every call (the gateway accepts tokens only over TLS or on loopback);
// plaintext without a CA file.
func Credentials(caFile, tokenFile string) ([]grpc.DialOption, error) {
	if caFile == "" {
		return []grpc.DialOption{grpc.WithInsecure()}, nil
	}
	tls, err := credentials.NewClientTLSFromFile(caFile, "")
	if err != nil {
		return nil, err
	}
	options := []grpc.DialOption{grpc.WithTransportCredentials(tls)}
	if tokenFile != "" {
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, err
		}
		options = append(options, grpc.WithPerRPCCredentials(bearer(strings.TrimSpace(string(token)))))
	}
	return options, nil
}

// bearer puts "authorization: Bearer <token>" on every call, over TLS only.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

// Details are what a caller reads from a failed call's google.rpc.Status.
type Details struct {
	Reason     string        // ErrorInfo.reason
	Fields     []string      // BadRequest field violations
	RetryAfter time.Duration // RetryInfo.retry_delay; 0 without a RetryInfo
	HasRetry   bool
}

// ErrorDetails decodes the google.rpc details of err.
func ErrorDetails(err error) Details {
	var d Details
	st, ok := status.FromError(err)
	if !ok {
		return d
	}
	for _, any := range st.Proto().GetDetails() {
		name := any.GetTypeUrl()[strings.LastIndex(any.GetTypeUrl(), "/")+1:]
		switch name {
		case "google.rpc.ErrorInfo":
			var info rpcpb.ErrorInfo
			if proto.Unmarshal(any.GetValue(), &info) == nil {
				d.Reason = info.GetReason()
			}
		case "google.rpc.BadRequest":
			var bad rpcpb.BadRequest
			if proto.Unmarshal(any.GetValue(), &bad) == nil {
				for _, v := range bad.GetFieldViolations() {
					d.Fields = append(d.Fields, v.GetField())
				}
			}
		case "google.rpc.RetryInfo":
			var retry rpcpb.RetryInfo
			if proto.Unmarshal(any.GetValue(), &retry) == nil {
				d.HasRetry = true
				d.RetryAfter = retry.GetRetryDelay().AsDuration()
			}
		}
	}
	return d
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func upload(ctx context.Context, credentials v1.CredentialServiceClient, part string, data []byte) error {
	stream, err := credentials.UploadCredentialPart(ctx)
	if err != nil {
		return err
	}
	// Metadata first, then the bytes in chunks.
	if err := stream.Send(&v1.UploadCredentialPartRequest{Content: &v1.UploadCredentialPartRequest_Metadata{
		Metadata: &v1.UploadCredentialPartMetadata{Name: part}}}); err != nil && err != io.EOF {
		return err
	}
	for offset := 0; offset < len(data); offset += chunk {
		end := offset + chunk
		if end > len(data) {
			end = len(data)
		}
		if err := stream.Send(&v1.UploadCredentialPartRequest{Content: &v1.UploadCredentialPartRequest_Chunk{
			Chunk: data[offset:end]}}); err != nil {
			break // the status comes from CloseAndRecv
		}
	}
	_, err = stream.CloseAndRecv()
	return err
}

// Verify creates an account, uploads images (by classifier: FRONT, BACK, FACE), finalizes, and
// returns the callback and the workflow execution's details once processing ended.
func Verify(ctx context.Context, conn *grpc.ClientConn, images map[string][]byte, workflowKey int64,
	userReference string) (*v1.Callback, *v1.WorkflowExecution, error) {
	accounts := v1.NewAccountServiceClient(conn)
	credentials := v1.NewCredentialServiceClient(conn)
	workflows := v1.NewWorkflowExecutionServiceClient(conn)
	feed := v1.NewCallbackFeedServiceClient(conn)

	// A request id makes the create safe to retry: a retry returns the first account.
	requestID := newRequestID()
	created, err := accounts.CreateAccount(ctx, &v1.CreateAccountRequest{
		RequestId: requestID, CustomerInternalReference: "order-1234", UserReference: userReference,
		WorkflowDefinition: &v1.WorkflowDefinition{Key: workflowKey}})
	if err != nil {
		return nil, nil, fmt.Errorf("create: %w", err)
	}
	execution := created.GetWorkflowExecution()
	Step("created %s with request id %s", created.GetAccount(), requestID)

	// Every part the API channel expects, by classifier. Web/SDK-only credentials have no api.
	parts := map[string]string{}
	for _, credential := range execution.GetCredentials() {
		for _, part := range credential.GetApi().GetParts() {
			classifier := part.GetRawClassifier()
			if classifier == "" {
				classifier = strings.TrimPrefix(part.GetClassifier().String(), "CLASSIFIER_")
			}
			parts[classifier] = part.GetName()
		}
	}
	for _, classifier := range []string{"FRONT", "BACK", "FACE"} {
		data, ok := images[classifier]
		if !ok {
			continue
		}
		if err := upload(ctx, credentials, parts[classifier], data); err != nil {
			return nil, nil, fmt.Errorf("upload %s: %w", classifier, err)
		}
		Step("uploaded %s (%d bytes)", classifier, len(data))
	}

	// Subscribe before finalizing, replaying from the start, so the result cannot be missed.
	watchCtx, cancel := context.WithTimeout(ctx, resultWait)
	defer cancel()
	watch, err := feed.WatchCallbacks(watchCtx, &v1.WatchCallbacksRequest{
		StartPosition: v1.StartPosition_START_POSITION_EARLIEST,
		Filter:        &v1.CallbackFilter{Accounts: []string{created.GetAccount()}}})
	if err != nil {
		return nil, nil, fmt.Errorf("watch: %w", err)
	}
	if _, err := workflows.FinalizeWorkflowExecution(ctx,
		&v1.FinalizeWorkflowExecutionRequest{Name: execution.GetName()}); err != nil {
		return nil, nil, fmt.Errorf("finalize: %w", err)
	}
	Step("finalized %s", execution.GetName())

	var callback *v1.Callback
	for callback == nil {
		message, err := watch.Recv()
		if err != nil {
			return nil, nil, fmt.Errorf("waiting for the callback: %w", err)
		}
		callback = message.GetCallback()
	}
	cancel()
	Step("callback: %s for %s", callback.GetWorkflowExecution().GetRawStatus(),
		callback.GetWorkflowExecution().GetName())

	got, err := workflows.GetWorkflowExecution(ctx, &v1.GetWorkflowExecutionRequest{Name: execution.GetName()})
	if err != nil {
		return nil, nil, fmt.Errorf("details: %w", err)
	}
	details := got.GetWorkflowExecution()
	// Typed capability results: e.g. the similarity of the selfie to the ID photo.
	var similarity []string
	for _, s := range details.GetCapabilities().GetSimilarity() {
		similarity = append(similarity, s.GetDecision().GetType().String())
	}
	Step("decision: %s, usability %d, similarity %v", details.GetDecision().GetType(),
		len(details.GetCapabilities().GetUsability()), similarity)
	return callback, details, nil
}
