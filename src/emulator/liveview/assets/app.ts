// The live view's main script (plain browser JavaScript, no build step): connections, groups and the
// traffic stream. Written without template literals so it can live in this TypeScript string.
export const app = String.raw`"use strict";
var LV = (window.LV = { hub: "", state: null, paused: false, held: [], rows: 0, maxRows: 2000, lastId: 0, instance: "" });
var $ = function (id) { return document.getElementById(id); };

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) for (var k in attrs) { if (k === "text") node.textContent = attrs[k]; else if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]); }
  (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return node;
}
LV.el = el;

function ago(ms) {
  var s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(s / 3600) + "h " + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
}
function short(id) { return id && id.length > 10 ? id.slice(0, 8) + "…" : id || ""; }
function clock(t) { var d = new Date(t); return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0"); }

// ---- state: connections and groups, from the emulator's inspection API ----
// A state read lists every connection, so with many of them the page asks less often: it follows
// changes at most every 300 ms (1 s at 10k connections) and polls for activity every 3 s (10 s at 10k).
var refreshTimer = null, lastRefresh = 0;
function connectionCount() { return LV.state ? LV.state.hubs.reduce(function (n, h) { return n + h.connections; }, 0) : 0; }
LV.refresh = function (soon) {
  if (refreshTimer) return;
  var wait = soon ? Math.max(0, Math.max(300, connectionCount() / 10) - (Date.now() - lastRefresh)) : 0;
  refreshTimer = setTimeout(function () {
    refreshTimer = null;
    lastRefresh = Date.now();
    var q = new URLSearchParams({ hub: LV.hub, filter: $("conn-filter").value.trim() });
    fetch("/ui/api/state?" + q, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) renderState(s); }).catch(function () {});
  }, wait);
};

function renderState(s) {
  LV.state = s;
  var hubSel = $("hub"), seen = {};
  s.hubs.forEach(function (h) { seen[h.name.toLowerCase()] = h; });
  var wanted = [""].concat(s.hubs.map(function (h) { return h.name; }));
  if (LV.hub && !seen[LV.hub.toLowerCase()]) wanted.push(LV.hub);
  var current = Array.prototype.map.call(hubSel.options, function (o) { return o.value; });
  if (current.join("\n") !== wanted.join("\n")) {
    hubSel.textContent = "";
    wanted.forEach(function (name) { var h = seen[name.toLowerCase()]; hubSel.appendChild(el("option", { value: name, text: name === "" ? "All hubs" : name + (h ? " (" + h.connections + ")" : "") })); });
    hubSel.value = LV.hub;
  }
  if (!LV.hub && s.hubs.length > 0 && $("act-hub").dataset.touched !== "1") $("act-hub").value = s.hubs[0].name;
  var totalConn = s.hubs.reduce(function (n, h) { return n + h.connections; }, 0);
  $("stats").textContent = "";
  $("stats").append(el("b", { text: String(totalConn) }), " connections · ", el("b", { text: String(s.hubs.length) }), s.hubs.length === 1 ? " hub" : " hubs");
  $("conn-count").textContent = String(s.total);
  var body = $("connections").tBodies[0];
  body.textContent = "";
  s.connections.forEach(function (c) {
    var tr = el("tr", { "data-id": c.connectionId, "data-hub": c.hub }, [
      el("td", { class: "id", title: c.connectionId + (LV.hub ? "" : " (hub " + c.hub + ")"), text: short(c.connectionId) }),
      el("td", { text: c.userId === null ? "—" : c.userId }),
      el("td", {}, [el("span", { class: "tag proto", text: c.protocol.replace(".webpubsub.azure.v1", "") }), c.online ? null : el("span", { class: "tag offline", text: "offline" })]),
      el("td", {}, c.groups.map(function (g) { return el("span", { class: "tag group", text: g }); })),
      el("td", { class: "num", "data-since": c.connectedAt, text: ago(s.now - c.connectedAt) }),
      el("td", { class: "num", "data-since": c.lastActivityAt, text: ago(s.now - c.lastActivityAt) }),
      el("td", {}, [el("button", { type: "button", class: "icon", title: "close this connection", "data-close": c.connectionId, text: "×" })]),
    ]);
    if ($("conn-id").value === c.connectionId) tr.className = "selected";
    body.appendChild(tr);
  });
  $("conn-empty").hidden = s.connections.length > 0;
  $("conn-empty").textContent = s.total > 0 ? "No connection matches the filter." : "No connections yet. Mint a client URL and open a test client (right), or connect your app.";
  $("conn-more").hidden = s.matching <= s.connections.length;
  $("conn-more").textContent = "Showing the newest " + s.connections.length + " of " + s.matching + "; filter to narrow.";
  $("group-count").textContent = String(s.groupCount);
  var list = $("groups");
  list.textContent = "";
  s.groups.forEach(function (g) {
    var members = g.members.map(function (m) { return el("span", { class: "tag", title: m.connectionId, text: m.userId === null ? short(m.connectionId) : m.userId }); });
    if (g.size > g.members.length) members.push(el("span", { class: "muted", text: "+" + (g.size - g.members.length) + " more" }));
    list.appendChild(el("li", {}, [el("span", { class: "name", text: g.name }), el("span", { class: "count", text: String(g.size) }), LV.hub ? null : el("span", { class: "muted", text: " " + g.hub + " " }), " "].concat(members)));
  });
  $("group-empty").hidden = s.groups.length > 0;
}

setInterval(function () {
  var now = Date.now(), skew = LV.state ? LV.state.now - now : 0;
  document.querySelectorAll("[data-since]").forEach(function (td) { td.textContent = ago(now + skew - Number(td.getAttribute("data-since"))); });
}, 1000);
(function poll() {
  setTimeout(function () { if (!document.hidden) LV.refresh(false); poll(); }, Math.min(30000, Math.max(3000, connectionCount())));
})();

// ---- traffic ----
var connKinds = { connected: 1, recovered: 1, offline: 1, disconnected: 1, refused: 1 };
function kindClass(e) {
  if (e.kind === "rest" || e.kind === "frame" || e.kind === "upstream") return e.kind;
  if (e.kind === "join" || e.kind === "leave") return "group";
  if (e.kind === "missed") return "missed";
  if (e.kind === "fault") return "fault";
  return e.kind === "connected" || e.kind === "recovered" ? "conn" : "disc";
}
function statusClass(s) { return s < 300 ? "s-ok" : s < 500 ? "s-warn" : "s-bad"; }

function describe(e) {
  switch (e.kind) {
    case "rest": {
      return [el("span", { class: "id", text: e.method + " " + restPath(e.path) }), e.reach === undefined ? null : el("span", { class: "reach", text: "  → reached " + e.reach + (e.reach === 1 ? " connection" : " connections") })];
    }
    case "frame": {
      var bits = [e.type];
      if (e.group) bits.push("group " + e.group);
      if (e.event) bits.push("event " + e.event);
      if (e.dataType) bits.push(e.dataType);
      bits.push(e.size + " B");
      if (e.ackId !== undefined) bits.push("ackId " + e.ackId);
      return [bits.join(" · ")];
    }
    case "upstream": return [el("span", { class: "id", text: e.event.replace("azure.webpubsub.", "") }), e.error ? el("span", { class: "err", text: "  " + e.error }) : null];
    case "join": return ["joined group " + e.group];
    case "leave": return ["left group " + e.group];
    case "refused": return ["upgrade refused at " + e.path + ": " + e.reason];
    case "fault": return [el("span", { class: "err", text: "injected " + e.fault + (e.name ? " (" + e.name + ")" : "") + ": " }), e.detail];
    case "missed": return ["… " + e.count + " events were not shown (the page fell behind); the newest follow"];
    default: return [e.kind + " · " + e.protocol.replace(".webpubsub.azure.v1", "") + (e.reason ? " · " + e.reason : "")];
  }
}

/** A REST path below its hub, without the api-version, with the query decoded for reading. */
function restPath(full) {
  var q = full.indexOf("?"), path = q < 0 ? full : full.slice(0, q), query = q < 0 ? "" : full.slice(q + 1);
  path = path.replace(/^\/api\/hubs\/[^/]+/, "") || "/";
  query = query.split("&").filter(function (kv) { return kv && kv.indexOf("api-version=") !== 0; }).join("&");
  try { query = decodeURIComponent(query.replace(/\+/g, " ")); } catch (err) { /* keep it encoded */ }
  try { path = decodeURIComponent(path); } catch (err) { /* keep it encoded */ }
  return path + (query ? "?" + query : "");
}

function matchesFilters(e) {
  var kind = $("f-kind").value, user = $("f-user").value.trim().toLowerCase(), conn = $("f-conn").value.trim().toLowerCase(), group = $("f-group").value.trim().toLowerCase();
  if (LV.hub && e.hub && e.hub.toLowerCase() !== LV.hub.toLowerCase()) return false;
  if (kind && kindClass(e) !== kind && !(kind === "conn" && (e.kind in connKinds))) return false;
  if (user && String(e.userId || "").toLowerCase().indexOf(user) < 0) return false;
  if (conn && String(e.connectionId || "").toLowerCase().indexOf(conn) < 0) return false;
  if (group && String(e.group || "").toLowerCase().indexOf(group) < 0) return false;
  return true;
}

function row(e) {
  var k = kindClass(e);
  var who = e.userId ? e.userId : e.connectionId ? short(e.connectionId) : "";
  var tr = el("tr", { class: k === "missed" ? "missed" : null }, [
    el("td", { class: "id", text: clock(e.t) }),
    el("td", {}, [el("span", { class: "kind k-" + k, text: k === "disc" ? e.kind : k === "conn" ? e.kind : k === "group" ? e.kind : k === "upstream" ? "handler" : k })]),
    el("td", { text: e.hub || "" }),
    el("td", { title: e.connectionId || "", text: who }),
    el("td", { class: "what" }, describe(e)),
    el("td", {}, e.status === undefined ? [] : [el("span", { class: "status " + statusClass(e.status), text: String(e.status) })]),
    el("td", { class: "num", text: e.ms === undefined ? "" : String(e.ms) }),
  ]);
  tr.lvEvent = e;
  return tr;
}

LV.all = [];
LV.show = function (events) {
  var body = $("traffic").tBodies[0], frag = document.createDocumentFragment(), n = 0;
  for (var i = events.length - 1; i >= 0; i--) if (matchesFilters(events[i])) { frag.appendChild(row(events[i])); n++; }
  body.insertBefore(frag, body.firstChild);
  while (body.rows.length > LV.maxRows) body.deleteRow(body.rows.length - 1);
  $("traffic-empty").hidden = body.rows.length > 0;
};
function take(events) {
  var fresh = events.filter(function (e) { return e.id === undefined || e.id > LV.lastId; });
  fresh.forEach(function (e) { if (e.id !== undefined) LV.lastId = e.id; });
  if (fresh.length === 0) return;
  LV.all = LV.all.concat(fresh);
  if (LV.all.length > LV.maxRows) LV.all = LV.all.slice(LV.all.length - LV.maxRows);
  if (fresh.some(function (e) { return e.kind in connKinds || e.kind === "join" || e.kind === "leave"; })) LV.refresh(true);
  if (LV.paused) { LV.held = LV.held.concat(fresh).slice(-LV.maxRows); $("pause").textContent = "Resume (" + LV.held.length + " new)"; return; }
  LV.show(fresh);
}
function rerender() { $("traffic").tBodies[0].textContent = ""; LV.show(LV.all); }

function connectFeed() {
  var source = new EventSource("/ui/api/events");
  source.addEventListener("hello", function (m) {
    var info = JSON.parse(m.data);
    if (info.instance !== LV.instance) { LV.instance = info.instance; LV.lastId = 0; }
    $("live-dot").className = "dot live";
    $("feed-status").textContent = "live";
    $("traffic-note").textContent = "The emulator keeps the last " + info.history + " events (ring buffer) and queues at most " + info.perViewer + " for a slow page. Message bodies are never in the feed.";
  });
  source.addEventListener("missed", function (m) { take([{ kind: "missed", count: JSON.parse(m.data).count, t: Date.now() }]); });
  source.onmessage = function (m) { take(JSON.parse(m.data)); };
  source.onerror = function () { $("live-dot").className = "dot down"; $("feed-status").textContent = "reconnecting…"; };
}

$("hub").addEventListener("change", function () { LV.hub = $("hub").value; if (LV.hub) $("act-hub").value = LV.hub; rerender(); LV.refresh(false); });
$("conn-filter").addEventListener("input", function () { LV.refresh(true); });
["f-kind", "f-user", "f-conn", "f-group"].forEach(function (id) { $(id).addEventListener("input", rerender); });
$("pause").addEventListener("click", function () {
  LV.paused = !LV.paused;
  $("pause").className = LV.paused ? "paused" : "";
  $("pause").textContent = LV.paused ? "Resume" : "Pause";
  if (!LV.paused) { LV.show(LV.held); LV.held = []; }
});
$("clear").addEventListener("click", function () { LV.all = []; LV.held = []; rerender(); });
$("act-hub").addEventListener("input", function () { $("act-hub").dataset.touched = "1"; });

connectFeed();
LV.refresh(false);
`;
