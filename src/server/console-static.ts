import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console's Content-Security-Policy: its own scripts only, no inline script, no frames, data
 * calls to this origin only. Inline styles are allowed: the editor and the charts set element styles.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where the built console is: `dist/console` beside the built server (`dist/server/..`), or, when the
 * server runs from source (tsx, the tests), the repository's `dist/console`.
 */
export function defaultConsoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'console'), join(here, '..', '..', 'dist', 'console')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[1] as string);
}

/**
 * Serves the built console (console/, bundled by `npm run build` into dist/console) at /console:
 * index.html never cached (it names the bundles), the content-hashed bundles cached for a year;
 * every answer with the CSP, nosniff and no referrer. The files hold no data and no key: the page
 * asks for a key and every call it makes goes through the admin API's key check. Files are read
 * when first asked for and kept; a missing build answers 404 saying how to build it.
 */
export function registerConsoleStatic(app: FastifyInstance, dir: string = defaultConsoleDir()): void {
  let files: Map<string, Buffer> | undefined;
  const load = (): Map<string, Buffer> | undefined => {
    if (files !== undefined) return files;
    if (!existsSync(join(dir, 'index.html'))) return undefined;
    const out = new Map<string, Buffer>();
    for (const name of readdirSync(dir))
      if (statSync(join(dir, name)).isFile() && TYPES[extname(name)] !== undefined)
        out.set(name, readFileSync(join(dir, name)));
    files = out;
    return out;
  };
  const send = (name: string) => async (_req: unknown, reply: FastifyReply) => {
    const f = load();
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
    if (f === undefined)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('the console is not built: run `npm run build`');
    const body = f.get(name);
    if (body === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const hashed = /-[A-Z0-9]{8,}\.(js|css)$/.test(name);
    return reply
      .header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(TYPES[extname(name)] as string)
      .send(body);
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/', 301));
  app.get('/console/', send('index.html'));
  app.get<{ Params: { file: string } }>('/console/:file', (req, reply) => send(req.params.file)(req, reply));
}
