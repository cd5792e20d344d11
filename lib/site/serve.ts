// A static file server for previewing the site on 127.0.0.1 only (never on
// another interface). It serves files as any static host would, with the
// MIME types the explorer needs: duckdb-wasm hangs silently when its .wasm
// comes as anything but application/wasm.

import { extname, join, normalize } from "node:path";

export const MIME_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".parquet": "application/vnd.apache.parquet",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `root` on http://127.0.0.1:<port>/ (port 0: any free port). */
export function serveSite(root: string, options: { port?: number } = {}): SiteServer {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith("/")) path += "index.html";
      const rel = normalize(path).replace(/^(\.\.(\/|$))+/, "");
      const file = join(root, rel);
      if (!file.startsWith(join(root, "/")) && file !== root) {
        return new Response("forbidden", { status: 403 });
      }
      try {
        const data = await Deno.readFile(file);
        return new Response(data, {
          headers: {
            "content-type": MIME_TYPES[extname(file)] ?? "application/octet-stream",
            "cache-control": "no-cache",
          },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  return { url: `http://127.0.0.1:${port}/`, port, close: () => server.shutdown() };
}
