// The Go caller end to end: the example's whole flow (examples/go/verify), error details and a
// 429's RetryInfo, against the gateway and sandbox that tests/e2e/stack.py started.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	v1 "jumiogateway/gen/gatewayv1"
	"jumiogateway/verify"
)

var failures []string

func check(ok bool, format string, args ...interface{}) {
	what := fmt.Sprintf(format, args...)
	if ok {
		fmt.Println("ok: " + what)
	} else {
		fmt.Println("FAIL: " + what)
		failures = append(failures, what)
	}
}

// jpeg is the smallest JPEG the sandbox accepts: SOI, JFIF, a SOF0 with the size, EOI.
func jpeg(width, height uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08"))
	binary.Write(&b, binary.BigEndian, [2]uint16{height, width})
	b.Write([]byte("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"))
	return b.Bytes()
}

func addFault(spec map[string]interface{}) error {
	body, _ := json.Marshal(spec)
	client := http.Client{Timeout: 10 * time.Second}
	response, err := client.Post(os.Getenv("JUMIO_SANDBOX_URL")+"/_sandbox/faults", "application/json",
		bytes.NewReader(body))
	if err != nil {
		return err
	}
	response.Body.Close()
	if response.StatusCode/100 != 2 {
		return fmt.Errorf("fault: HTTP %d", response.StatusCode)
	}
	return nil
}

// A 429 whose Retry-After is longer than the call's deadline: the gateway waits out a
// Retry-After itself when the deadline leaves room, so only such a 429 reaches the caller.
func fault429(retryAfterSeconds int) map[string]interface{} {
	return map[string]interface{}{"region": "emea-1", "hostKind": "retrieval", "rate429": 1.0,
		"retryAfterSeconds": retryAfterSeconds, "remaining": 1}
}

func run() error {
	target := os.Getenv("JUMIO_GATEWAY")
	conn, err := verify.Connect(target, os.Getenv("SERVICE_CONFIG"))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	images := map[string][]byte{"FRONT": jpeg(1200, 800), "BACK": jpeg(1200, 800), "FACE": jpeg(800, 800)}
	callback, details, err := verify.Verify(ctx, conn, images, 3, "go-e2e")
	if err != nil {
		return err
	}
	check(callback.GetWorkflowExecution().GetRawStatus() == "PROCESSED", "callback says PROCESSED")
	check(callback.GetUserReference() == "go-e2e", "callback carries the user reference")
	check(details.GetDecision().GetType() == v1.DecisionType_DECISION_TYPE_PASSED, "decision PASSED")
	similarity := details.GetCapabilities().GetSimilarity()
	check(len(similarity) == 1 && similarity[0].GetDecision().GetType() == v1.DecisionType_DECISION_TYPE_PASSED,
		"typed similarity result PASSED")

	verify.Step("bad request: user_reference of 101 characters")
	_, err = v1.NewAccountServiceClient(conn).CreateAccount(ctx, &v1.CreateAccountRequest{
		UserReference: strings.Repeat("u", 101), WorkflowDefinition: &v1.WorkflowDefinition{Key: 2}})
	d := verify.ErrorDetails(err)
	check(status.Code(err) == codes.InvalidArgument, "INVALID_ARGUMENT (got %v)", status.Code(err))
	check(d.Reason == "INVALID_FIELD", "ErrorInfo reason INVALID_FIELD (got %q)", d.Reason)
	check(len(d.Fields) == 1 && d.Fields[0] == "user_reference",
		"BadRequest field user_reference (got %v)", d.Fields)

	verify.Step("caller security: TLS, and a call without the token")
	check(os.Getenv("JUMIO_GATEWAY_CA_FILE") != "", "the stack serves TLS")
	anonymousConn, err := verify.ConnectAs(target, os.Getenv("SERVICE_CONFIG"),
		os.Getenv("JUMIO_GATEWAY_CA_FILE"), "")
	if err != nil {
		return err
	}
	defer anonymousConn.Close()
	_, err = v1.NewAccountServiceClient(anonymousConn).CreateAccount(ctx, &v1.CreateAccountRequest{
		WorkflowDefinition: &v1.WorkflowDefinition{Key: 2}})
	d = verify.ErrorDetails(err)
	check(status.Code(err) == codes.Unauthenticated && d.Reason == "CALLER_UNAUTHENTICATED",
		"UNAUTHENTICATED CALLER_UNAUTHENTICATED without the token (got %v %q)", status.Code(err), d.Reason)

	verify.Step("429 without retries: RESOURCE_EXHAUSTED with RetryInfo, honoured by hand")
	plainConn, err := verify.Connect(target, os.Getenv("SERVICE_CONFIG"), grpc.WithDisableRetry())
	if err != nil {
		return err
	}
	defer plainConn.Close()
	plain := v1.NewWorkflowExecutionServiceClient(plainConn)
	request := &v1.GetWorkflowExecutionStatusRequest{Name: details.GetName()}
	if err := addFault(fault429(3)); err != nil {
		return err
	}
	shortCtx, shortCancel := context.WithTimeout(ctx, 2*time.Second)
	defer shortCancel()
	_, err = plain.GetWorkflowExecutionStatus(shortCtx, request)
	d = verify.ErrorDetails(err)
	check(status.Code(err) == codes.ResourceExhausted && d.Reason == "UPSTREAM_RATE_LIMITED",
		"RESOURCE_EXHAUSTED UPSTREAM_RATE_LIMITED (got %v %q)", status.Code(err), d.Reason)
	check(d.HasRetry && d.RetryAfter > 0 && d.RetryAfter <= 5*time.Second, "RetryInfo delay %v", d.RetryAfter)
	time.Sleep(d.RetryAfter) // what RetryInfo asks for
	got, err := plain.GetWorkflowExecutionStatus(ctx, request)
	check(err == nil && got.GetWorkflowExecution().GetRawStatus() == "PROCESSED",
		"retry after the delay succeeds (%v)", err)

	if os.Getenv("RETRY_POLICY_STEP") != "" {
		verify.Step("429 through the service config's retry policy")
		// Beyond the 5 s deadline: the retry that succeeds is the channel's.
		if err := addFault(fault429(6)); err != nil {
			return err
		}
		start := time.Now()
		callCtx, callCancel := context.WithTimeout(ctx, 5*time.Second)
		defer callCancel()
		got, err := v1.NewWorkflowExecutionServiceClient(conn).GetWorkflowExecutionStatus(callCtx, request)
		check(err == nil && got.GetWorkflowExecution().GetRawStatus() == "PROCESSED",
			"retried within the 5 s deadline (%v, %v)", time.Since(start), err)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		failures = append(failures, err.Error())
	}
	if len(failures) > 0 {
		fmt.Println("FAILED: " + strings.Join(failures, "; "))
		os.Exit(1)
	}
	fmt.Println("PASS: go caller")
}
