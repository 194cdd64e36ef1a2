"""Compiler options for the project's own code (generated and system code is exempt)."""

JG_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
] + select({
    # The clang fuzz build (--config=fuzz) shows clang's extra warnings but fails only on
    # errors: -Werror is the gcc build's job, and the fuzz pass must not stop on a warning gcc
    # does not have.
    "//bazel:libfuzzer": [],
    "//conditions:default": ["-Werror"],
})
