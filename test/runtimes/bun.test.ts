// The end-to-end scenario inside bun (see scenario.ts).
import { bun } from "./runtimes";
import { scenarioSuite } from "./scenario";

scenarioSuite(bun);
