// The web host's pages: plain HTML, CSS and JavaScript compiled into the
// binary as constants, so the sandbox serves them with no files beside it and
// no build step (README "Web client"). $CONFIG and $SRC are filled in by
// web.cc.
#ifndef JUMIO_GATEWAY_SANDBOX_WEB_PAGES_H_
#define JUMIO_GATEWAY_SANDBOX_WEB_PAGES_H_

namespace jumio::sandbox {

// The journey: /web/v4/app, its script and style sheet. $CONFIG is the
// journey's JSON (web.cc ConfigJson).
extern const char kWebAppHtml[];
extern const char kWebAppJs[];
extern const char kWebCss[];
// The demo customer page (iframe src $SRC) and the landing page for
// successUrl / errorUrl, with their one script.
extern const char kDemoHtml[];
extern const char kLandingHtml[];
extern const char kDemoJs[];

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_WEB_PAGES_H_
