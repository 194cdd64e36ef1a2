"""A repository rule that turns Debian's system libraries into cc_library targets.

Nothing can be downloaded here, so every C/C++ dependency comes from a Debian -dev package. At
fetch time the rule asks `pkg-config` for each library's flags and writes one `cc_library` a
library: `-D` flags become `defines` (they must reach every dependant), `-l`/`-L`/`-Wl` flags become
`linkopts`. `-I` flags are dropped on purpose: they all point under /usr/include, which the
toolchain already searches, so sources include such headers by their package path
(<hiredis/hiredis.h>).
"""

def _flags(repository_ctx, modules, kind):
    result = repository_ctx.execute(["pkg-config", kind] + modules)
    if result.return_code != 0:
        fail("pkg-config %s %s failed (run scripts/setup.sh): %s" %
             (kind, " ".join(modules), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_libraries_impl(repository_ctx):
    rules = []
    for name, modules in repository_ctx.attr.libraries.items():
        defines = []
        for flag in _flags(repository_ctx, modules, "--cflags"):
            if flag.startswith("-D"):
                defines.append(flag[2:])
        linkopts = []
        for flag in _flags(repository_ctx, modules, "--libs"):
            if flag not in linkopts or not flag.startswith("-l"):
                linkopts.append(flag)
        linkopts += repository_ctx.attr.extra_linkopts.get(name, [])
        rules.append("""
cc_library(
    name = "{name}",
    defines = {defines},
    linkopts = {linkopts},
)
""".format(name = name, defines = repr(defines), linkopts = repr(linkopts)))
    repository_ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % repository_ctx.name)
    repository_ctx.file(
        "BUILD.bazel",
        'package(default_visibility = ["//visibility:public"])\n' + "".join(rules),
    )

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {
        "extra_linkopts": attr.string_list_dict(
            doc = "Link flags a library needs that its .pc file does not give.",
        ),
        "libraries": attr.string_list_dict(
            mandatory = True,
            doc = "Target name to the pkg-config modules it stands for.",
        ),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
