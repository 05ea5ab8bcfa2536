// Everything the live view serves, embedded as strings: the package ships no separate asset files, so
// nothing needs copying at build time or locating on disk at run time.
import { actions } from "./actions";
import { app } from "./app";
import { client } from "./client";
import { faultsPanel } from "./faults";
import { page } from "./page";
import { style } from "./style";

export const assets = {
  page,
  files: new Map<string, { type: string; text: string }>([
    ["style.css", { type: "text/css", text: style }],
    ["app.js", { type: "text/javascript", text: app }],
    ["actions.js", { type: "text/javascript", text: actions }],
    ["client.js", { type: "text/javascript", text: client }],
    ["faults.js", { type: "text/javascript", text: faultsPanel }],
  ]),
};
