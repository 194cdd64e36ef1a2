// Raw TCP connections to a server under test on loopback, for the tests that
// speak HTTP by hand (slowloris drips, half-closes, malformed heads).
#ifndef JUMIO_GATEWAY_TESTS_TESTING_LOOPBACK_H_
#define JUMIO_GATEWAY_TESTS_TESTING_LOOPBACK_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jumio::testing {

// A blocking connection to 127.0.0.1:`port`, from `source` (another
// 127.0.0.x address, to look like another client; empty: the default), with
// every send bounded by `send_timeout`. The descriptor (close-on-exec), or -1.
int ConnectLoopback(int port, const std::string& source = "",
                    absl::Duration send_timeout = absl::Seconds(2));

// Sends all of `data`; false once the peer has closed or a send timed out.
bool SendAll(int fd, absl::string_view data);

// A loopback port nobody listens on right now, for a server whose own URL
// must be known before it starts (the gateway's callback receiver), so that
// the test cannot let it choose. Another process may take it in between; the
// server then fails to start, loudly.
int FreeLoopbackPort();

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_LOOPBACK_H_
