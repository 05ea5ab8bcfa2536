// The end-to-end scenario inside workerd (see scenario.ts).
import { workerd } from "./runtimes";
import { scenarioSuite } from "./scenario";

scenarioSuite(workerd);
