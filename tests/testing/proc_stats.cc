#include "tests/testing/proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace jumio::testing {

ProcStats ReadProcStats(pid_t pid) {
  ProcStats s;
  const std::string dir = absl::StrCat("/proc/", pid);
  {
    std::ifstream in(dir + "/status");
    std::string line;
    while (std::getline(in, line)) {
      absl::string_view v = line;
      if (absl::ConsumePrefix(&v, "Threads:")) {
        absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &s.threads);
      } else if (absl::ConsumePrefix(&v, "VmRSS:")) {
        absl::ConsumeSuffix(&v, "kB");
        absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &s.rss_kb);
      }
    }
  }
  {
    // Fields 14 and 15 (utime, stime), counted after the command name, which
    // is in parentheses and may itself hold spaces.
    std::ifstream in(dir + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size()) {
      std::vector<std::string> fields =
          absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
      int64_t utime = 0, stime = 0;
      if (fields.size() > 12 && absl::SimpleAtoi(fields[11], &utime) &&
          absl::SimpleAtoi(fields[12], &stime)) {
        s.cpu = absl::Seconds(static_cast<double>(utime + stime) /
                              static_cast<double>(sysconf(_SC_CLK_TCK)));
      }
    }
  }
  if (DIR* tasks = opendir((dir + "/task").c_str())) {
    int64_t total = 0;
    while (dirent* entry = readdir(tasks)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream in(absl::StrCat(dir, "/task/", entry->d_name, "/status"));
      std::string line;
      while (std::getline(in, line)) {
        absl::string_view v = line;
        int64_t n = 0;
        if ((absl::ConsumePrefix(&v, "voluntary_ctxt_switches:") ||
             absl::ConsumePrefix(&v, "nonvoluntary_ctxt_switches:")) &&
            absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &n)) {
          total += n;
        }
      }
    }
    closedir(tasks);
    s.context_switches = total;
  }
  if (DIR* fds = opendir((dir + "/fd").c_str())) {
    int n = 0;
    while (dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++n;
    }
    closedir(fds);
    s.open_fds = n;
  }
  return s;
}

}  // namespace jumio::testing
