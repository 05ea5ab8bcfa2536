// The live view's HTML. It holds no secret: the browser authenticates with an HttpOnly cookie.
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Web PubSub emulator · live view</title>
<link rel="stylesheet" href="/ui/assets/style.css">
</head>
<body>
<header class="top">
  <div class="brand"><span class="dot" id="live-dot" title="feed"></span><b>Web PubSub emulator</b><span class="muted">live view</span></div>
  <label class="hubpick">Hub <select id="hub"><option value="">All hubs</option></select></label>
  <div class="stats" id="stats"></div>
  <div class="feed-status" id="feed-status">connecting…</div>
</header>
<main class="grid">
  <section class="panel" id="connections-panel">
    <div class="panel-head"><h2>Connections <span class="count" id="conn-count">0</span></h2><input id="conn-filter" type="search" placeholder="filter: id, user, group, protocol"></div>
    <div class="scroll grow">
      <table class="list" id="connections"><thead><tr><th>Connection</th><th>User</th><th>Protocol</th><th>Groups</th><th>Since</th><th>Active</th><th></th></tr></thead><tbody></tbody></table>
      <p class="empty" id="conn-empty">No connections yet. Mint a client URL and open a test client (right), or connect your app.</p>
      <p class="more" id="conn-more" hidden></p>
    </div>
    <div class="panel-head"><h2>Groups <span class="count" id="group-count">0</span></h2></div>
    <div class="scroll groups-box"><ul class="groups" id="groups"></ul><p class="empty" id="group-empty">No groups.</p></div>
  </section>
  <section class="panel" id="traffic-panel">
    <div class="panel-head wrap"><h2>Traffic</h2>
      <div class="filters">
        <select id="f-kind" aria-label="kind"><option value="">all kinds</option><option value="rest">REST calls</option><option value="frame">client frames</option><option value="upstream">event handler</option><option value="conn">connects</option><option value="group">groups</option><option value="fault">injected faults</option></select>
        <input id="f-user" type="search" placeholder="user" aria-label="user">
        <input id="f-conn" type="search" placeholder="connection" aria-label="connection">
        <input id="f-group" type="search" placeholder="group" aria-label="group">
        <button type="button" id="pause">Pause</button><button type="button" id="clear" class="quiet">Clear</button>
      </div>
    </div>
    <div class="scroll grow" id="traffic-scroll">
      <table class="list traffic" id="traffic"><thead><tr><th>Time</th><th>Kind</th><th>Hub</th><th>Who</th><th>What</th><th>Status</th><th class="num">ms</th></tr></thead><tbody></tbody></table>
      <p class="empty" id="traffic-empty">Nothing yet. REST calls, client frames, event handler calls, connects and group changes appear here as they happen.</p>
    </div>
    <footer class="note" id="traffic-note"></footer>
  </section>
  <aside class="panel side" id="actions-panel">
    <div class="panel-head"><h2>Act</h2><label class="inline">hub <input id="act-hub" value="chat" size="10" aria-label="hub for actions"></label></div>
    <form id="send-form" class="card">
      <h3>Send a message</h3>
      <div class="row"><select id="send-target" aria-label="send to"><option value="all">to all</option><option value="group">to group</option><option value="user">to user</option><option value="connection">to connection</option></select>
      <input id="send-to" placeholder="group / user / connection id" aria-label="target" disabled>
      <select id="send-type" aria-label="content type"><option value="text">text</option><option value="json">JSON</option></select></div>
      <textarea id="send-body" rows="2" placeholder="Hello from the live view" aria-label="message"></textarea>
      <button type="submit" id="send">Send</button>
    </form>
    <form id="conn-form" class="card">
      <h3>A connection</h3>
      <input id="conn-id" placeholder="connection id (click a row)" aria-label="connection id" required>
      <div class="row"><input id="conn-group" placeholder="group" aria-label="group"><button type="button" id="group-add">Add to group</button><button type="button" id="group-remove" class="quiet">Remove</button></div>
      <div class="row"><input id="close-reason" placeholder="reason (optional)" aria-label="close reason"><button type="button" id="close" class="danger">Close</button></div>
    </form>
    <form id="mint-form" class="card">
      <h3>Client URL</h3>
      <div class="row"><input id="mint-user" placeholder="user id" aria-label="user id"><input id="mint-minutes" type="number" min="1" value="60" aria-label="minutes to expire" title="minutes to expire"></div>
      <input id="mint-roles" value="webpubsub.joinLeaveGroup webpubsub.sendToGroup" aria-label="roles" title="roles, space separated">
      <input id="mint-groups" placeholder="groups to join at connect (space separated)" aria-label="groups">
      <div class="row"><button type="submit" id="mint">Mint URL</button><button type="button" id="open-client" disabled>Open test client</button></div>
      <input id="mint-url" readonly placeholder="client URL appears here" aria-label="client URL">
    </form>
    <div class="card" id="faults-panel">
      <h3>Faults <span class="muted">injected, marked in the traffic</span></h3>
      <div class="row"><button type="button" id="fault-throttle">Throttle REST 30 s</button><button type="button" id="fault-drop" class="danger">Drop all sockets</button></div>
      <div class="row"><button type="button" id="fault-refuse">Refuse connections 20 s</button><button type="button" id="fault-slow">Slow event handler</button></div>
      <ul class="groups" id="faults-list"></ul><p class="empty" id="faults-empty">No fault rules in force.</p>
    </div>
    <div id="result" class="result" role="status"></div>
    <h3 class="sub">Test clients <span class="muted">json.webpubsub.azure.v1</span></h3>
    <div id="clients"></div>
  </aside>
</main>
<script src="/ui/assets/app.js"></script>
<script src="/ui/assets/actions.js"></script>
<script src="/ui/assets/client.js"></script>
<script src="/ui/assets/faults.js"></script>
</body>
</html>
`;
