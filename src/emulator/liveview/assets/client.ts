// The live view's test client: a WebSocket speaking json.webpubsub.azure.v1 from the page itself, showing
// what it receives and able to join and leave groups, send to a group and send events.
export const client = String.raw`"use strict";
(function () {
  var LV = window.LV, el = LV.el, count = 0;

  LV.openClient = function (url, user) {
    var n = ++count, ackId = 0;
    var status = el("span", { class: "muted", text: "connecting…" });
    var log = el("ul", { class: "log" });
    var group = el("input", { placeholder: "group", "aria-label": "group", value: "demo" });
    var text = el("input", { placeholder: "message", "aria-label": "message", value: "hi from test client " + n });
    var type = el("select", { "aria-label": "data type" }, [el("option", { value: "text", text: "text" }), el("option", { value: "json", text: "JSON" })]);
    var eventName = el("input", { placeholder: "event", "aria-label": "event name", value: "message" });
    var join = el("button", { type: "button", text: "Join" }), leave = el("button", { type: "button", class: "quiet", text: "Leave" });
    var sendGroup = el("button", { type: "button", text: "Send to group" }), sendEvent = el("button", { type: "button", class: "quiet", text: "Send event" });
    var closeBtn = el("button", { type: "button", class: "quiet", text: "Close" });
    var card = el("div", { class: "client", "data-client": String(n) }, [
      el("header", {}, [el("span", { class: "who", text: "#" + n + " " + user }), status, closeBtn]),
      el("div", { class: "row" }, [group, join, leave]),
      el("div", { class: "row" }, [text, type]),
      el("div", { class: "row" }, [sendGroup, eventName, sendEvent]),
      log,
    ]);
    document.getElementById("clients").prepend(card);

    function line(kind, textLine) {
      log.prepend(el("li", { class: kind, text: textLine }));
      while (log.children.length > 200) log.removeChild(log.lastChild);
    }
    function data() {
      if (type.value !== "json") return { dataType: "text", data: text.value };
      try { return { dataType: "json", data: JSON.parse(text.value) }; } catch (e) { line("sys", "not valid JSON; sent as text"); return { dataType: "text", data: text.value }; }
    }
    function send(frame) {
      if (ws.readyState !== 1) { line("sys", "not connected"); return; }
      frame.ackId = ++ackId;
      ws.send(JSON.stringify(frame));
      line("out", "→ " + JSON.stringify(frame));
    }

    var ws = new WebSocket(url, "json.webpubsub.azure.v1");
    ws.onmessage = function (m) {
      var f;
      try { f = JSON.parse(m.data); } catch (e) { line("in", "← " + m.data); return; }
      if (f.type === "system" && f.event === "connected") { status.textContent = "connected " + f.connectionId.slice(0, 10) + "…"; status.className = "s-ok"; card.setAttribute("data-connection", f.connectionId); }
      if (f.type === "message") line("in", "← " + (f.from === "group" ? "group " + f.group : f.from) + (f.fromUserId ? " from " + f.fromUserId : "") + ": " + (typeof f.data === "string" ? f.data : JSON.stringify(f.data)));
      else line(f.type === "ack" ? "sys" : "in", "← " + m.data);
    };
    ws.onclose = function (e) { status.textContent = "closed " + e.code + (e.reason ? " " + e.reason : ""); status.className = "s-bad"; line("sys", "closed (" + e.code + (e.reason ? ": " + e.reason : "") + ")"); };
    ws.onerror = function () { line("sys", "connection error (see the traffic stream for why)"); };
    join.onclick = function () { send({ type: "joinGroup", group: group.value.trim() }); };
    leave.onclick = function () { send({ type: "leaveGroup", group: group.value.trim() }); };
    sendGroup.onclick = function () { var d = data(); send({ type: "sendToGroup", group: group.value.trim(), dataType: d.dataType, data: d.data }); };
    sendEvent.onclick = function () { var d = data(); send({ type: "event", event: eventName.value.trim(), dataType: d.dataType, data: d.data }); };
    closeBtn.onclick = function () { if (ws.readyState <= 1) ws.close(1000); else card.remove(); };
    return card;
  };
})();
`;
