// webpubsub/token: client-token minting and event-signature verification on WebCrypto only.
// Nothing here may import `node:` modules or npm packages: this entry must bundle for edge runtimes.
export { mintClientAccessToken } from "./mint";
export type { ClientAccessToken, MintClientAccessTokenOptions } from "./mint";
export type { ClientProtocol } from "./clientUrl";
export { verifyEventSignature } from "./verifySignature";
export { parseConnectionString } from "../connectionString";
export type { ParsedConnectionString } from "../connectionString";
