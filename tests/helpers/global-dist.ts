/**
 * Before the integration tests: dist/ fresh, built once here rather than by
 * whichever test file starts a site first (two builds at once would clash).
 */
import { buildIfNeeded } from "./global-build";

export default function setup() {
  buildIfNeeded();
}
