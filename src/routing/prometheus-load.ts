/** The model-server gauges that say how busy a replica is (vLLM names; `gantry engine` exposes the same). */
const loadGauges = ["vllm:num_requests_waiting", "vllm:num_requests_running"];

/**
 * Sums waiting + running requests over every label set in a Prometheus text exposition; undefined when neither
 * gauge is present (the server exposes something else), so absent metrics never look like an idle replica.
 */
export function parsePrometheusLoad(text: string): number | undefined {
  let total = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!loadGauges.some((name) => line.startsWith(name) && (line[name.length] === "{" || line[name.length] === " "))) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!Number.isFinite(value)) continue;
    total += value;
    found = true;
  }
  return found ? total : undefined;
}
