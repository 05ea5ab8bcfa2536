// The end-to-end scenario inside deno (see scenario.ts).
import { deno } from "./runtimes";
import { scenarioSuite } from "./scenario";

scenarioSuite(deno);
