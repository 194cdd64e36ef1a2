// jumioctl as a person runs it: the real binary, against the real gateway in
// front of the real sandbox on loopback, through a whole workflow-3
// verification (create, upload front/back/face, finalize, wait, decision and
// extraction, download, delete), plus its error output and exit codes.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/security/tokens.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_pki.h"

extern char** environ;

namespace jumio_gateway::client {
namespace {

using ::jumio::testing::MakeTempDir;
using ::jumio::testing::RunfilePath;
using ::jumio::testing::Subprocess;
using ::jumio::testing::WaitFor;

struct Result {
  int exit_code = -1;  // -1: did not exit by itself within the bound
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.exit_code << "\n--- stdout\n"
            << r.out << "--- stderr\n"
            << r.err;
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

class JumioctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    auto sandbox =
        Subprocess::Start(RunfilePath("sandbox/jumio-sandbox"),
                          {"--listen=127.0.0.1:0", "--allow_http_callbacks",
                           "--processing_delay=50ms", "--rate_limits=false"});
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = std::move(*sandbox);
    WriteFile(dir_ + "/id", "sandbox-client\n");
    WriteFile(dir_ + "/secret", "sandbox-secret\n");
    std::vector<std::string> args = {
        "--grpc_listen=127.0.0.1:0",
        "--admin_listen=127.0.0.1:0",
        absl::StrCat("--jumio_url_template=http://127.0.0.1:", sandbox_->port(),
                     "/{region}/{kind}"),
        "--client_id_file=" + dir_ + "/id",
        "--client_secret_file=" + dir_ + "/secret",
        "--default_region=emea-1"};
    // The sandbox runs without Jumio's rate limits; so does the gateway.
    args.push_back("--upstream_rate_limits=false");
    for (std::string& arg : ExtraGatewayArgs()) args.push_back(std::move(arg));
    auto gateway = Subprocess::Start(RunfilePath("server/jumio-gateway"), args);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    address_ = absl::StrCat("127.0.0.1:", gateway_->port());
  }

  // Flags a test adds to the gateway's command line (after dir_ exists).
  virtual std::vector<std::string> ExtraGatewayArgs() { return {}; }

