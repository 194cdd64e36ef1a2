#include "sandbox/web_pages.h"

namespace jumio::sandbox {

const char kWebAppHtml[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Identity verification (jumio-sandbox)</title>
<link rel="stylesheet" href="app.css">
<script type="application/json" id="config">$CONFIG</script>
<script src="app.js" defer></script>
</head>
<body>
<main id="app" aria-live="polite"><p>Loading…</p></main>
<noscript><p>This page needs JavaScript.</p></noscript>
</body>
</html>
)html";

const char kWebAppJs[] = R"js('use strict';
(function () {
  var config = JSON.parse(document.getElementById('config').textContent);
  // Languages of the sandbox's journey (web.locale): English, German,
  // Spanish; any other locale falls back to English.
  var TEXT = {
    en: {
      sandbox: 'jumio-sandbox: emulated web client',
      step: 'Step {0} of {1}',
      consentTitle: 'Your consent',
      consentText: 'To verify your identity, your ID and a selfie are processed, including biometric data of your face.',
      consentCheck: 'I agree to the processing of my biometric data.',
      consentNeeded: 'Please agree before you continue.',
      next: 'Continue',
      file: 'Choose a file (JPEG or PNG)',
      sample: 'Use a sample image',
      uploading: 'Uploading…',
      rejected: 'This file cannot be used: {0}. Attempt {1} of 3.',
      parts: {
        'ID FRONT': 'Front of your ID', 'ID BACK': 'Back of your ID',
        'SELFIE FACE': 'A selfie', 'DOCUMENT FRONT': 'Your document, first page',
        'DOCUMENT BACK': 'Your document, last page'
      },
      outcomeTitle: 'Finish',
      outcomeLabel: 'Outcome (sandbox only)',
      outcomeDefault: 'As the account request says',
      finish: 'Finish',
      finishing: 'Sending…',
      doneTitle: 'Thank you',
      doneText: 'Your images were accepted for verification.',
      errorTitle: 'Verification could not be completed',
      errorText: 'Error code {0}.'
    },
    de: {
      sandbox: 'jumio-sandbox: emulierter Web-Client',
      step: 'Schritt {0} von {1}',
      consentTitle: 'Ihre Einwilligung',
      consentText: 'Zur Prüfung Ihrer Identität werden Ihr Ausweis und ein Selfie verarbeitet, auch biometrische Daten Ihres Gesichts.',
      consentCheck: 'Ich willige in die Verarbeitung meiner biometrischen Daten ein.',
      consentNeeded: 'Bitte willigen Sie ein, bevor Sie fortfahren.',
      next: 'Weiter',
      file: 'Datei wählen (JPEG oder PNG)',
      sample: 'Beispielbild verwenden',
      uploading: 'Wird hochgeladen…',
      rejected: 'Diese Datei ist nicht verwendbar: {0}. Versuch {1} von 3.',
      parts: {
        'ID FRONT': 'Vorderseite Ihres Ausweises', 'ID BACK': 'Rückseite Ihres Ausweises',
        'SELFIE FACE': 'Ein Selfie', 'DOCUMENT FRONT': 'Ihr Dokument, erste Seite',
        'DOCUMENT BACK': 'Ihr Dokument, letzte Seite'
      },
      outcomeTitle: 'Abschließen',
      outcomeLabel: 'Ergebnis (nur Sandbox)',
      outcomeDefault: 'Wie in der Kontoanfrage angegeben',
      finish: 'Abschließen',
      finishing: 'Wird gesendet…',
      doneTitle: 'Vielen Dank',
      doneText: 'Ihre Bilder wurden zur Prüfung angenommen.',
      errorTitle: 'Die Prüfung konnte nicht abgeschlossen werden',
      errorText: 'Fehlercode {0}.'
    },
    es: {
      sandbox: 'jumio-sandbox: cliente web emulado',
      step: 'Paso {0} de {1}',
      consentTitle: 'Su consentimiento',
      consentText: 'Para verificar su identidad se procesan su documento y un selfie, incluidos datos biométricos de su rostro.',
      consentCheck: 'Acepto el tratamiento de mis datos biométricos.',
      consentNeeded: 'Acepte antes de continuar.',
      next: 'Continuar',
      file: 'Elija un archivo (JPEG o PNG)',
      sample: 'Usar una imagen de ejemplo',
      uploading: 'Subiendo…',
      rejected: 'Este archivo no se puede usar: {0}. Intento {1} de 3.',
      parts: {
        'ID FRONT': 'Anverso de su documento', 'ID BACK': 'Reverso de su documento',
        'SELFIE FACE': 'Un selfie', 'DOCUMENT FRONT': 'Su documento, primera página',
        'DOCUMENT BACK': 'Su documento, última página'
      },
      outcomeTitle: 'Finalizar',
      outcomeLabel: 'Resultado (solo sandbox)',
      outcomeDefault: 'Como indica la solicitud de la cuenta',
      finish: 'Finalizar',
      finishing: 'Enviando…',
      doneTitle: 'Gracias',
      doneText: 'Sus imágenes fueron aceptadas para la verificación.',
      errorTitle: 'No se pudo completar la verificación',
      errorText: 'Código de error {0}.'
    }
  };
  var lang = String(config.locale || 'en').split('-')[0].toLowerCase();
  if (!TEXT[lang]) lang = 'en';
  var t = TEXT[lang];
  document.documentElement.lang = lang;
  var app = document.getElementById('app');
  var token = encodeURIComponent(config.authorizationToken || '');
  var ended = false;

  function fmt(s) {
    var args = arguments;
    return s.replace(/\{(\d)\}/g, function (m, i) { return String(args[+i + 1]); });
  }
  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  // Doc 002 "iFrame logging": a JSON string per state change, to the
  // containing page only when there is one.
  function post(value, code) {
    if (window.parent === window) return;
    var data = {
      accountId: config.accountId || '',
      authorizationToken: config.authorizationToken || '',
      workflowExecutionId: config.workflowExecutionId || '',
      customerInternalReference: config.customerInternalReference || '',
      eventType: 510,
      dateTime: new Date().toISOString(),
      payload: { value: value }
    };
    if (code) data.payload.metainfo = { code: code };
    window.parent.postMessage(JSON.stringify(data), '*');
  }

  // The end of the journey: the event, then the redirect with doc 002's
  // parameters, or without a URL the client's own success or error page.
  function end(ok, code) {
    if (ended) return;
    ended = true;
    post(ok ? 'success' : 'error', code);
    var target = ok ? config.successUrl : config.errorUrl;
    if (target) {
      var url = new URL(target, location.href);
      if (config.accountId) url.searchParams.set('accountId', config.accountId);
      if (config.workflowExecutionId) url.searchParams.set('workflowExecutionId', config.workflowExecutionId);
      url.searchParams.set('acquisitionStatus', ok ? 'SUCCESS' : 'ERROR');
      if (config.customerInternalReference) url.searchParams.set('customerInternalReference', config.customerInternalReference);
      if (!ok) url.searchParams.set('errorCode', String(code));
      location.assign(url.href);
      return;
    }
    screen('end', ok ? t.doneTitle : t.errorTitle, [
      h('p', { text: ok ? t.doneText : fmt(t.errorText, code), 'data-error-code': ok ? '' : String(code) })
    ]);
  }

  var screens = [];
  var current = 0;
  function screen(name, title, body) {
    app.textContent = '';
    app.setAttribute('data-screen', name);
    var heading = h('h1', { text: title, tabindex: '-1' });
    var header = [h('p', { class: 'brand', text: t.sandbox })];
    if (name !== 'end') header.push(h('p', { class: 'progress', text: fmt(t.step, current + 1, screens.length) }));
    app.appendChild(h('header', {}, header));
    app.appendChild(heading);
    body.forEach(function (b) { app.appendChild(b); });
    heading.focus();
  }
  function next() {
    current += 1;
    screens[current]();
  }

  // The answer of a call to the web host as {status, body}; a failed
  // connection as status 0.
  function call(path, init) {
    return fetch(path + '?authorizationToken=' + token, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        return { status: r.status, body: b };
      });
    }, function () { return { status: 0, body: {} }; });
  }
  // The errorCode an answer ends the journey with, or 0 when it does not.
  function fatal(a, serverCode) {
    var detail = String(a.body.detail || '');
    if (a.status === 0) return 9810;
    if (a.status === 401) return parseInt(detail, 10) || 9200;
    if (detail.indexOf('SESSION_EXPIRED') >= 0) return 9210;
    if (detail.indexOf('TOKEN_EXPIRED') >= 0) return 9200;
    if (a.status >= 500 || a.status === 429) return serverCode;
    return 0;
  }

  function sampleImage(step) {
    return new Promise(function (resolve, reject) {
      var c = document.createElement('canvas');
      var face = step.part === 'FACE';
      c.width = 640;
      c.height = face ? 640 : 404;
      var g = c.getContext('2d');
      g.fillStyle = face ? '#dfe9f3' : '#f3ecd9';
      g.fillRect(0, 0, c.width, c.height);
      g.fillStyle = '#35506b';
      if (face) {
        g.beginPath(); g.arc(320, 260, 130, 0, 2 * Math.PI); g.fill();
        g.fillRect(170, 430, 300, 210);
      } else {
        g.fillRect(40, 110, 180, 230);
        g.font = 'bold 36px sans-serif';
        g.fillText('SANDBOX ' + step.category, 250, 160);
        g.font = '28px sans-serif';
        g.fillText(step.part + ' SAMPLE', 250, 220);
        g.fillText('DOE, JANE', 250, 280);
      }
      c.toBlob(function (b) { if (b) resolve(b); else reject(new Error('no image')); }, 'image/png');
    });
  }

  function partScreen(step) {
    var key = step.category + ' ' + step.part;
    var attempts = 0;
    return function () {
      var input = h('input', { type: 'file', id: 'file', accept: 'image/jpeg,image/png', 'data-part': step.part });
      var sample = h('button', { type: 'button', class: 'secondary', id: 'sample', text: t.sample });
      var status = h('p', { role: 'status', id: 'status' });
      function upload(blob, name) {
        input.disabled = sample.disabled = true;
        status.className = '';
        status.textContent = t.uploading;
        var form = new FormData();
        form.append('file', blob, name);
        call('api/credentials/' + step.credentialId + '/parts/' + step.part,
             { method: 'PUT', body: form }).then(function (a) {
          input.disabled = sample.disabled = false;
          if (a.status === 200) return next();
          var code = fatal(a, 9300);
          if (code) return end(false, code);
          attempts += 1;
          if (attempts >= 3) return end(false, 9835);
          status.className = 'error';
          status.textContent = fmt(t.rejected, a.body.detail || a.status, attempts);
          input.value = '';
          input.focus();
        });
      }
      input.addEventListener('change', function () {
        if (input.files.length) upload(input.files[0], input.files[0].name);
      });
      sample.addEventListener('click', function () {
        sampleImage(step).then(function (b) { upload(b, 'sample.png'); },
                               function () { end(false, 9801); });
      });
      screen('part-' + step.part, t.parts[key] || key, [
        h('label', { for: 'file', text: t.file }), input, sample, status
      ]);
    };
  }

  function consentScreen() {
    var box = h('input', { type: 'checkbox', id: 'consent' });
    var status = h('p', { role: 'status', id: 'status' });
    var go = h('button', { type: 'button', id: 'next', text: t.next });
    go.addEventListener('click', function () {
      if (box.checked) return next();
      status.className = 'error';
      status.textContent = t.consentNeeded;
      box.focus();
    });
    screen('consent', t.consentTitle, [
      h('p', { text: t.consentText }),
      h('p', { class: 'check' }, [box, h('label', { for: 'consent', text: t.consentCheck })]),
      go, status
    ]);
  }

  function finishScreen() {
    var select = h('select', { id: 'outcome' });
    (config.outcomes || []).forEach(function (o) {
      select.appendChild(h('option', { value: o.value, text: o.label || t.outcomeDefault }));
    });
    var go = h('button', { type: 'button', id: 'finish', text: t.finish });
    var status = h('p', { role: 'status', id: 'status' });
    go.addEventListener('click', function () {
      go.disabled = true;
      status.className = '';
      status.textContent = t.finishing;
      call('api/finalize', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ outcome: select.value })
      }).then(function (a) {
        if (a.status === 200) return end(true);
        var code = fatal(a, 9100);
        if (code || a.body.field !== 'outcome') return end(false, code || 9100);
        go.disabled = false;
        status.className = 'error';
        status.textContent = String(a.body.detail || a.status);
      });
    });
    screen('finish', t.outcomeTitle, [
      h('label', { for: 'outcome', text: t.outcomeLabel }), select, go, status
    ]);
  }

  if (config.errorCode) {
    end(false, config.errorCode);
    return;
  }
  if (config.consent) screens.push(consentScreen);
  (config.steps || []).forEach(function (s) { screens.push(partScreen(s)); });
  screens.push(finishScreen);
  post('loaded');
  screens[0]();
})();
)js";

