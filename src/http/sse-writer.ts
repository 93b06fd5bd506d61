import type { ServerResponse } from "node:http";

/** Writes Server-Sent Events one frame per write (no buffering), waiting for the socket when the client is slow. */
export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  /**
   * Sets the status line and headers; call once, right before the first event. They go out with that event in one
   * socket write: flushing them alone cost a syscall and a packet per stream (the top self-time item in the profile).
   */
  start(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
  }

  /** Writes whole SSE frames; resolves when the socket can take more (backpressure) or is gone. */
  async write(frames: string): Promise<void> {
    if (this.closed()) return;
    if (!this.response.write(frames)) await this.drained();
  }

  /** Ends the stream with its last frames (`data: [DONE]`, a final error event, or a translation's closing events). */
  end(frames: string): void {
    if (!this.closed()) this.response.end(frames);
  }

  private closed(): boolean {
    return this.response.writableEnded || this.response.destroyed;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        this.response.off("drain", finish);
        this.response.off("close", finish);
        resolve();
      };
      this.response.on("drain", finish);
      this.response.on("close", finish);
    });
  }
}

/** One named SSE event (`event: name` then its JSON data), as the Responses and Messages streams send them. */
export function sseEvent(event: { readonly type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