  // Runs jumioctl with `args` (the gateway address first unless
  // `with_gateway` is false) and `extra_env` ("NAME=value"), its stdout and
  // stderr captured in files; waits for it to exit, at most 60 s.
  Result Run(std::vector<std::string> args, bool with_gateway = true,
             const std::vector<std::string>& extra_env = {}) {
    if (with_gateway) {
      args.insert(args.begin(), global_flags_.begin(), global_flags_.end());
      args.insert(args.begin(), "--gateway=" + address_);
    }
    const std::string binary = RunfilePath("client/jumioctl");
    std::vector<std::string> argv_s = {binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The environment is built before fork: only async-signal-safe calls
    // between fork and exec.
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      if (!absl::StartsWith(*e, "JUMIOCTL_")) env_s.push_back(*e);
    }
    env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string out_path = absl::StrCat(dir_, "/out.", runs_);
    const std::string err_path = absl::StrCat(dir_, "/err.", runs_);
    ++runs_;
    const int out_fd =
        open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd =
        open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in_fd = open("/dev/null", O_RDONLY);
    Result result;
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(in_fd, 0);
      dup2(out_fd, 1);
      dup2(err_fd, 2);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(out_fd);
    close(err_fd);
    close(in_fd);
    if (pid < 0) return result;
    int status = 0;
    const bool exited =
        WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                absl::Seconds(60));
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    } else if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    }
    result.out = ReadFile(out_path);
    result.err = ReadFile(err_path);
    return result;
  }

  // The upload targets of a `--json account create` response by classifier.
  static std::map<std::string, std::string> Parts(const rapidjson::Value& r) {
    std::map<std::string, std::string> parts;
    for (const auto& c : r["workflowExecution"]["credentials"].GetArray()) {
      if (!c.HasMember("api") || !c["api"].HasMember("parts")) continue;
      for (const auto& p : c["api"]["parts"].GetArray()) {
        parts[p["rawClassifier"].GetString()] = p["name"].GetString();
      }
    }
    return parts;
  }

  // README's workflow-3 verification, each step a jumioctl run.
  void Workflow3Verification();

  // Replaces the loopback-plaintext gateway by one with TLS, client
  // certificates (CA ca.pem), the tokens file and a caller policy that lets
  // the certificate "spiffe://test.example/kyc" and the token caller "kyc"
  // do everything.
  void RestartWithCallerSecurity(const std::string& token) {
    gateway_.reset();
    pki_ = std::make_unique<::jumio::testing::TestPki>(dir_, "ca");
    ASSERT_TRUE(pki_->ok());
    auto server = pki_->Issue({"server", "gateway", "", true});
    ASSERT_TRUE(server.ok());
    WriteFile(dir_ + "/policy.json", R"({"callers": {
        "spiffe://test.example/kyc": {"methods": ["*"], "regions": ["*"],
                                      "personal_data": true},
        "kyc": {"methods": ["*"], "regions": ["*"], "personal_data": true}}})");
    WriteFile(dir_ + "/tokens",
              "kyc " + jumio_gateway::security::Sha256Hex(token) + "\n");
    auto gateway = Subprocess::Start(
        RunfilePath("server/jumio-gateway"),
        {"--grpc_listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
         absl::StrCat("--jumio_url_template=http://127.0.0.1:",
                      sandbox_->port(), "/{region}/{kind}"),
         "--client_id_file=" + dir_ + "/id",
         "--client_secret_file=" + dir_ + "/secret", "--default_region=emea-1",
         "--grpc_tls_cert_file=" + server->cert,
         "--grpc_tls_key_file=" + server->key,
         "--grpc_tls_client_ca_file=" + pki_->ca_file(),
         "--caller_tokens_file=" + dir_ + "/tokens",
         "--caller_policy_file=" + dir_ + "/policy.json"});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    address_ = absl::StrCat("127.0.0.1:", gateway_->port());
  }

  std::string dir_;
  std::string address_;
  std::vector<std::string> global_flags_;
  std::unique_ptr<::jumio::testing::TestPki> pki_;
  int runs_ = 0;
  std::unique_ptr<Subprocess> sandbox_;
  std::unique_ptr<Subprocess> gateway_;
};

TEST_F(JumioctlTest, Workflow3VerificationFromCreateToDelete) {
  Workflow3Verification();
}

