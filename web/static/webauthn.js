// Passkey ceremonies of the sign-in pages, loaded as a file so the pages keep a CSP
// without inline script. A form marked data-webauthn="create" or "get" carries the
// server's options in data-options; its button runs the browser's ceremony, puts the
// answer (JSON, binary fields as unpadded base64url) in the hidden field `passkey`, and
// submits the form with its CSRF token like any other.
(function () {
  'use strict';

  function toBytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: toBytes(c.id), transports: c.transports };
    });
  }

  function create(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = withIds(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (c) {
      return {
        id: c.id,
        rawId: toText(c.rawId),
        type: c.type,
        response: {
          attestationObject: toText(c.response.attestationObject),
          clientDataJSON: toText(c.response.clientDataJSON)
        },
        extensions: {}
      };
    });
  }

  function get(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = withIds(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (c) {
      var handle = c.response.userHandle;
      return {
        id: c.id,
        rawId: toText(c.rawId),
        type: c.type,
        response: {
          authenticatorData: toText(c.response.authenticatorData),
          clientDataJSON: toText(c.response.clientDataJSON),
          signature: toText(c.response.signature),
          userHandle: handle && handle.byteLength ? toText(handle) : null
        },
        extensions: {}
      };
    });
  }

  // The sentences come from the page, in its language.
  document.querySelectorAll('form[data-webauthn]').forEach(function (form) {
    var button = form.querySelector('[data-webauthn-start]');
    var problem = form.querySelector('[data-webauthn-problem]');
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      if (problem) { problem.hidden = false; problem.textContent = problem.getAttribute('data-unsupported'); }
      return;
    }
    button.addEventListener('click', function () {
      if (!form.reportValidity()) { return; }
      var options = JSON.parse(form.getAttribute('data-options')).publicKey;
      var ceremony = form.getAttribute('data-webauthn') === 'create' ? create : get;
      button.disabled = true;
      ceremony(options).then(function (answer) {
        form.elements.passkey.value = JSON.stringify(answer);
        form.submit();
      }, function () {
        button.disabled = false;
        if (problem) { problem.hidden = false; problem.textContent = problem.getAttribute('data-not-used'); }
      });
    });
  });
})();
