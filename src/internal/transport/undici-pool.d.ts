// undici's full entry costs ~80 ms to load; its Pool module alone ~30 ms. The deep path has no types of its own.
declare module "undici/lib/dispatcher/pool.js" {
  import type { Pool } from "undici";
  const PoolClass: typeof Pool;
  export default PoolClass;
}
