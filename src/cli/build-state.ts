/** Decides whether the build in dist/ is older than its sources (the logic is plain JavaScript, for `npm start`). */
export { clientDir, needsBuild, serverEntry } from "../../scripts/build-state.mjs";
