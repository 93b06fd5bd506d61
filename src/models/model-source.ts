import { isAbsolute, resolve } from "node:path";
import { cachedUrlPath } from "./model-cache.js";

/** Where a model file comes from: a local file, or a remote one that node-llama-cpp downloads into the cache. */
export type ModelSource =
  | { readonly kind: "path"; readonly path: string }
  | {
      readonly kind: "remote";
      /** What node-llama-cpp is given: an `hf:` URI or an http(s) URL. */
      readonly uri: string;
      readonly directory: string;
      /** Set for URLs, so that a cached file is found without asking the server for its name. */
      readonly fileName?: string;
    };

export interface ModelSourceOptions {
  /** Relative paths resolve against this directory. */
  readonly baseDir: string;
  readonly cacheDir: string;
}

/** A problem finding, downloading or verifying a model file; shown as the deployment's failure reason. */
export class ModelSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelSourceError";
  }
}

/**
 * Reads a model reference: a path, an `hf:` URI (node-llama-cpp's forms, plus Gantry's older
 * `hf:user/repo@revision/file.gguf`), or an http(s) URL.
 */
export function parseModelSource(spec: string, options: ModelSourceOptions): ModelSource {
  if (spec.startsWith("hf:")) return { kind: "remote", uri: huggingFaceUri(spec), directory: options.cacheDir };
  if (/^https?:\/\//i.test(spec)) {
    let url: string;
    try {
      url = new URL(spec).href;
    } catch (error) {
      throw new ModelSourceError(`not a valid URL: ${spec}`, { cause: error });
    }
    const { directory, fileName } = cachedUrlPath(options.cacheDir, url);
    return { kind: "remote", uri: url, directory, fileName };
  }
  return { kind: "path", path: isAbsolute(spec) ? spec : resolve(options.baseDir, spec) };
}

/** node-llama-cpp names a revision `#branch` at the end; Gantry's docs named it `@revision` after the repo. */
function huggingFaceUri(spec: string): string {
  const match = /^hf:([^/]+)\/([^/@]+)@([^/]+)\/(.+)$/.exec(spec);
  if (match === null) return spec;
  const [, user, repo, revision, path] = match;
  return `hf:${user}/${repo}/${path}#${revision}`;
}
