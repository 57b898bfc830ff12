// Polls the public status endpoint and shows the matching, already translated block. The page proves
// nothing by itself (spec §4.3): the status comes from the gateway, which learns it from WeChat.
(function () {
  var root = document.getElementById('return');
  if (!root) return;
  var url = root.getAttribute('data-status-url');
  var current = root.getAttribute('data-state');
  var FINAL = { paid: true, closed: true };
  var delays = [1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 8000, 8000, 13000, 13000];
  var attempt = 0;

  function show(state) {
    var blocks = root.querySelectorAll('[data-for]');
    for (var i = 0; i < blocks.length; i++) {
      blocks[i].hidden = blocks[i].getAttribute('data-for') !== state;
    }
    root.setAttribute('data-state', state);
    current = state;
  }

  function stateOf(status) {
    if (status === 'succeeded' || status === 'partially_refunded' || status === 'refunded') return 'paid';
    if (status === 'closed' || status === 'failed') return 'closed';
    return 'confirming';
  }

  function poll() {
    if (FINAL[current] || attempt >= delays.length || !url) return;
    var delay = delays[attempt++];
    window.setTimeout(function () {
      fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && typeof body.status === 'string') show(stateOf(body.status));
          poll();
        })
        .catch(poll);
    }, delay);
  }

  if (current !== 'in-wechat') poll();
})();
