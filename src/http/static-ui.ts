import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { GatewayError } from "../errors/gateway-error.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { MethodHandlers } from "./route-table.js";

const gzipAsync = promisify(gzip);

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

// Recharts sets inline style attributes, hence 'unsafe-inline' for styles only; scripts come from this origin alone.
const securityHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

interface StaticFile {
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly type: string;
}

/**
 * The dashboard's static files from `dir` (the Vite build) at /ui: hashed files under `assets/` are cached for a year
 * as immutable, everything else (index.html) revalidates; paths that are not files fall back to index.html so the
 * single-page app's routes survive a reload. Paths are checked segment by segment and must resolve inside `dir`.
 * Files are read and gzipped once, on first use; the cache is bounded by the build's file count.
 */
export function createStaticUiRoutes(dir: string): Map<string, MethodHandlers> {
  const root = resolve(dir);
  const files = new Map<string, Promise<StaticFile | undefined>>();

  function load(relative: string): Promise<StaticFile | undefined> {
    let file = files.get(relative);
    if (file === undefined) {
      file = readStatic(join(root, relative));
      files.set(relative, file);
      // A missing file is not remembered: the cache holds only what the build contains.
      void file.then((found) => {
        if (found === undefined) files.delete(relative);
      });
    }
    return file;
  }

  async function serve(context: RequestContext): Promise<void> {
    const rest = context.params["path"] ?? "";
    const relative = rest === "" ? "index.html" : checkedPath(root, rest);
    let file = await load(relative);
    let immutable = relative.startsWith("assets/");
    if (file === undefined) {
      // An asset that is not there is a 404; any other path is a client-side route.
      if (immutable || extname(relative) !== "") throw new GatewayError("not_found", { message: "No such dashboard file." });
      file = await load("index.html");
      immutable = false;
    }
    if (file === undefined) throw new GatewayError("not_found", { message: "The dashboard is not built: run npm run build (it builds web/ into dist/web)." });
    const acceptsGzip = /\bgzip\b/.test(String(context.request.headers["accept-encoding"] ?? ""));
    const body = acceptsGzip && file.gzipped !== undefined ? file.gzipped : file.body;
    context.response.writeHead(200, {
      ...securityHeaders,
      "content-type": file.type,
      "content-length": body.length,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
      ...(body === file.gzipped ? { "content-encoding": "gzip" } : {}),
    });
    context.response.end(context.request.method === "HEAD" ? undefined : body);
  }

  const methods: MethodHandlers = { GET: serve, HEAD: serve };
  return new Map<string, MethodHandlers>([
    ["/ui", methods],
    ["/ui/", methods],
    ["/ui/:path*", methods],
  ]);
}

/** The path below `root`, refusing `.`/`..`/empty segments, backslashes and NULs, and anything resolving outside. */
function checkedPath(root: string, rest: string): string {
  const segments = rest.split("/");
  const bad = segments.some((segment) => segment === "" || segment === "." || segment === ".." || segment.includes("\\") || segment.includes("\0"));
  const full = resolve(root, ...segments);
  if (bad || !full.startsWith(root + sep)) throw new GatewayError("not_found", { message: "No such dashboard file." });
  return segments.join("/");
}

async function readStatic(path: string): Promise<StaticFile | undefined> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return undefined;
  }
  const type = contentTypes[extname(path)] ?? "application/octet-stream";
  const compressible = type.startsWith("text/") || type.includes("json") || type.includes("svg");
  return { body, gzipped: compressible && body.length > 1024 ? await gzipAsync(body) : undefined, type };
}
