// Command verify runs an API-channel verification through jumio-gateway:
//
//	JUMIO_GATEWAY=localhost:9090 verify front.jpg back.jpg [face.jpg]
//
// Build it in GOPATH mode against Debian's Go packages (see examples/README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"jumiogateway/verify"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: verify FRONT BACK [FACE]")
		os.Exit(2)
	}
	target := os.Getenv("JUMIO_GATEWAY")
	if target == "" {
		target = "localhost:9090"
	}
	config := os.Getenv("JUMIO_SERVICE_CONFIG")
	if config == "" {
		config = "client/service_config.json"
	}
	conn, err := verify.Connect(target, config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	images := map[string][]byte{}
	for i, classifier := range []string{"FRONT", "BACK", "FACE"} {
		if len(os.Args) <= i+1 {
			break
		}
		data, err := os.ReadFile(os.Args[i+1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		images[classifier] = data
	}
	key := int64(2)
	if _, ok := images["FACE"]; ok {
		key = 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, _, err := verify.Verify(ctx, conn, images, key, "go-example"); err != nil {
		d := verify.ErrorDetails(err)
		fmt.Fprintf(os.Stderr, "failed: %v (reason %s, fields %v, retry after %v)\n", err, d.Reason,
			d.Fields, d.RetryAfter)
		os.Exit(1)
	}
}
