import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ModelSourceError, parseModelSource } from "../../src/models/model-source.js";
import { resolveModelFile } from "../../src/models/resolve-model-file.js";

const modelPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/models/stories260K.gguf");
const modelSha = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const hfPath = "/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf";
const hfSpec = "hf:ggml-org/models/tinyllamas/stories260K.gguf";
// node-llama-cpp downloads in 5 MiB chunks; a 12 MiB file has three, so a cut connection is resumed mid-file.
const bigPath = "/ggml-org/models/resolve/main/big/big.gguf";
const bigSpec = "hf:ggml-org/models/big/big.gguf";
const big = Buffer.from(Array.from({ length: 12 * 1024 * 1024 }, (_, index) => (index * 31) % 251));
const bigSha = createHash("sha256").update(big).digest("hex");

interface HubCall {
  readonly path: string;
  readonly range: string | undefined;
}

/** A stand-in for the Hugging Face hub and a plain file server: serves files by path, honours Range, cuts on cue. */
interface FakeHub {
  readonly url: string;
  readonly calls: HubCall[];
  /** Cut the next ranged response that starts past byte 0 after this many bytes. */
  cutNextAfter: number | undefined;
  close(): Promise<void>;
}

let files: Map<string, Buffer>;
let hub: FakeHub;
let cacheDir: string;

