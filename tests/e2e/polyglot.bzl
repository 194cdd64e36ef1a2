"""The two tests of one language's caller against the real gateway and sandbox (stack.py)."""

def caller_tests(name, script, caller, test, data = [], retry_env = {}):
    """`<name>_test`: the whole flow, error details, and the service config's retry of a 429.

    Args:
      name: prefix of the two test names.
      script: the sh_test's script; its arguments are the sandbox, the gateway, the service
        config, `caller` (the example it runs), stack.py and `test`.
      caller: label of the example file (or generator) the script runs.
      test: the language's test program.
      data: what else the script reads.
      retry_env: extra environment for the retry-policy step.
    """
    args = [
        "$(location //sandbox:jumio-sandbox)",
        "$(location //server:jumio-gateway)",
        "$(location //client:service_config.json)",
        "$(location %s)" % caller,
        "$(location //tests/e2e:stack.py)",
        "$(location %s)" % test,
    ]
    all_data = data + [
        caller,
        test,
        "//client:service_config.json",
        "//proto/jumio/gateway/v1:gateway_cc_grpc_protos",
        "//sandbox:jumio-sandbox",
        "//server:jumio-gateway",
        "//tests/e2e:stack.py",
        "@googleapis//:rpc_cc_proto_protos",
    ]

    # Debian's toolchains (python3, protoc and plugins, node and node_modules, Go) are no declared
    # inputs ("external": never cached). Not in the sanitize pass: the C++ integration tests
    # cover the servers' code there.
    tags = ["external", "no_sanitize"]
    env = {"RETRY_POLICY_STEP": "1"}
    env.update(retry_env)

    # The retry step needs the gateway to answer errors trailers-only (it puts x-request-id in
    # the trailers of a failed call): a client that has seen headers never retries (gRFC A6).
    variants = [("_test", env, tags)]
    for suffix, variant_env, variant_tags in variants:
        native.sh_test(
            name = name + suffix,
            size = "medium",
            srcs = [script],
            args = args,
            data = all_data,
            env = variant_env,
            tags = variant_tags,
        )
