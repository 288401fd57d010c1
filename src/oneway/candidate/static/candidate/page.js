// Candidate pages without a recorder: hold the tab, finish uploads left by earlier pages.
import { initFlowPage } from "./flow.js";

initFlowPage();