TEST_F(JumioctlTest, Workflow3VerificationOverMutualTls) {
  ASSERT_NO_FATAL_FAILURE(RestartWithCallerSecurity("unused-token-1"));
  auto client = pki_->Issue({"kyc", "kyc", "spiffe://test.example/kyc"});
  ASSERT_TRUE(client.ok());
  // Without a client certificate or token the gateway says who is missing.
  Result r = Run({"--ca_file=" + pki_->ca_file(), "account", "get",
                  "regions/emea-1/accounts/A1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "UNAUTHENTICATED")) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "CALLER_UNAUTHENTICATED")) << r;
  global_flags_ = {"--ca_file=" + pki_->ca_file(),
                   "--cert_file=" + client->cert, "--key_file=" + client->key};
  Workflow3Verification();
}

TEST_F(JumioctlTest, Workflow3VerificationOverABearerToken) {
  const std::string token = "e2e-token-5d1c0f2b9a";
  ASSERT_NO_FATAL_FAILURE(RestartWithCallerSecurity(token));
  WriteFile(dir_ + "/token", token + "\n");
  WriteFile(dir_ + "/wrong-token", "not-the-token\n");
  Result r = Run({"--ca_file=" + pki_->ca_file(),
                  "--token_file=" + dir_ + "/wrong-token", "account", "get",
                  "regions/emea-1/accounts/A1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "CALLER_UNAUTHENTICATED")) << r;
  EXPECT_FALSE(absl::StrContains(r.err, "not-the-token")) << r;
  global_flags_ = {"--ca_file=" + pki_->ca_file(),
                   "--token_file=" + dir_ + "/token"};
  Workflow3Verification();
}

void JumioctlTest::Workflow3Verification() {
  const std::string front = ::jumio::sandbox::testing::Jpeg(1200, 800);
  WriteFile(dir_ + "/front.jpg", front);
  WriteFile(dir_ + "/back.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  WriteFile(dir_ + "/face.png", ::jumio::sandbox::testing::Png(640, 480));

  Result r = Run({"--json", "account", "create", "--workflow_key=3",
                  "--user_reference=customer-42",
                  "--customer_internal_reference=order-1234"});
  ASSERT_EQ(r.exit_code, 0) << r;
  rapidjson::Document created = Json(r.out);
  ASSERT_TRUE(created.IsObject()) << r;
  const std::string account = created["account"].GetString();
  const std::string workflow = created["workflowExecution"]["name"].GetString();
  EXPECT_EQ(account.rfind("regions/emea-1/accounts/", 0), 0u) << account;
  EXPECT_EQ(workflow.rfind(account + "/workflowExecutions/", 0), 0u);
  auto parts = Parts(created);
  ASSERT_TRUE(parts.count("FRONT") && parts.count("BACK") &&
              parts.count("FACE"))
      << r;

  r = Run({"part", "upload", parts["FRONT"], dir_ + "/front.jpg",
           "--chunk_size=7"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            absl::StrCat("uploaded ", dir_, "/front.jpg (", front.size(),
                         " bytes, image/jpeg) to ", parts["FRONT"], "\n"));
  r = Run({"part", "upload", parts["BACK"], dir_ + "/back.jpg"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"--json", "part", "upload", parts["FACE"], dir_ + "/face.png"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_STREQ(Json(r.out)["contentType"].GetString(), "image/png") << r;

  r = Run({"workflow", "finalize", workflow});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "finalized " + workflow)) << r;

  r = Run({"--json", "workflow", "wait", workflow, "--for=processed",
           "--timeout=30s", "--interval=100ms"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_STREQ(Json(r.out)["workflowExecution"]["status"].GetString(),
               "WORKFLOW_STATUS_PROCESSED")
      << r;

  // The decision and the extraction, for a machine...
  r = Run({"--json", "workflow", "get", workflow});
  ASSERT_EQ(r.exit_code, 0) << r;
  rapidjson::Document details = Json(r.out);
  const auto& execution = details["workflowExecution"];
  EXPECT_STREQ(execution["decision"]["type"].GetString(),
               "DECISION_TYPE_PASSED")
      << r;
  ASSERT_TRUE(execution["capabilities"].HasMember("extraction")) << r;
  const auto& extraction = execution["capabilities"]["extraction"][0]["data"];
  ASSERT_TRUE(extraction.HasMember("lastName")) << r;
  const std::string last_name = extraction["lastName"].GetString();
  // ...and for a person.
  r = Run({"workflow", "get", workflow});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "status:             PROCESSED")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "decision:           PASSED")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "\nextraction:\n")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "  last_name: " + last_name)) << r;

  r = Run({"workflow", "steps", workflow});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "ID_IV  PASSED")) << r;
  r = Run({"workflow", "list", account});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, workflow + "  PROCESSED  (workflow 3)\n") << r;

  // The front image comes back byte for byte.
  r = Run({"part", "download", parts["FRONT"], dir_ + "/downloaded.jpg",
           "--chunk_size=4096"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ReadFile(dir_ + "/downloaded.jpg"), front);
  EXPECT_EQ(r.out,
            absl::StrCat("wrote ", front.size(), " bytes (image/jpeg) to ",
                         dir_, "/downloaded.jpg\n"));

  r = Run({"account", "delete", account});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "deleted " + account + "\n");
  r = Run({"account", "get", account});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StartsWith(r.err, "jumioctl: NOT_FOUND: ")) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "reason: NOT_FOUND (jumio-gateway)"))
      << r;
  EXPECT_EQ(r.out, "");
}

