// The end-to-end scenario inside edgeRuntime (see scenario.ts).
import { edgeRuntime } from "./runtimes";
import { scenarioSuite } from "./scenario";

scenarioSuite(edgeRuntime);
