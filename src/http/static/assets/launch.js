// Goes to WeChat's cashier by a script navigation from this page, so the browser sends a Referer on the
// merchant's H5 domain (WeChat's cashier refuses a missing Referer; a server 302 may drop it). The link
// on the page does the same for a payer whose browser blocks scripts.
(function () {
  var link = document.getElementById('go');
  if (!link) return;
  window.setTimeout(function () {
    window.location.href = link.href;
  }, 300);
})();