TEST_F(JumioctlTest, SecretsAreRedactedUnlessAsked) {
  // The same request_id returns the same response twice, so both runs see
  // the same tokens.
  const std::vector<std::string> create = {
      "account", "create", "--workflow_key=3",
      "--request_id=6f1c2a8e-4b7d-4c3e-9a1f-2d5e8b7c6a90"};
  std::vector<std::string> reveal = {"--json", "--show_secrets"};
  reveal.insert(reveal.end(), create.begin(), create.end());
  Result shown = Run(reveal);
  ASSERT_EQ(shown.exit_code, 0) << shown;
  rapidjson::Document doc = Json(shown.out);
  ASSERT_TRUE(doc.HasMember("sdk")) << shown;
  const std::string sdk_token = doc["sdk"]["token"].GetString();
  const std::string web_href = doc["webClient"]["href"].GetString();
  ASSERT_NE(sdk_token, "REDACTED");

  std::vector<std::string> json = {"--json"};
  json.insert(json.end(), create.begin(), create.end());
  for (const Result& r : {Run(create), Run(json)}) {
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_FALSE(absl::StrContains(r.out, sdk_token)) << r;
    EXPECT_FALSE(absl::StrContains(r.out, web_href)) << r;
    EXPECT_TRUE(absl::StrContains(r.out, "REDACTED")) << r;
  }
}

TEST_F(JumioctlTest, GatewayAddressFromTheEnvironment) {
  Result r = Run({"platform", "status"}, /*with_gateway=*/false,
                 {"JUMIOCTL_GATEWAY=" + address_});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "amer-1  UP\napac-1  UP\nemea-1  UP\n");
}

TEST_F(JumioctlTest, RejectionIsPrintedWithItsLabel) {
  WriteFile(dir_ + "/id.jpg", ::jumio::sandbox::testing::Jpeg(1000, 700));
  Result r = Run({"--json", "account", "create", "--workflow_key=3",
                  "--user_reference=sandbox:reject:FAKE"});
  ASSERT_EQ(r.exit_code, 0) << r;
  rapidjson::Document created = Json(r.out);
  const std::string workflow = created["workflowExecution"]["name"].GetString();
  for (const auto& [classifier, part] : Parts(created)) {
    ASSERT_EQ(Run({"part", "upload", part, dir_ + "/id.jpg"}).exit_code, 0)
        << classifier;
  }
  ASSERT_EQ(Run({"workflow", "finalize", workflow}).exit_code, 0);
  r = Run({"workflow", "wait", workflow, "--timeout=30s", "--interval=100ms"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"workflow", "get", workflow});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "decision:           REJECTED")) << r;
  // Which capability rejected, with Jumio's label, and what it cost the
  // capabilities that depend on it.
  EXPECT_TRUE(absl::StrContains(r.out, "REJECTED (FAKE)  [ID]\n")) << r;
  EXPECT_TRUE(absl::StrContains(
      r.out, "NOT_EXECUTED (PRECONDITION_NOT_FULFILLED)  [ID]\n"))
      << r;
}

