"""libFuzzer targets that also run their corpus as an ordinary test.

jg_fuzz_target(name = "x_fuzzer", srcs = ["x_fuzzer.cc"], deps = [...]) defines
  :x_fuzzer_lib          the target's LLVMFuzzerTestOneInput
  :x_fuzzer              the fuzzer: with --config=fuzz (clang, --define=fuzz=libfuzzer) linked
                         with -fsanitize=fuzzer; in every other build linked with the corpus driver,
                         so that `bazel run //tests/fuzz:x_fuzzer -- FILE` replays one input
  :x_fuzzer_corpus_test  a cc_test running every file of corpus/x_fuzzer/ (seeds and the
                         regression inputs of past findings) through LLVMFuzzerTestOneInput
scripts/fuzz.sh runs each :*_fuzzer binary on a copy of its corpus, with the dictionary
dicts/<name>.dict when there is one.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")
load("//bazel:copts.bzl", "JG_COPTS")

def jg_fuzz_target(name, srcs, deps):
    """A libFuzzer target, its fuzz binary and its corpus test (see the file's docstring).

    Args:
      name: the target, e.g. "x_fuzzer"; its corpus is corpus/<name>/.
      srcs: the source defining LLVMFuzzerTestOneInput.
      deps: what it needs besides :fuzz_check.
    """
    corpus = native.glob(["corpus/%s/**" % name])
    if not corpus:
        fail("%s needs a seed corpus in tests/fuzz/corpus/%s/" % (name, name))
    cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = srcs,
        copts = JG_COPTS,
        deps = deps + [":fuzz_check"],
        alwayslink = True,
    )
    cc_binary(
        name = name,
        testonly = True,
        linkopts = select({
            "//bazel:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = ["fuzz_target"],
        deps = [":" + name + "_lib"] + select({
            "//bazel:libfuzzer": [],
            "//conditions:default": [":corpus_driver"],
        }),
    )
    cc_test(
        name = name + "_corpus_test",
        size = "small",
        args = ["tests/fuzz/corpus/" + name],
        data = corpus,
        deps = [
            ":" + name + "_lib",
            ":corpus_driver",
        ],
    )
