import { isAbsolute, resolve } from "node:path";

/** Where a model file comes from: a local file, or a URL downloaded once into the cache. */
export type ModelSource =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "url"; readonly url: string; readonly headers: Readonly<Record<string, string>> };

export interface ModelSourceOptions {
  /** Relative paths resolve against this directory. */
  readonly baseDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultHfEndpoint = "https://huggingface.co";

/** A problem finding, downloading or verifying a model file; shown as the deployment's failure reason. */
export class ModelSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelSourceError";
  }
}

/**
 * Reads a model reference: a path, an `hf:user/repo[@revision]/path/in/repo.gguf` URI (resolved against
 * `HF_ENDPOINT`, default https://huggingface.co, with `HF_TOKEN` as bearer token), or an http(s) URL.
 */
export function parseModelSource(spec: string, options: ModelSourceOptions): ModelSource {
  if (spec.startsWith("hf:")) return parseHuggingFaceUri(spec, options.env);
  if (/^https?:\/\//i.test(spec)) {
    try {
      return { kind: "url", url: new URL(spec).href, headers: {} };
    } catch (error) {
      throw new ModelSourceError(`not a valid URL: ${spec}`, { cause: error });
    }
  }
  return { kind: "path", path: isAbsolute(spec) ? spec : resolve(options.baseDir, spec) };
}

function parseHuggingFaceUri(spec: string, env: ModelSourceOptions["env"]): ModelSource {
  const segments = spec.slice("hf:".length).split("/");
  const [user, repoWithRevision, ...pathSegments] = segments;
  if (user === undefined || user === "" || repoWithRevision === undefined || repoWithRevision === "" || pathSegments.length === 0 || pathSegments.some((segment) => segment === "" || segment === "..")) {
    throw new ModelSourceError(`not a valid hf: URI (expected hf:user/repo/path/to/file.gguf): ${spec}`);
  }
  const at = repoWithRevision.indexOf("@");
  const repo = at === -1 ? repoWithRevision : repoWithRevision.slice(0, at);
  const revision = at === -1 ? "main" : repoWithRevision.slice(at + 1);
  if (repo === "" || revision === "") throw new ModelSourceError(`not a valid hf: URI: ${spec}`);
  const endpoint = (env["HF_ENDPOINT"] ?? defaultHfEndpoint).replace(/\/+$/, "");
  const path = [user, repo, "resolve", revision, ...pathSegments].map(encodeURIComponent).join("/");
  const token = env["HF_TOKEN"];
  return { kind: "url", url: `${endpoint}/${path}`, headers: token === undefined || token === "" ? {} : { authorization: `Bearer ${token}` } };
}
