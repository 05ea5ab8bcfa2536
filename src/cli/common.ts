/** The connection string from the flag or `WebPubSubConnectionString`; prints why and returns undefined when missing. */
export function connectionStringFrom(flag: string | undefined, command: string): string | undefined {
  const value = flag ?? process.env["WebPubSubConnectionString"] ?? process.env["WEBPUBSUB_CONNECTION_STRING"];
  if (value === undefined || value.trim() === "") {
    process.stderr.write(`webpubsub ${command}: no connection string: pass --connection-string or set WebPubSubConnectionString\n`);
    return undefined;
  }
  return value;
}