TEST_F(JumioctlTest, WaitGivesUpWithExitCode3) {
  Result r = Run({"--json", "account", "create", "--workflow_key=2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string workflow =
      Json(r.out)["workflowExecution"]["name"].GetString();
  // Nothing uploaded and not finalized: it stays INITIATED.
  r = Run({"workflow", "wait", workflow, "--timeout=1s", "--interval=200ms"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "is INITIATED, not PROCESSED")) << r;
}

// Without a callback receiver on the gateway, verify learns the result from
// its status polls.
TEST_F(JumioctlTest, VerifyRunsTheWholeFlowAndPollsWithoutCallbacks) {
  WriteFile(dir_ + "/front.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  WriteFile(dir_ + "/back.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  WriteFile(dir_ + "/face.png", ::jumio::sandbox::testing::Png(640, 480));
  Result r = Run({"verify", dir_ + "/front.jpg", dir_ + "/back.jpg",
                  dir_ + "/face.png", "--poll_schedule=200ms,400ms,800ms",
                  "--timeout=60s"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // Plain progress lines (stderr is not a terminal), in order.
  for (const char* step :
       {"created regions/emea-1/accounts/", "uploaded FRONT", "uploaded BACK",
        "uploaded FACE", "finalized regions/emea-1/accounts/",
        "finished: PROCESSED (seen by poll)"}) {
    EXPECT_TRUE(absl::StrContains(r.err, step)) << step << "\n" << r;
  }
  EXPECT_FALSE(absl::StrContains(r.err, "\r")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "PASSED")) << r;
}

TEST_F(JumioctlTest, VerifyRefusesAFileTheWorkflowHasNoPartFor) {
  WriteFile(dir_ + "/front.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  // Workflow 2 has no FACE part.
  Result r = Run({"verify", dir_ + "/front.jpg", dir_ + "/front.jpg",
                  dir_ + "/front.jpg", "--workflow_key=2"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "no FACE part")) << r;
}

TEST_F(JumioctlTest, VerifyGivesUpWithExitCode3) {
  WriteFile(dir_ + "/front.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  // Every status poll fails and no callback comes: no final status, ever.
  ::jumio::testing::HttpClient http;
  ASSERT_EQ(http.Send("POST",
                      absl::StrCat("http://127.0.0.1:", sandbox_->port(),
                                   "/_sandbox/faults"),
                      R"({"region":"emea-1","hostKind":"retrieval",
                          "errorRate":1.0,"errorStatus":503})",
                      {{"Content-Type", "application/json"}})
                .status,
            200);
  Result r = Run({"verify", dir_ + "/front.jpg", dir_ + "/front.jpg",
                  "--workflow_key=2", "--poll_schedule=100ms", "--timeout=3s"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "no final status within 3s")) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "workflow execution: regions/emea-1/"))
      << r;
}

// With the gateway's callback receiver on, the result arrives on the
// callback stream before the first status poll is due.
class JumioctlCallbackTest : public JumioctlTest {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    const int port = ::jumio::testing::FreeLoopbackPort();
    WriteFile(dir_ + "/hmac", std::string(48, 'k') + "\n");
    return {"--callback_listen_host=127.0.0.1",
            absl::StrCat("--callback_listen_port=", port),
            absl::StrCat("--callback_public_base_url=http://127.0.0.1:", port),
            "--callback_hmac_key_files=" + dir_ + "/hmac",
            "--callback_sqlite_path=" + dir_ + "/callbacks.db",
            "--callback_allowed_cidrs=127.0.0.1/32",
            "--callback_resolve_jumio_hosts=false",
            "--allow_loopback_http_callbacks=true"};
  }
};

TEST_F(JumioctlCallbackTest, VerifyHearsTheResultOnTheCallbackStream) {
  WriteFile(dir_ + "/front.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  WriteFile(dir_ + "/back.jpg", ::jumio::sandbox::testing::Jpeg(1200, 800));
  WriteFile(dir_ + "/face.png", ::jumio::sandbox::testing::Png(640, 480));
  // The first poll would only be due after 50 s.
  Result r = Run({"verify", dir_ + "/front.jpg", dir_ + "/back.jpg",
                  dir_ + "/face.png", "--poll_schedule=50s", "--timeout=55s"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(
      absl::StrContains(r.err, "finished: PROCESSED (seen by callback)"))
      << r;
  EXPECT_TRUE(absl::StrContains(r.out, "PASSED")) << r;
}

TEST_F(JumioctlTest, InvalidNameIsAnRpcErrorNamingTheField) {
  Result r = Run({"workflow", "get", "accounts/a/workflowExecutions/w"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StartsWith(r.err, "jumioctl: INVALID_ARGUMENT: ")) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "reason: INVALID_FIELD (jumio-gateway)"))
      << r;
  EXPECT_TRUE(absl::StrContains(r.err, "invalid field name: ")) << r;
  EXPECT_EQ(r.out, "");

  r = Run({"account", "create", "--workflow_key=2",
           "--user_reference=" + std::string(101, 'u')});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "invalid field user_reference: ")) << r;
}

TEST_F(JumioctlTest, UnreachableGatewayIsUnavailable) {
  // Port 1 on loopback: nothing listens there, the connection is refused.
  Result r =
      Run({"--gateway=127.0.0.1:1", "--deadline=5s", "platform", "status"},
          /*with_gateway=*/false);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(absl::StartsWith(r.err, "jumioctl: UNAVAILABLE: ")) << r;
}

TEST_F(JumioctlTest, UsageErrorsExitWith2) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "usage: jumioctl"},
      {{"frobnicate", "now"}, "unknown command \"frobnicate now\""},
      {{"account", "get"}, "usage: jumioctl account get ACCOUNT (got 0"},
      {{"account", "get", "a", "b"}, "(got 2 operands)"},
      {{"account", "get", "x", "--bogus"}, "unknown flag --bogus"},
      {{"account", "get", "x", "--workflow_key=3"},
       "--workflow_key is not a flag of 'account get'"},
      {{"account", "create"}, "--workflow_key is required"},
      {{"account", "create", "--workflow_key=abc"}, "--workflow_key=abc"},
      {{"account", "create", "--workflow_key=3", "--region=mars-1"},
       "--region=mars-1: expected one of amer_1, emea_1, apac_1"},
      {{"workflow", "status", "x", "--deadline=soon"}, "--deadline=soon"},
      {{"workflow", "wait", "x", "--for=DONE"}, "--for=DONE"},
      {{"part", "upload", "x"}, "needs a FILE"},
      {{"account", "create", "--request_json=/does/not/exist"},
       "cannot read /does/not/exist"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args, /*with_gateway=*/false);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(c.args, " ") << "\n" << r;
    EXPECT_TRUE(absl::StrContains(r.err, c.message))
        << absl::StrJoin(c.args, " ") << "\n"
        << r;
    EXPECT_EQ(r.out, "") << absl::StrJoin(c.args, " ");
  }
  Result help = Run({"--help"}, /*with_gateway=*/false);
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_TRUE(absl::StrContains(help.out, "workflow wait WORKFLOW_EXECUTION"))
      << help;
  help = Run({"part", "upload", "--help"}, /*with_gateway=*/false);
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_TRUE(absl::StrContains(help.out, "--chunk_size=BYTES")) << help;
}

TEST_F(JumioctlTest, RequestJsonCarriesFieldsFlagsCannot) {
  WriteFile(dir_ + "/request.json", R"({
    "workflowDefinition": {"key": 2,
      "credentials": [{"category": "CREDENTIAL_CATEGORY_ID",
                       "country": {"predefinedType": "PREDEFINED_TYPE_DEFINED",
                                   "values": ["USA"]}}]},
    "userReference": "from-json"
  })");
  Result r = Run({"--json", "account", "create",
                  "--request_json=" + dir_ + "/request.json",
                  "--customer_internal_reference=from-flag"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string account = Json(r.out)["account"].GetString();
  r = Run({"--json", "account", "get", account});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "from-json")) << r;

  WriteFile(dir_ + "/bad.json", R"({"workflowDefinition": {"kee": 2}})");
  r = Run({"account", "create", "--request_json=" + dir_ + "/bad.json"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_TRUE(absl::StrContains(
      r.err, "is not a jumio.gateway.v1.CreateAccountRequest"))
      << r;
}

}  // namespace
}  // namespace jumio_gateway::client
