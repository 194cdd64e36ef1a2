// A main() for a libFuzzer target in builds without libFuzzer (gcc, ASan):
// runs every file named on the command line, or found under a directory named
// there, through LLVMFuzzerTestOneInput once, in sorted order. Arguments that
// start with '-' (libFuzzer flags) are ignored, so a reproducer command line
// works with either build. Fails when no input was found, so that a corpus
// path typo cannot pass silently.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc,
                                                          char*** argv);

namespace {

namespace fs = std::filesystem;

bool Collect(const fs::path& path, std::vector<fs::path>* out) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    for (fs::recursive_directory_iterator
             it(path, fs::directory_options::follow_directory_symlink, error),
         end;
         !error && it != end; it.increment(error)) {
      if (fs::is_regular_file(it->path())) out->push_back(it->path());
    }
  } else if (fs::is_regular_file(path, error)) {
    out->push_back(path);
  } else {
    std::fprintf(stderr, "corpus_driver: %s: no such file or directory\n",
                 path.c_str());
    return false;
  }
  if (error) {
    std::fprintf(stderr, "corpus_driver: %s: %s\n", path.c_str(),
                 error.message().c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    if (!Collect(argv[i], &inputs)) return 1;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "corpus_driver: no inputs (usage: %s FILE|DIR...)\n",
                 argv[0]);
    return 1;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const fs::path& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "corpus_driver: cannot read %s\n", input.c_str());
      return 1;
    }
    // Announced first, so that the input that crashes is the last one named.
    std::fprintf(stderr, "running %s (%zu bytes)\n", input.c_str(),
                 bytes.size());
    // A copy of exactly the input's size, so that ASan catches a read past
    // the end as libFuzzer would.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  }
  std::fprintf(stderr, "corpus_driver: %zu inputs ran\n", inputs.size());
  return 0;
}
