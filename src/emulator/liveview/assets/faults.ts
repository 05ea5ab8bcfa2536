// The live view's Faults panel: one click for the common faults, and the rules in force with a Remove button.
// It talks to /ui/api/faults (the same rules as Emulator.faults and --faults files).
export const faultsPanel = String.raw`"use strict";
(function () {
  var LV = window.LV, el = LV.el, $ = function (id) { return document.getElementById(id); };
  var presets = {
    "fault-throttle": { name: "throttle REST 30 s", kind: "rest", status: 429, retryAfterSeconds: 5, durationMs: 30000 },
    "fault-drop": { name: "drop all sockets", kind: "drop" },
    "fault-refuse": { name: "refuse connections 20 s", kind: "refuse", durationMs: 20000 },
    "fault-slow": { name: "slow event handler 60 s", kind: "eventHandler", delayMs: 3000, durationMs: 60000 }
  };
  function call(method, path, body) {
    return fetch("/ui/api/faults" + path, {
      method: method,
      headers: { "content-type": "application/json", "x-liveview": "1" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || r.status); return j; }); });
  }
  function describe(f) {
    var r = f.rule, left = f.endsAt ? Math.max(0, Math.round((f.endsAt - Date.now()) / 1000)) + " s left" : "until removed";
    return (r.name || r.kind) + " · " + f.hits + " hit" + (f.hits === 1 ? "" : "s") + " · " + left;
  }
  function render(list) {
    var box = $("faults-list");
    box.textContent = "";
    $("faults-empty").hidden = list.length > 0;
    list.forEach(function (f) {
      var remove = el("button", { type: "button", class: "quiet", text: "Remove" });
      remove.addEventListener("click", function () { call("DELETE", "/" + encodeURIComponent(f.id)).then(refresh, report); });
      box.appendChild(el("li", { title: JSON.stringify(f.rule) }, [el("span", { text: describe(f) + " " }), remove]));
    });
  }
  function report(e) { var r = $("result"); r.textContent = "fault: " + e.message; r.className = "result s-bad"; }
  function refresh() { return fetch("/ui/api/faults").then(function (r) { return r.json(); }).then(function (j) { render(j.faults); }, function () {}); }
  Object.keys(presets).forEach(function (id) {
    $(id).addEventListener("click", function () { call("POST", "", presets[id]).then(refresh, report); });
  });
  refresh();
  setInterval(refresh, 2000);
})();
`;
