import { EventEmitter } from "node:events";
import { Command, ReplyError, type Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { guardRedis } from "../../src/compose/redis-guard.js";

/** Just what the guard uses of an ioredis client: its status, its events, sendCommand and ping. */
class FakeClient extends EventEmitter {
  status = "ready";
  readonly sent: Command[] = [];
  sendCommand(command: Command): Promise<unknown> {
    this.sent.push(command);
    return command.promise;
  }
  ping(): Promise<string> {
    return Promise.resolve("PONG");
  }
}

describe("guardRedis", () => {
  it("closes a half-open breaker when its probe succeeds, though commands were refused while the probe was out", async () => {
    let now = 0;
    const changes: boolean[] = [];
    const client = new FakeClient();
    const health = guardRedis(client as unknown as Redis, { onChange: (up) => changes.push(up), clock: { now: () => now } });
    // The connection drops (three closes open the breaker), then comes back.
    client.status = "reconnecting";
    for (let index = 0; index < 3; index++) client.emit("close");
    client.status = "ready";
    client.emit("ready");
    expect(health().up).toBe(false);
    // Past the cooldown: one command goes through as the probe; others meanwhile are refused at once.
    now = 300;
    const probe = new Command("get", ["a"]);
    void client.sendCommand(probe);
    const refused = new Command("get", ["b"]);
    await expect(client.sendCommand(refused)).rejects.toMatchObject({ code: "dependency_unavailable" });
    expect(client.sent).toEqual([probe]);
    probe.resolve(Buffer.from("1"));
    await probe.promise;
    expect(health().up).toBe(true);
    expect(changes).toEqual([false, true]);
    // Closed again: the next command reaches Redis.
    const next = new Command("get", ["c"]);
    void client.sendCommand(next);
    expect(client.sent).toEqual([probe, next]);
    next.resolve(Buffer.from("2"));
    await next.promise;
  });

  it("passes Redis's errors about a command as they are, and gives 503 for a reply that says Redis cannot serve now", async () => {
    const client = new FakeClient();
    const health = guardRedis(client as unknown as Redis, { onChange: () => undefined, clock: { now: () => 0 } });
    const wrongType = new Command("get", ["list"]);
    void client.sendCommand(wrongType);
    wrongType.reject(new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value"));
    await expect(wrongType.promise).rejects.toMatchObject({ name: "ReplyError", message: expect.stringMatching(/^WRONGTYPE/) });
    expect(health().failures).toBe(0);
    const loading = new Command("get", ["a"]);
    void client.sendCommand(loading);
    loading.reject(new ReplyError("LOADING Redis is loading the dataset in memory"));
    await expect(loading.promise).rejects.toMatchObject({ code: "dependency_unavailable", cause: { message: expect.stringMatching(/^LOADING/) } });
    expect(health().failures).toBe(1);
  });
});
