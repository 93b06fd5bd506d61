import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Where the dashboard's browser test leaves its screenshots (test/e2e/dashboard.test.ts). */
const artifacts = "test-artifacts/dashboard";
/** The copies docs/dashboard.md shows. */
const docsImages = "docs/images/dashboard";
// Every page in the light theme, and two in the dark one: enough to show both without doubling the repository's images.
const pages = ["login", "overview", "models", "requests", "request-detail", "slos", "drift", "registry", "evals", "eval-compare", "keys"];
const pictures = [...pages.map((page) => `${page}-light.png`), "overview-dark.png", "requests-dark.png"];

const missing = pictures.filter((name) => !existsSync(join(artifacts, name)));
if (missing.length > 0) throw new Error(`Not in ${artifacts}: ${missing.join(", ")}. Run npx vitest run test/e2e/dashboard.test.ts first (npm run docs:screenshots does).`);
mkdirSync(docsImages, { recursive: true });
for (const name of pictures) copyFileSync(join(artifacts, name), join(docsImages, name));
console.log(`Copied ${pictures.length} screenshots from ${artifacts} to ${docsImages}.`);
