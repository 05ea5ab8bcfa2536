/** The connection string from the flag, `WebPubSubConnectionString` or `WEBPUBSUB_CONNECTION_STRING` (never printed); undefined when missing. */
export function connectionStringFrom(flag: string | undefined): string | undefined {
  const value = flag ?? process.env["WebPubSubConnectionString"] ?? process.env["WEBPUBSUB_CONNECTION_STRING"];
  return value === undefined || value.trim() === "" ? undefined : value;
}

export const missingConnectionString =
  "no connection string: pass --connection-string or set WebPubSubConnectionString (or WEBPUBSUB_CONNECTION_STRING)";
