// The one deep path of undici that src/vendor/undici-pool.ts bundles; it has no types of its own.
declare module "undici/lib/dispatcher/pool.js" {
  import type { Pool } from "undici";
  const PoolClass: typeof Pool;
  export default PoolClass;
}
