// The live view's stylesheet: a light, dense layout meant to be read at a glance.
export const style = String.raw`
:root{--bg:#f4f6f9;--panel:#fff;--line:#e3e7ee;--text:#1d2533;--muted:#6b7689;--accent:#2563eb;--ok:#15803d;--warn:#b45309;--bad:#b42318;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text);display:flex;flex-direction:column}
.top{display:flex;align-items:center;gap:20px;padding:10px 16px;background:#111827;color:#e5e7eb}
.brand{display:flex;align-items:center;gap:8px;font-size:15px}
.brand .muted{color:#9ca3af}
.dot{width:10px;height:10px;border-radius:50%;background:#6b7280;display:inline-block}
.dot.live{background:#22c55e;box-shadow:0 0 0 3px rgba(34,197,94,.25)}
.dot.down{background:#ef4444}
.hubpick{display:flex;gap:6px;align-items:center;color:#9ca3af}
.hubpick select{background:#1f2937;color:#f9fafb;border:1px solid #374151;border-radius:6px;padding:3px 6px;font:inherit}
.stats{color:#d1d5db;flex:1}
.stats b{color:#fff}
.feed-status{color:#9ca3af;font-size:12px}
.grid{flex:1;min-height:0;display:grid;grid-template-columns:minmax(420px,1fr) minmax(480px,1.45fr) 340px;gap:12px;padding:12px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;display:flex;flex-direction:column;min-height:0;overflow:hidden}
.panel.side{overflow:auto;padding-bottom:12px}
.panel-head{display:flex;align-items:center;gap:10px;padding:10px 12px;border-bottom:1px solid var(--line)}
.panel-head.wrap{flex-wrap:wrap}
.panel-head input[type=search]{flex:1;min-width:0}
h2{font-size:13px;margin:0;text-transform:uppercase;letter-spacing:.04em;color:#374151;white-space:nowrap}
h3{font-size:13px;margin:0 0 8px}
h3.sub{margin:14px 12px 6px}
.count{display:inline-block;min-width:20px;padding:0 6px;margin-left:4px;border-radius:9px;background:#eef2ff;color:#3730a3;font-size:11px;text-align:center}
.muted{color:var(--muted);font-weight:normal}
.scroll{overflow:auto;min-height:0}
.grow{flex:1}
.groups-box{max-height:32%}
table.list{width:100%;border-collapse:collapse}
.list th{position:sticky;top:0;background:#f9fafb;text-align:left;font-weight:600;color:#4b5563;font-size:11px;text-transform:uppercase;letter-spacing:.03em;padding:6px 8px;border-bottom:1px solid var(--line);z-index:1}
.list td{padding:5px 8px;border-bottom:1px solid #f0f2f5;vertical-align:top}
.list tbody tr:hover{background:#f8fafc}
.list tr.selected{background:#eff6ff}
#connections tbody tr{cursor:pointer}
#connections td:last-child,#connections th:last-child{padding:5px 2px;width:22px}
.num{text-align:right;font-variant-numeric:tabular-nums}
.id{font-family:var(--mono);font-size:12px}
.tag{display:inline-block;padding:0 6px;margin:1px 3px 1px 0;border-radius:4px;background:#f1f5f9;color:#334155;font-size:11px;white-space:nowrap}
.tag.group{background:#ecfeff;color:#155e75}
.tag.proto{background:#f5f3ff;color:#5b21b6}
.tag.offline{background:#fef3c7;color:#92400e}
.kind{display:inline-block;min-width:72px;padding:1px 6px;border-radius:4px;font-size:10px;font-weight:700;text-align:center;text-transform:uppercase;letter-spacing:.03em}
.k-rest{background:#dbeafe;color:#1e40af}.k-frame{background:#ede9fe;color:#5b21b6}.k-upstream{background:#fef3c7;color:#92400e}
.k-conn{background:#dcfce7;color:#166534}.k-disc{background:#fee2e2;color:#991b1b}.k-group{background:#cffafe;color:#155e75}.k-missed{background:#e5e7eb;color:#374151}.k-fault{background:#fde68a;color:#7c2d12;font-weight:600}
.status{font-family:var(--mono);font-weight:600}
.s-ok{color:var(--ok)}.s-warn{color:var(--warn)}.s-bad{color:var(--bad)}
.reach{color:var(--muted);white-space:nowrap}
.err{color:var(--bad)}
table.traffic{table-layout:fixed}
.traffic th:nth-child(1){width:104px}.traffic th:nth-child(2){width:100px}.traffic th:nth-child(3){width:64px}.traffic th:nth-child(4){width:76px}
.traffic th:nth-child(6){width:54px}.traffic th:nth-child(7){width:52px}
.traffic td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.traffic td.what{white-space:normal;word-break:break-word}
.traffic tr.missed td{background:#f9fafb;color:var(--muted);font-style:italic}
.empty{color:var(--muted);padding:14px 12px;margin:0}
.more{color:var(--muted);padding:6px 12px;margin:0;font-size:12px}
.note{border-top:1px solid var(--line);padding:6px 12px;color:var(--muted);font-size:12px}
.groups{list-style:none;margin:0;padding:6px 12px}
.groups li{padding:4px 0;border-bottom:1px solid #f0f2f5}
.groups .name{font-weight:600;margin-right:6px}
.filters{display:flex;gap:6px;flex:1;flex-wrap:wrap;justify-content:flex-end}
.filters input{width:84px}
input,select,textarea,button{font:inherit;font-size:12.5px}
input,select,textarea{border:1px solid #cfd6e0;border-radius:6px;padding:4px 7px;background:#fff;color:var(--text)}
textarea{width:100%;resize:vertical;font-family:var(--mono)}
input:focus,select:focus,textarea:focus{outline:2px solid #bfdbfe;border-color:var(--accent)}
button{border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:6px;padding:4px 10px;cursor:pointer;white-space:nowrap}
button.quiet{background:#fff;color:#374151;border-color:#cfd6e0}
button.danger{background:#fff;color:var(--bad);border-color:#f3b8b2}
button:disabled{opacity:.5;cursor:default}
button.paused{background:#f59e0b;border-color:#f59e0b}
.icon{background:none;border:0;color:#9ca3af;padding:0 4px;font-size:14px;line-height:1}
.icon:hover{color:var(--bad)}
.card{margin:10px 12px 0;padding:10px;border:1px solid var(--line);border-radius:8px;display:flex;flex-direction:column;gap:6px}
.row{display:flex;gap:6px}
.row input{flex:1;min-width:0}
.card > input{width:100%}
.inline{color:var(--muted);font-size:12px;display:flex;gap:6px;align-items:center}
.result{margin:10px 12px 0;font-family:var(--mono);font-size:12px;min-height:18px;word-break:break-all}
.client{margin:8px 12px 0;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.client header{display:flex;align-items:center;gap:6px;padding:6px 8px;background:#f9fafb;border-bottom:1px solid var(--line)}
.client header .who{flex:1;font-weight:600}
.client .log{max-height:160px;overflow:auto;margin:0;padding:4px 8px;list-style:none;font-family:var(--mono);font-size:11.5px}
.client .log li{padding:2px 0;border-bottom:1px dashed #eef1f5;word-break:break-word}
.client .log li.sys{color:var(--muted)}
.client .log li.out{color:#1e40af}
.client .row{padding:0 8px 6px}
.client .row:first-of-type{padding-top:6px}
`;