const char kWebCss[] = R"css(*, *::before, *::after { box-sizing: border-box; }
body {
  margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1b2733; background: #f5f7fa;
}
main { max-width: 36rem; margin: 0 auto; padding: 1rem; }
main.wide { max-width: 60rem; }
header { display: flex; justify-content: space-between; flex-wrap: wrap; gap: .5rem; }
.brand, .progress { margin: 0; font-size: .875rem; color: #4a5d70; }
h1 { font-size: 1.5rem; margin: 1rem 0; }
h1:focus { outline: none; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
.check { display: flex; gap: .5rem; align-items: flex-start; }
.check label { margin: 0; font-weight: normal; }
input[type=file], select { display: block; width: 100%; padding: .5rem; font: inherit;
  border: 1px solid #8da2b5; border-radius: .25rem; background: #fff; }
button { display: block; width: 100%; margin-top: 1rem; padding: .75rem 1rem; font: inherit;
  font-weight: 600; color: #fff; background: #1f5fa8; border: 0; border-radius: .25rem; cursor: pointer; }
button.secondary { color: #1f5fa8; background: #fff; border: 2px solid #1f5fa8; }
button:disabled { opacity: .6; cursor: wait; }
:focus-visible { outline: 3px solid #f0a202; outline-offset: 2px; }
.error { color: #a11d1d; font-weight: 600; }
iframe { display: block; width: 100%; height: 36rem; border: 1px solid #8da2b5; background: #fff; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #d0d9e2; word-break: break-all; }
code, pre { font: .875rem/1.4 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
ol#events li { margin-bottom: .5rem; }
)css";

const char kDemoHtml[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo customer page (jumio-sandbox)</title>
<link rel="stylesheet" href="app.css">
<script src="demo.js"></script>
</head>
<body>
<main class="wide">
<h1>Demo customer page</h1>
<p>Your page, as doc 002 shows it: <code>web.href</code> as the <code>src</code> of an iframe
that is in the HTML when the page loads, and a <code>message</code> listener that prints the
events the journey sends (eventType 510: <code>loaded</code>, <code>success</code>,
<code>error</code> with <code>metainfo.code</code>).</p>
<iframe id="journey" title="Identity verification" src="$SRC" allow="camera;fullscreen;accelerometer;gyroscope;magnetometer" allowfullscreen></iframe>
<h2>Events received</h2>
<ol id="events" aria-live="polite"></ol>
</main>
</body>
</html>
)html";

const char kLandingHtml[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer landing page (jumio-sandbox)</title>
<link rel="stylesheet" href="app.css">
<script src="demo.js" defer></script>
</head>
<body>
<main>
<h1>Customer landing page</h1>
<p>A <code>web.successUrl</code> or <code>web.errorUrl</code> for trying the journey: it shows
the query parameters the web client appended.</p>
<table id="params"><thead><tr><th scope="col">parameter</th><th scope="col">value</th></tr></thead><tbody></tbody></table>
</main>
</body>
</html>
)html";

const char kDemoJs[] = R"js('use strict';
// The demo customer page's listener (doc 002 "Optional iFrame Logging"). It
// is registered before the iframe exists, so no event is missed; the events
// are kept in window.sandboxEvents for tests and printed in #events.
window.sandboxEvents = [];
var sandboxShown = 0;
function sandboxShow() {
  var list = document.getElementById('events');
  if (!list) return;
  for (; sandboxShown < window.sandboxEvents.length; sandboxShown++) {
    var data = window.sandboxEvents[sandboxShown];
    var item = document.createElement('li');
    var code = data.payload && data.payload.metainfo ? ' ' + data.payload.metainfo.code : '';
    var head = document.createElement('strong');
    head.textContent = data.eventType + ' ' + (data.payload ? data.payload.value : '') + code;
    var body = document.createElement('pre');
    body.textContent = JSON.stringify(data, null, 1);
    item.appendChild(head);
    item.appendChild(body);
    list.appendChild(item);
  }
}
window.addEventListener('message', function (event) {
  if (event.origin !== location.origin) return;
  var data;
  try { data = JSON.parse(event.data); } catch (e) { return; }
  window.sandboxEvents.push(data);
  sandboxShow();
}, false);
document.addEventListener('DOMContentLoaded', function () {
  sandboxShow();
  var table = document.querySelector('#params tbody');
  if (!table) return;
  new URLSearchParams(location.search).forEach(function (value, name) {
    var row = document.createElement('tr');
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = name;
    var td = document.createElement('td');
    td.textContent = value;
    row.appendChild(th);
    row.appendChild(td);
    table.appendChild(row);
  });
});
)js";

}  // namespace jumio::sandbox
