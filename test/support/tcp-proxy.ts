import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A tiny TCP proxy on 127.0.0.1:<ephemeral> in front of a database server, for connection
 * faults a test wants at an exact moment: lose the reply to one request (the "commit reply
 * lost" case), or accept connections and never answer (a server that hangs at connect).
 */
export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /** Connections currently open through the proxy. */
  readonly open: number;
  /**
   * From now on: the next server→client bytes that answer a client request sent after this call
   * (after letting `skipReplies` such replies through) are swallowed, and that connection is then
   * cut on both sides. Resolves once it happened, with how many bytes were lost.
   */
  loseNextReply(options?: { readonly skipReplies?: number }): Promise<{ readonly bytesLost: number }>;
  /** Cuts every open connection at once (both sides). */
  cutAll(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly server: Socket | null;
  /** Client bytes were sent since the proxy was armed. */
  requested: boolean;
}

export interface ProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** `blackhole`: accept and never answer nor forward (a hung server). Default `forward`. */
  readonly mode?: "forward" | "blackhole";
}

export async function startTcpProxy(options: ProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let armed: { skip: number; done: (lost: { bytesLost: number }) => void } | null = null;

  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.server?.destroy();
    pairs.delete(pair);
  };

  const server: Server = createServer((client) => {
    client.on("error", () => undefined);
    if (options.mode === "blackhole") {
      const pair: Pair = { client, server: null, requested: false };
      pairs.add(pair);
      client.on("close", () => pairs.delete(pair));
      return;
    }
    const upstream = connect({ host: options.targetHost, port: options.targetPort });
    upstream.on("error", () => undefined);
    const pair: Pair = { client, server: upstream, requested: false };
    pairs.add(pair);
    client.pause();
    upstream.on("connect", () => client.resume());
    client.on("data", (chunk: Buffer) => {
      if (armed !== null) pair.requested = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (armed !== null && pair.requested) {
        if (armed.skip > 0) {
          armed.skip--;
          pair.requested = false;
        } else {
          const { done } = armed;
          armed = null;
          cut(pair);
          done({ bytesLost: chunk.length });
          return;
        }
      }
      client.write(chunk);
    });
    client.on("close", () => cut(pair));
    upstream.on("close", () => cut(pair));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  const port = address.port;

  return {
    port,
    get open() {
      return pairs.size;
    },
    urlFor(url: string) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    loseNextReply(lose = {}) {
      return new Promise((resolve) => {
        for (const pair of pairs) pair.requested = false;
        armed = { skip: lose.skipReplies ?? 0, done: resolve };
      });
    },
    cutAll() {
      for (const pair of [...pairs]) cut(pair);
    },
    close() {
      for (const pair of [...pairs]) cut(pair);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
