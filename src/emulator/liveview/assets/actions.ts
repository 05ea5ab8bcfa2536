// The live view's actions. Each one is a call to the emulator's own REST API (the same code path as an
// app's, so it shows up in the traffic stream), with a short-lived token the page asks the emulator for.
export const actions = String.raw`"use strict";
(function () {
  var LV = window.LV, el = LV.el, $ = function (id) { return document.getElementById(id); };
  var apiVersion = "2024-01-01";

  function hub() {
    var h = $("act-hub").value.trim();
    if (!h) throw new Error("enter a hub name first");
    return h;
  }
  function say(text, ok) {
    var r = $("result");
    r.textContent = text;
    r.className = "result " + (ok ? "s-ok" : "s-bad");
  }

  /** Calls a REST route of this emulator: path is below /api/hubs/{hub}. */
  LV.rest = function (method, path, query, body, contentType) {
    var full = "/api/hubs/" + encodeURIComponent(hub()) + path;
    return fetch("/ui/api/sign", { method: "POST", headers: { "content-type": "application/json", "x-liveview": "1" }, body: JSON.stringify({ path: full }) })
      .then(function (r) { if (!r.ok) throw new Error("the live view could not sign the call (" + r.status + ")"); return r.json(); })
      .then(function (signed) {
        var q = new URLSearchParams(query || []);
        q.set("api-version", apiVersion);
        var headers = { authorization: "Bearer " + signed.token };
        if (contentType) headers["content-type"] = contentType;
        return fetch(full + "?" + q, { method: method, headers: headers, body: body === undefined ? undefined : body });
      })
      .then(function (r) {
        return r.text().then(function (text) {
          var label = method + " " + path + " → " + r.status;
          if (r.ok) { say(label, true); return text ? JSON.parse(text) : null; }
          var message = text;
          try { message = JSON.parse(text).message || text; } catch (e) { /* plain text */ }
          say(label + ": " + message, false);
          throw new Error(message);
        });
      });
  };
  function run(promise) { Promise.resolve().then(promise).catch(function (e) { if (!$("result").textContent || $("result").className.indexOf("s-bad") < 0) say(e.message, false); }); }
  function seg(v) { return encodeURIComponent(v); }
  function need(id, what) { var v = $(id).value.trim(); if (!v) { $(id).focus(); throw new Error(what + " is required"); } return v; }

  $("send-target").addEventListener("change", function () {
    var t = $("send-target").value;
    $("send-to").disabled = t === "all";
    $("send-to").placeholder = t === "all" ? "everyone in the hub" : t === "connection" ? "connection id" : t + " name";
    if (t === "connection" && $("conn-id").value) $("send-to").value = $("conn-id").value;
  });
  $("send-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(function () {
      var t = $("send-target").value, json = $("send-type").value === "json", body = $("send-body").value;
      if (json) { try { JSON.parse(body); } catch (e) { throw new Error("the message is not valid JSON"); } }
      var path = t === "all" ? "/:send" : t === "group" ? "/groups/" + seg(need("send-to", "group")) + "/:send" : t === "user" ? "/users/" + seg(need("send-to", "user")) + "/:send" : "/connections/" + seg(need("send-to", "connection id")) + "/:send";
      return LV.rest("POST", path, null, body, json ? "application/json" : "text/plain");
    });
  });

  function pick(id, hubName) {
    $("conn-id").value = id;
    if (hubName) { $("act-hub").value = hubName; $("act-hub").dataset.touched = "1"; }
    if ($("send-target").value === "connection") $("send-to").value = id;
    document.querySelectorAll("#connections tbody tr").forEach(function (tr) { tr.className = tr.getAttribute("data-id") === id ? "selected" : ""; });
  }
  function closeConnection(id, reason) {
    return LV.rest("DELETE", "/connections/" + seg(id), reason ? [["reason", reason]] : null).then(function () { LV.refresh(true); });
  }
  $("connections").addEventListener("click", function (ev) {
    var closeId = ev.target.getAttribute && ev.target.getAttribute("data-close");
    var tr = ev.target.closest("tr[data-id]");
    if (!tr) return;
    pick(tr.getAttribute("data-id"), tr.getAttribute("data-hub"));
    if (closeId) run(function () { return closeConnection(closeId, $("close-reason").value.trim()); });
  });
  $("close").addEventListener("click", function () { run(function () { return closeConnection(need("conn-id", "connection id"), $("close-reason").value.trim()); }); });
  $("group-add").addEventListener("click", function () {
    run(function () { return LV.rest("PUT", "/groups/" + seg(need("conn-group", "group")) + "/connections/" + seg(need("conn-id", "connection id"))).then(function () { LV.refresh(true); }); });
  });
  $("group-remove").addEventListener("click", function () {
    run(function () { return LV.rest("DELETE", "/groups/" + seg(need("conn-group", "group")) + "/connections/" + seg(need("conn-id", "connection id"))).then(function () { LV.refresh(true); }); });
  });

  $("mint-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(function () {
      var q = [], user = $("mint-user").value.trim(), minutes = $("mint-minutes").value.trim();
      if (user) q.push(["userId", user]);
      if (minutes) q.push(["minutesToExpire", minutes]);
      $("mint-roles").value.split(/[\s,]+/).filter(Boolean).forEach(function (r) { q.push(["role", r]); });
      $("mint-groups").value.split(/[\s,]+/).filter(Boolean).forEach(function (g) { q.push(["group", g]); });
      var hubName = hub();
      return LV.rest("POST", "/:generateToken", q).then(function (r) {
        $("mint-url").value = "ws://" + location.host + "/client/hubs/" + encodeURIComponent(hubName) + "?access_token=" + r.token;
        $("mint-url").dataset.user = user;
        $("open-client").disabled = false;
      });
    });
  });
  $("open-client").addEventListener("click", function () { LV.openClient($("mint-url").value, $("mint-url").dataset.user || "anonymous"); });
})();
`;
