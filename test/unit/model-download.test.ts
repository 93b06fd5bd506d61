import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cachedModelPath } from "../../src/models/model-cache.js";
import { ModelSourceError, parseModelSource } from "../../src/models/model-source.js";
import { resolveModelFile } from "../../src/models/resolve-model-file.js";

const modelPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/models/stories260K.gguf");
const modelSha = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

interface HubCall {
  readonly path: string;
  readonly range: string | undefined;
}

/** A stand-in for the Hugging Face hub: redirects resolve/ URLs to a CDN path that honours Range, and cuts on cue. */
interface FakeHub {
  readonly url: string;
  readonly calls: HubCall[];
  /** Cut the connection after this many bytes on the next body response. */
  cutNextAfter: number | undefined;
  ignoreRange: boolean;
  close(): Promise<void>;
}

let bytes: Buffer;
let hub: FakeHub;
let cacheDir: string;
const noProgress = (): { update: () => void; stop: () => void } => ({ update: () => undefined, stop: () => undefined });

async function startFakeHub(): Promise<FakeHub> {
  const state: Omit<FakeHub, "url" | "close"> = { calls: [], cutNextAfter: undefined, ignoreRange: false };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? "/";
    state.calls.push({ path, range: request.headers.range });
    if (path.startsWith("/ggml-org/models/resolve/main/")) {
      response.writeHead(302, { location: `/cdn/${path.slice("/ggml-org/models/resolve/main/".length)}` }).end();
      return;
    }
    if (path !== "/cdn/tinyllamas/stories260K.gguf") {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const match = state.ignoreRange ? null : /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const start = match?.[1] === undefined ? 0 : Number(match[1]);
    if (start >= bytes.length) {
      response.writeHead(416, { "content-range": `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    response.writeHead(match === null ? 200 : 206, {
      "content-length": String(body.length),
      ...(match === null ? {} : { "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` }),
    });
    const cut = state.cutNextAfter;
    if (cut !== undefined) {
      state.cutNextAfter = undefined;
      response.write(body.subarray(0, cut), () => setTimeout(() => response.destroy(), 20));
      return;
    }
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  const hubState = state as FakeHub;
  return Object.assign(hubState, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

beforeAll(async () => {
  bytes = await readFile(modelPath);
  hub = await startFakeHub();
});

afterAll(async () => {
  await hub.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "gantry-models-"));
  hub.calls.length = 0;
  hub.cutNextAfter = undefined;
  hub.ignoreRange = false;
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const hfSpec = "hf:ggml-org/models/tinyllamas/stories260K.gguf";
const env = (): Record<string, string> => ({ HF_ENDPOINT: hub.url });

describe("model sources", () => {
  it("maps hf: URIs to the hub's resolve URL, honouring HF_ENDPOINT and @revision", () => {
    expect(parseModelSource(hfSpec, { baseDir: "/", env: {} })).toEqual({ kind: "url", url: "https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf", headers: {} });
    expect(parseModelSource("hf:a/b@v1/c.gguf", { baseDir: "/", env: { HF_ENDPOINT: "http://hub.local/", HF_TOKEN: "t" } })).toEqual({
      kind: "url",
      url: "http://hub.local/a/b/resolve/v1/c.gguf",
      headers: { authorization: "Bearer t" },
    });
    expect(() => parseModelSource("hf:only-user", { baseDir: "/", env: {} })).toThrow(ModelSourceError);
    expect(parseModelSource("models/x.gguf", { baseDir: "/srv", env: {} })).toEqual({ kind: "path", path: "/srv/models/x.gguf" });
  });

  it("resolves a local path, verifying sha256 when given", async () => {
    await expect(resolveModelFile(modelPath, { sha256: modelSha })).resolves.toEqual({ path: modelPath, origin: "path", sha256: modelSha });
    await expect(resolveModelFile(modelPath, { sha256: "0".repeat(64) })).rejects.toThrow(/checksum mismatch/);
    await expect(resolveModelFile(join(cacheDir, "missing.gguf"))).rejects.toThrow(/not found/);
  });
});

describe("model download", () => {
  it("downloads an hf: model once through the hub's redirect, records its sha256, then uses the cache", async () => {
    const first = await resolveModelFile(hfSpec, { cacheDir, env: env(), progress: noProgress });
    expect(first.origin).toBe("download");
    expect(first.sha256).toBe(modelSha);
    expect(first.path).toBe(cachedModelPath(cacheDir, `${hub.url}/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf`));
    expect((await readFile(first.path)).equals(bytes)).toBe(true);
    const record = JSON.parse(await readFile(`${first.path}.json`, "utf8")) as { sha256: string; size: number };
    expect(record).toMatchObject({ sha256: modelSha, size: bytes.length });
    const callsAfterFirst = hub.calls.length;
    const second = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, progress: noProgress });
    expect(second).toEqual({ path: first.path, origin: "cache", sha256: modelSha });
    expect(hub.calls.length).toBe(callsAfterFirst);
  });

  it("resumes an interrupted download with an HTTP Range request", async () => {
    hub.cutNextAfter = 300_000;
    const progress: number[] = [];
    const file = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, progress: () => ({ update: (received) => progress.push(received), stop: () => undefined }) });
    expect(file.sha256).toBe(modelSha);
    expect(createHash("sha256").update(await readFile(file.path)).digest("hex")).toBe(modelSha);
    const cdnCalls = hub.calls.filter((call) => call.path.startsWith("/cdn/"));
    expect(cdnCalls.length).toBe(2);
    expect(cdnCalls[0]?.range).toBeUndefined();
    expect(cdnCalls[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(cdnCalls[1]?.range ?? "")?.[0])).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("resumes from a .part file left by an earlier run", async () => {
    const destination = cachedModelPath(cacheDir, `${hub.url}/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf`);
    await resolveModelFile(hfSpec, { cacheDir, env: env(), progress: noProgress }).then((file) => rm(file.path));
    await writeFile(`${destination}.part`, bytes.subarray(0, 500_000));
    hub.calls.length = 0;
    const file = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, progress: noProgress });
    expect(file.origin).toBe("download");
    expect(hub.calls.find((call) => call.path.startsWith("/cdn/"))?.range).toBe("bytes=500000-");
    expect((await stat(file.path)).size).toBe(bytes.length);
  });

  it("starts over when the server ignores Range", async () => {
    const destination = cachedModelPath(cacheDir, `${hub.url}/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf`);
    await resolveModelFile(hfSpec, { cacheDir, env: env(), progress: noProgress }).then((file) => rm(file.path));
    await writeFile(`${destination}.part`, Buffer.alloc(1000, 7));
    hub.ignoreRange = true;
    const file = await resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: modelSha, progress: noProgress });
    expect(file.sha256).toBe(modelSha);
  });

  it("fails on a checksum mismatch and deletes the partial file", async () => {
    const wrong = "f".repeat(64);
    await expect(resolveModelFile(hfSpec, { cacheDir, env: env(), sha256: wrong, progress: noProgress })).rejects.toThrow(/checksum mismatch.*expected sha256 f{64}, got 270cba/);
    const destination = cachedModelPath(cacheDir, `${hub.url}/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf`);
    await expect(stat(`${destination}.part`)).rejects.toThrow();
    await expect(stat(destination)).rejects.toThrow();
  });

  it("fails clearly on a 404 and when offline", async () => {
    await expect(resolveModelFile("hf:ggml-org/models/nope.gguf", { cacheDir, env: env(), progress: noProgress })).rejects.toThrow(/answered 404/);
    const closed = await startFakeHub();
    await closed.close();
    await expect(resolveModelFile(`${closed.url}/x.gguf`, { cacheDir, progress: noProgress })).rejects.toThrow(/unreachable \(ECONNREFUSED\).*offline/);
  });
});