async function startFakeHub(): Promise<FakeHub> {
  const state = { calls: [] as HubCall[], cutNextAfter: undefined as number | undefined };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://hub").pathname;
    state.calls.push({ path, range: request.headers.range });
    const file = files.get(path);
    if (file === undefined) {
      response.writeHead(request.method === "HEAD" && path === "/" ? 200 : 404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = match?.[1] === undefined ? 0 : Number(match[1]);
    const end = match?.[2] === undefined || match[2] === "" ? file.length - 1 : Number(match[2]);
    const body = file.subarray(start, end + 1);
    response.writeHead(match === null ? 200 : 206, {
      "content-length": String(body.length),
      "accept-ranges": "bytes",
      ...(match === null ? {} : { "content-range": `bytes ${start}-${end}/${file.length}` }),
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    const cut = state.cutNextAfter;
    if (cut !== undefined && start > 0) {
      state.cutNextAfter = undefined;
      response.write(body.subarray(0, cut), () => setTimeout(() => response.destroy(), 20));
      return;
    }
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

beforeAll(async () => {
  const model = await readFile(modelPath);
  files = new Map([
    [hfPath, model],
    [bigPath, big],
    ["/files/tinyllamas/stories260K.gguf", model],
  ]);
  hub = await startFakeHub();
});

afterAll(async () => {
  await hub.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "gantry-models-"));
  hub.calls.length = 0;
  hub.cutNextAfter = undefined;
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ HF_ENDPOINT: hub.url });
const quiet = { showProgress: false } as const;

describe("model sources", () => {
  it("hands hf: URIs to node-llama-cpp, maps @revision to #revision, and names URL files after their path", () => {
    expect(parseModelSource(hfSpec, { baseDir: "/", cacheDir: "/c" })).toEqual({ kind: "remote", uri: hfSpec, directory: "/c" });
    expect(parseModelSource("hf:a/b@v1/dir/c.gguf", { baseDir: "/", cacheDir: "/c" })).toEqual({ kind: "remote", uri: "hf:a/b/dir/c.gguf#v1", directory: "/c" });
    expect(parseModelSource("https://example.com:8080/a/b%20c/m.gguf?x=1", { baseDir: "/", cacheDir: "/c" })).toEqual({
      kind: "remote",
      uri: "https://example.com:8080/a/b%20c/m.gguf?x=1",
      directory: "/c/example.com_8080/a/b_c",
      fileName: "m.gguf",
    });
    expect(() => parseModelSource("https://", { baseDir: "/", cacheDir: "/c" })).toThrow(ModelSourceError);
    expect(parseModelSource("models/x.gguf", { baseDir: "/srv", cacheDir: "/c" })).toEqual({ kind: "path", path: "/srv/models/x.gguf" });
  });

  it("resolves a local path, verifying sha256 when given", async () => {
    await expect(resolveModelFile(modelPath, { sha256: modelSha })).resolves.toEqual({ path: modelPath, origin: "path", sha256: modelSha });
    await expect(resolveModelFile(modelPath, { sha256: "0".repeat(64) })).rejects.toThrow(`checksum mismatch for ${modelPath}: expected sha256 ${"0".repeat(64)}, got ${modelSha}`);
    await expect(stat(modelPath)).resolves.toBeDefined();
    await expect(resolveModelFile(join(cacheDir, "missing.gguf"))).rejects.toThrow(/not found/);
  });
});

describe("model download through node-llama-cpp", () => {
  it("downloads an hf: model from HF_ENDPOINT once, then finds it in the cache without the network", async () => {
    const first = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, ...quiet });
    expect(first).toEqual({ path: join(cacheDir, "hf_ggml-org_models_tinyllamas_stories260K.gguf"), origin: "download", sha256: modelSha });
    expect((await readFile(first.path)).equals(files.get(hfPath) ?? Buffer.alloc(0))).toBe(true);
    expect(hub.calls.some((call) => call.path === hfPath)).toBe(true);
    const callsAfterFirst = hub.calls.length;
    const second = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, ...quiet });
    expect(second).toEqual({ path: first.path, origin: "cache", sha256: modelSha });
    expect(hub.calls.length).toBe(callsAfterFirst);
  });

  it("downloads a plain URL into <cache>/<host>/<path> and serves it from the cache once the server is gone", async () => {
    const server = await startFakeHub();
    const url = `${server.url}/files/tinyllamas/stories260K.gguf`;
    const progress: number[] = [];
    const first = await resolveModelFile(url, { cacheDir, ...quiet, onProgress: (downloaded) => progress.push(downloaded) });
    expect(first.origin).toBe("download");
    expect(first.path).toBe(join(cacheDir, new URL(server.url).host.replace(":", "_"), "files", "tinyllamas", "stories260K.gguf"));
    expect(progress.at(-1)).toBe(files.get(hfPath)?.length);
    await server.close();
    await expect(resolveModelFile(url, { cacheDir, sha256: modelSha, ...quiet })).resolves.toEqual({ path: first.path, origin: "cache", sha256: modelSha });
  });

  it("resumes a cut connection with a Range request from the last whole chunk", async () => {
    hub.cutNextAfter = 7_000_000;
    const file = await resolveModelFile(bigSpec, { cacheDir, env: env(), sha256: bigSha, ...quiet });
    expect(file.sha256).toBe(bigSha);
    expect(createHash("sha256").update(await readFile(file.path)).digest("hex")).toBe(bigSha);
    const ranges = hub.calls.filter((call) => call.path === bigPath).map((call) => call.range);
    // The cut response (from byte 5 MiB) covered the second chunk and part of the third: the retry asks for the third only.
    expect(ranges.filter((range) => range?.startsWith("bytes=5242880-") === true)).toEqual(["bytes=5242880-12582911"]);
    expect(ranges).toContain("bytes=10485760-12582911");
  });

  it("fails on a sha256 mismatch naming both digests, and deletes the download", async () => {
    const wrong = "f".repeat(64);
    const path = join(cacheDir, "hf_ggml-org_models_tinyllamas_stories260K.gguf");
    await expect(resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: wrong, ...quiet })).rejects.toThrow(
      `checksum mismatch for ${path}: expected sha256 ${wrong}, got ${modelSha}; the file was deleted from the cache`,
    );
    await expect(stat(path)).rejects.toThrow();
  });

  it("fails clearly on a 404, and at once when the server is unreachable", async () => {
    await expect(resolveModelFile("hf:ggml-org/models/nope.gguf", { cacheDir, env: env(), ...quiet })).rejects.toThrow(/cannot download hf:ggml-org\/models\/nope.gguf: .*Status code: 404/);
    const closed = await startFakeHub();
    await closed.close();
    const error = await resolveModelFile(hfSpec, { cacheDir, env: { HF_ENDPOINT: closed.url }, ...quiet }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelSourceError);
    expect((error as Error).message).toMatch(/cannot download hf:.*: 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\); this machine may be offline\. Copy the model file here and point "model" at its path/);
    await expect(resolveModelFile(`${closed.url}/files/x.gguf`, { cacheDir, ...quiet })).rejects.toThrow(/unreachable \(ECONNREFUSED\)/);
  });
});
