// What the gateway writes to its logs while doing real work: one JSON line per
// RPC and per Jumio attempt, joined by request id, and never a secret, a token
// or personal data. Canary values are planted in every place a leak could come
// from and searched for in the whole log.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "rapidjson/document.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

class LogsTest : public testing::GatewayFixture {
 protected:
  std::string ReadLog() {
    std::ifstream in(gateway_log_);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }
};

TEST_F(LogsTest, NoSecretTokenOrPersonalDataReachesTheLog) {
  v1::CreateAccountRequest create;
  create.set_user_reference("CANARY-USERREF-5521");
  create.set_customer_internal_reference("CANARY-CIR-7733");
  create.mutable_workflow_definition()->set_key(10005);
  v1::CreateAccountResponse created;
  auto context = Context();
  context->AddMetadata("x-request-id", "logs-test-1");
  ASSERT_TRUE(accounts_->CreateAccount(context.get(), create, &created).ok());

  // Prepared data full of personal fields.
  auto parts = Parts(created.workflow_execution());
  ASSERT_TRUE(parts.count("PREPARED_DATA"));
  {
    v1::UploadCredentialPartResponse response;
    auto upload_context = Context();
    auto stream =
        credentials_->UploadCredentialPart(upload_context.get(), &response);
    v1::UploadCredentialPartRequest request;
    request.mutable_metadata()->set_name(parts["PREPARED_DATA"]);
    v1::PreparedData* data =
        request.mutable_metadata()->mutable_prepared_data();
    data->set_first_name("CANARYFIRST");
    data->set_last_name("CANARYLAST");
    data->set_date_of_birth("1901-02-03");
    data->set_email("canary.person@example.org");
    data->mutable_id()->set_id_number("CANARYDOC998877");
    ASSERT_TRUE(stream->Write(request));
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // A failing call too: errors are where leaks like to hide.
  v1::GetAccountRequest missing;
  missing.set_name("regions/emea-1/accounts/CANARY-ACCOUNT-0001");
  v1::GetAccountResponse got;
  EXPECT_FALSE(accounts_->GetAccount(Context().get(), missing, &got).ok());

  const std::string log = ReadLog();
  for (const char* canary :
       {"sandbox-secret", "sandbox-client", "Bearer", "Basic ", "CANARY",
        "canary.person", "1901-02-03", "access_token"}) {
    EXPECT_EQ(log.find(canary), std::string::npos) << canary << " in:\n" << log;
  }

  // And it does say what happened: the RPC and its Jumio call, joined by
  // request id.
  bool rpc_line = false, upstream_line = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    rapidjson::Document doc;
    if (doc.Parse(line.c_str()).HasParseError() || !doc.IsObject()) continue;
    if (!doc.HasMember("request_id") ||
        std::string(doc["request_id"].GetString()) != "logs-test-1") {
      continue;
    }
    const std::string message = doc["message"].GetString();
    if (message == "rpc") rpc_line = true;
    if (message == "upstream" &&
        std::string(doc["endpoint"].GetString()) == "account_create" &&
        std::string(doc["region"].GetString()) == "emea-1") {
      upstream_line = true;
    }
  }
  EXPECT_TRUE(rpc_line) << log;
  EXPECT_TRUE(upstream_line) << log;
}

}  // namespace
}  // namespace jumio_gateway
