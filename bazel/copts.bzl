"""Compiler options for the project's own code (generated and system code is exempt)."""

JG_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
]
