"""C++ code generation for .proto files with Debian's protoc and grpc_cpp_plugin.

The native proto_library toolchain needs a protobuf source repository, which cannot be fetched
offline, so a genrule runs the installed compilers and a cc_library wraps what they write.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

_PROTOC = "/usr/bin/protoc"
_GRPC_CPP_PLUGIN = "/usr/bin/grpc_cpp_plugin"

# Debian's libprotobuf-dev installs the well-known types (google/protobuf/*.proto) here.
_SYSTEM_PROTO_ROOT = "/usr/include"

def cc_proto_grpc_library(name, srcs, proto_root, deps = [], grpc = True, visibility = None):
    """Generates and compiles C++ (and optionally gRPC) code for `srcs`.

    Args:
      name: the cc_library; `<name>_protos` is a filegroup of these .proto files and their deps'.
      srcs: .proto files in this package.
      proto_root: the folder, relative to the repository root, that import paths start from
        ("proto" for proto/jumio/gateway/v1/x.proto imported as "jumio/gateway/v1/x.proto").
      deps: other cc_proto_grpc_library targets under the same proto_root that srcs import.
      grpc: also generate gRPC service code.
      visibility: as usual.
    """
    workspace_root = native.repository_name().lstrip("@")
    exec_root = ("external/%s/%s" % (workspace_root, proto_root)) if workspace_root else proto_root
    exec_root = exec_root.rstrip("/")

    stems = [src[:-len(".proto")] for src in srcs]
    hdrs = [stem + ".pb.h" for stem in stems]
    cc_srcs = [stem + ".pb.cc" for stem in stems]
    if grpc:
        hdrs += [stem + ".grpc.pb.h" for stem in stems]
        cc_srcs += [stem + ".grpc.pb.cc" for stem in stems]

    native.filegroup(
        name = name + "_protos",
        srcs = srcs + [dep + "_protos" for dep in deps],
        visibility = visibility,
    )

    plugin_flags = ""
    if grpc:
        plugin_flags = "--plugin=protoc-gen-grpc=%s --grpc_out=$(GENDIR)/%s" % (
            _GRPC_CPP_PLUGIN,
            exec_root,
        )
    native.genrule(
        name = name + "_gen",
        srcs = srcs + [name + "_protos"],
        outs = hdrs + cc_srcs,
        cmd = " ".join([
            _PROTOC,
            "-I" + exec_root,
            "-I" + _SYSTEM_PROTO_ROOT,
            "--cpp_out=$(GENDIR)/" + exec_root,
            plugin_flags,
        ] + ["$(execpath %s)" % src for src in srcs]),
        message = "Generating C++ code for " + name,
    )

    system_deps = ["@system//:protobuf"]
    if grpc:
        system_deps.append("@system//:grpcpp")
    cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        strip_include_prefix = ("/" + proto_root) if proto_root else None,
        deps = deps + system_deps,
        visibility = visibility,
    )
