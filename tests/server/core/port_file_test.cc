#include "server/core/port_file.h"

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::core {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

TEST(PortFileTest, WritesThePortAndANewlineAndLeavesNoTemporaryFile) {
  const std::string dir = jumio::testing::MakeTempDir();
  const std::string path = dir + "/grpc.port";
  ASSERT_TRUE(WritePortFile(path, 50051).ok());
  EXPECT_EQ(Contents(path), "50051\n");
  // A restart overwrites the previous port.
  ASSERT_TRUE(WritePortFile(path, 8085).ok());
  EXPECT_EQ(Contents(path), "8085\n");
  EXPECT_EQ(Files(dir), std::vector<std::string>{"grpc.port"});
}

TEST(PortFileTest, AnUnwritablePathIsAnErrorNamingTheFile) {
  const std::string path =
      jumio::testing::MakeTempDir() + "/no/such/dir/grpc.port";
  absl::Status status = WritePortFile(path, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("grpc.port"), absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace jumio_gateway::core
