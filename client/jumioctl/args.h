// jumioctl's command-line parser. Not absl flags: absl exits with status 1 on
// an unknown flag, and jumioctl promises 2 for every usage error; each
// subcommand also accepts its own set of flags, and global flags may appear
// before or after the subcommand.
//
// Syntax: "--name=value", "--name value" (value flags), "--name" or
// "--name=true|false" and "--noname" (boolean flags); "--" ends the flags.
#ifndef JUMIO_GATEWAY_CLIENT_JUMIOCTL_ARGS_H_
#define JUMIO_GATEWAY_CLIENT_JUMIOCTL_ARGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace jumio_gateway::client {

struct FlagSpec {
  std::string name;
  bool is_bool = false;
  // Repeating the flag accumulates values; otherwise the last one wins.
  bool repeated = false;
  std::string value_name;  // for help: --name=VALUE
  std::string help;
};

class Args {
 public:
  // Parses `argv` (without the program name) against `specs`. Unknown flags
  // and missing values are errors (InvalidArgument with a message for
  // people).
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::vector<FlagSpec>& specs);

  const std::vector<std::string>& positional() const { return positional_; }
  // Names of the flags given, in first-seen order.
  const std::vector<std::string>& given() const { return given_; }

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value, or `fallback` when the flag was not given.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  // Boolean flags: unset -> nullopt.
  std::optional<bool> GetBool(const std::string& name) const;

 private:
  std::vector<std::string> positional_;
  std::vector<std::string> given_;
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_JUMIOCTL_ARGS_H_
